import { Column, Entity, Index } from "typeorm";
import { asNumber } from "../shared/time.js";

/** The `senderId` of a system message (posted by the host's backend with no sender): null on the wire. */
export const SYSTEM_SENDER = "";

/** Ids are auto-increment: history pages are keyset scans on (conversationId, id). */
@Entity({ name: "messages" })
@Index("ix_messages_conversation", ["conversationId", "id"])
@Index("uq_messages_client_id", ["appId", "senderId", "clientMessageId"], { unique: true })
@Index("ix_messages_thread", ["threadId", "id"])
export class MessageEntity {
  @Column({ type: "bigint", primary: true, generated: "increment", transformer: asNumber })
  id!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  /** The sender's user id, or SYSTEM_SENDER ("") for a system message. */
  @Column({ type: "varchar", length: 32 })
  senderId!: string;

  @Column({ type: "text", nullable: true })
  text!: string | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  replyToId!: number | null;

  /** A thread reply: its root's id (threads/). Replies stay out of the conversation's timeline. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  threadId!: number | null;

  /** On a root: its replies, deleted ones included, and the last one's time. */
  @Column({ type: "int", default: 0 })
  replyCount!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  lastReplyAt!: number | null;

  @Column({ type: "varchar", length: 64, nullable: true })
  clientMessageId!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  editedAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  deletedAt!: number | null;

  /** The host's custom data (server API) as JSON text, NULL when unset (shared/custom-data.ts). */
  @Column({ type: "text", nullable: true })
  data!: string | null;

  /** A streamed message's state (streaming.ts): streaming, finished, failed, stopped; NULL for every other message. */
  @Column({ type: "varchar", length: 16, nullable: true })
  stream?: string | null;

  /** Why a streamed message failed. */
  @Column({ type: "varchar", length: 500, nullable: true })
  streamError?: string | null;
}
