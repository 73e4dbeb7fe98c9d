import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import type { CallEndReason, CallKind, CallMode, CallParticipantState, CallState } from "@parley/sdk/protocol";
import { asNumber } from "../shared/time.js";

/**
 * A call in a conversation. Written only by calls/.
 *
 * One live call per conversation is the database's rule, not a read's: `liveKey` is the
 * conversation's id while the call is not ended and NULL after, under a unique index (NULLs never
 * collide), so of two starts racing on two nodes one insert fails and is answered 409.
 */
@Entity({ name: "calls" })
@Index("uq_calls_live", ["liveKey"], { unique: true })
@Index("ix_calls_conversation", ["conversationId", "createdAt", "id"])
@Index("ix_calls_entry", ["messageId", "endedAt"])
export class CallEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "varchar", length: 8 })
  kind!: CallKind;

  @Column({ type: "varchar", length: 8 })
  mode!: CallMode;

  @Column({ type: "varchar", length: 8 })
  state!: CallState;

  /** The caller (kept after their account is deleted: it then names the tombstone). */
  @Column({ type: "varchar", length: 32 })
  startedBy!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  answeredAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  endedAt!: number | null;

  @Column({ type: "varchar", length: 16, nullable: true })
  endReason!: CallEndReason | null;

  /** The conversation's id while the call is live (ringing or active); NULL once it ended. */
  @Column({ type: "varchar", length: 32, nullable: true })
  liveKey!: string | null;

  /**
   * The call's system entry in its conversation once posted (0: none can be: the conversation is
   * gone). NULL on an ended call: its entry is still to be posted (call-entries.ts, and the sweep).
   */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  messageId!: number | null;
}

/** One person rung for (or starting) a call, and the one device (socket) that carries it for them. */
@Entity({ name: "call_participants" })
@Index("ix_call_participants_user", ["appId", "userId", "state"])
export class CallParticipantEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  callId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 8 })
  state!: CallParticipantState;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  joinedAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  leftAt!: number | null;

  /**
   * The Socket.IO id of the device that carries the call for them while `joined` (signalling is
   * relayed to it alone); null otherwise. Socket ids are rooms on every node, so any node reaches it.
   */
  @Column({ type: "varchar", length: 64, nullable: true })
  socketId!: string | null;
}
