import { Column, Entity } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * A streamed message while it streams (issue 54): one row per live stream, removed when it ends.
 * The message itself is a row of `messages` (its `stream` column says where it is); this small table
 * only lets every node's sweep find the streams past their idle or total time without scanning
 * messages. Written only by messages/ (streaming.ts, forget.ts).
 */
@Entity({ name: "message_streams" })
export class MessageStreamEntity {
  @Column({ type: "bigint", primary: true, transformer: asNumber })
  messageId!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  startedAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  lastAppendAt!: number;
}
