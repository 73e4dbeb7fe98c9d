import { Column, Entity, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** A host site: every other row in the database belongs to exactly one App. */
@Entity({ name: "apps" })
export class AppEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 120 })
  name!: string;

  /** Kept in clear: it is the HMAC key that verifies the host site's signed tokens. */
  @Column({ type: "varchar", length: 80 })
  secret!: string;

  /** Exact origins (`https://shop.example`), or `*` for any (demos only). */
  @Column({ type: "simple-json" })
  allowedOrigins!: string[];

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  /** The last event seq handed out in this app; bumped inside each writing transaction. */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  lastSeq!: number;
}
