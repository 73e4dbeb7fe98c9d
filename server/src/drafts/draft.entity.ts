import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * A conversation's unsent text, one row per (app, user, conversation) (issue 55), written only by
 * drafts/. Saved over in place (an upsert on the primary key, so two devices saving at once on two
 * nodes never collide), removed when emptied, sent (the SDK deletes it) or with the account.
 */
@Entity({ name: "drafts" })
@Index("ix_drafts_user", ["appId", "userId", "updatedAt"])
export class DraftEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "text" })
  text!: string;

  /** The message the reply being written answers. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  replyToId!: number | null;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}
