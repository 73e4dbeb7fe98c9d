import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * The event log: every state change, in commit order per app. An event is about a conversation
 * (seen by its members) or, for membership and contact changes, about one user. Read by
 * conversation and by user (a catch-up: one seq range each, see EventLog.seqsFor), by seq (the
 * primary key: a page's rows, pruning) and by message (to rewrite after edits). On SQLite
 * ix_events_user is partial (`userId IS NOT NULL`, see migration 1763880000000).
 */
@Entity({ name: "events" })
@Index("ix_events_message", ["appId", "messageId"])
@Index("ix_events_conversation", ["appId", "conversationId", "seq"])
@Index("ix_events_user", ["appId", "userId", "seq"])
export class EventEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  seq!: number;

  @Column({ type: "varchar", length: 32, nullable: true })
  conversationId!: string | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  userId!: string | null;

  /** The message a message event carries, so edits and deletes can rewrite its earlier events. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  messageId!: number | null;

  @Column({ type: "varchar", length: 32 })
  type!: string;

  /** JSON. MEDIUMTEXT on MySQL (migration 1763880000000): a big group's conversation event passes 64 KB. */
  @Column({ type: "text" })
  data!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
