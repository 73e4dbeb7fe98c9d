import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * A user's place in a thread: whether they follow it (notified, counted in the list's
 * threadUnreadCount) and how far they have read it. A row is kept after an unfollow, so the
 * read mark stays; auto-follows (replying, being mentioned, a reply to one's root) never
 * override an explicit unfollow except replying, which follows again.
 */
@Entity({ name: "thread_follows" })
@Index("ix_thread_follows_user", ["appId", "userId", "conversationId"])
export class ThreadFollowEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  rootId!: number;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "boolean" })
  following!: boolean;

  /** Only ever moves forward. 0 = nothing read. */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  lastReadMessageId!: number;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}

/** A user a message mentions (the message's `mentions`): written with the message, never edited. */
@Entity({ name: "message_mentions" })
@Index("ix_message_mentions_user", ["appId", "userId", "conversationId", "messageId"])
export class MentionEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  threadId!: number | null;
}
