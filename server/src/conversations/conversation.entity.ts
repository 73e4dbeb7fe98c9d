import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

@Entity({ name: "conversations" })
@Index("uq_conversations_direct", ["appId", "directKey"], { unique: true })
@Index("ix_conversations_public", ["appId", "isPublic", "name"])
@Index("uq_conversations_key", ["appId", "externalKey"], { unique: true })
export class ConversationEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 10 })
  kind!: "direct" | "group";

  @Column({ type: "varchar", length: 100, nullable: true })
  name!: string | null;

  @Column({ type: "boolean", default: false })
  isPublic!: boolean;

  /** `<smaller user id>:<larger user id>` for DMs: the unique index makes one DM per pair. */
  @Column({ type: "varchar", length: 70, nullable: true })
  directKey!: string | null;

  @Column({ type: "varchar", length: 32 })
  createdBy!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  lastActivityAt!: number;

  /** Denormalised so the conversation list needs no per-row "latest message" lookup. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  lastMessageId!: number | null;

  /** The host's idempotency key (`key` on the wire, server API), unique per app; compared byte for byte. */
  @Column({ type: "varchar", length: 128, nullable: true })
  externalKey!: string | null;

  /** The host's custom data as JSON text, NULL when unset; its top-level scalars are in conversation_data_index. */
  @Column({ type: "text", nullable: true })
  data!: string | null;
}
