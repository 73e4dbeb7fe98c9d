import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * A pinned message (one row per message: pinning twice changes nothing). Written only by pins/;
 * a message's deletion and an account's deletion remove the pins of the messages that go.
 */
@Entity({ name: "message_pins" })
@Index("ix_message_pins_conversation", ["conversationId", "pinnedAt"])
export class PinEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  /** The user who pinned it; null for the host's backend. */
  @Column({ type: "varchar", length: 32, nullable: true })
  pinnedBy!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  pinnedAt!: number;
}
