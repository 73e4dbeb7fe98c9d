import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

@Entity({ name: "users" })
@Index("uq_users_app_email", ["appId", "email"], { unique: true })
@Index("uq_users_app_external", ["appId", "externalId"], { unique: true })
@Index("ix_users_app_name", ["appId", "displayName", "id"])
export class UserEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  /**
   * Normalised (users/email.ts), compared byte for byte; null for users who came in through a
   * host-signed token. Private: only its owner sees it, and search never matches it by prefix.
   */
  @Column({ type: "varchar", length: 254, nullable: true })
  email!: string | null;

  @Column({ type: "varchar", length: 80, nullable: true })
  passwordHash!: string | null;

  /** The host site's user id (`sub` of its token), verbatim and compared byte for byte. */
  @Column({ type: "varchar", length: 191, nullable: true })
  externalId!: string | null;

  @Column({ type: "varchar", length: 80 })
  displayName!: string;

  @Column({ type: "varchar", length: 500, default: "" })
  bio!: string;

  @Column({ type: "varchar", length: 1024, nullable: true })
  avatarUrl!: string | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  lastSeenAt!: number | null;

  /** False: nobody else sees `lastSeenAt` (PATCH /me { showLastSeen }). */
  @Column({ type: "boolean", default: true })
  showLastSeen!: boolean;

  /**
   * An AI agent's user (issue 54): clients mark it ("AI") and listen for its streamed replies.
   * Set and cleared by agents/ through `markAgent` as the agent is made and removed.
   */
  @Column({ type: "boolean", default: false })
  agent!: boolean;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;

  /** The host's custom data (server API) as JSON text, NULL when unset (shared/custom-data.ts). */
  @Column({ type: "text", nullable: true })
  data!: string | null;

  /**
   * Set when the account was deleted (issue 17): the row stays as an anonymised tombstone
   * ("Deleted user", no email, sub, password, bio, avatar or data) so the senderId of its
   * tombstoned messages still names someone; nobody can sign in as it (data-rights/).
   */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  deletedAt!: number | null;
}
