import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * A server key of an app: what the host site's backend signs in with on `/v1/server/…`, signs host
 * tokens with (their `kid` header names it), and what webhook deliveries are signed with. An app has
 * one or more; old and new verify side by side until the old one is revoked (rotation).
 */
@Entity({ name: "server_keys" })
@Index("ix_server_keys_app", ["appId", "createdAt"])
export class ServerKeyEntity {
  /** The key id (`kid`): public, names the key in tokens, signatures and logs. */
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  /** Kept in clear, like the app secret: it is an HMAC key (host tokens, webhook signatures). */
  @Column({ type: "varchar", length: 80 })
  secret!: string;

  /** The operator's label ("billing backend"). */
  @Column({ type: "varchar", length: 120, nullable: true })
  name!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  /** Set by `app:key -- revoke`: the key verifies nothing from then on. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  revokedAt!: number | null;
}
