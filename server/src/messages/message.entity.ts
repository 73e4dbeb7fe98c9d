import { Column, Entity, Index } from "typeorm";
import { asNumber } from "../shared/time.js";

/** Ids are auto-increment: history pages are keyset scans on (conversationId, id). */
@Entity({ name: "messages" })
@Index("ix_messages_conversation", ["conversationId", "id"])
@Index("uq_messages_client_id", ["appId", "senderId", "clientMessageId"], { unique: true })
export class MessageEntity {
  @Column({ type: "bigint", primary: true, generated: "increment", transformer: asNumber })
  id!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "varchar", length: 32 })
  senderId!: string;

  @Column({ type: "text", nullable: true })
  text!: string | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  replyToId!: number | null;

  @Column({ type: "varchar", length: 64, nullable: true })
  clientMessageId!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  editedAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  deletedAt!: number | null;
}
