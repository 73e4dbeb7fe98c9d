import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** A poll: the message (its text is the question) and how it may be answered. Written only by polls/. */
@Entity({ name: "polls" })
export class PollEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  /** The asker; null for the host's backend's system message. */
  @Column({ type: "varchar", length: 32, nullable: true })
  createdBy!: string | null;

  /** The options' texts, a JSON array (their positions are their ids). */
  @Column({ type: "text" })
  options!: string;

  @Column({ type: "boolean" })
  multiple!: boolean;

  @Column({ type: "boolean" })
  anonymous!: boolean;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  closesAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  closedAt!: number | null;
}

/**
 * One chosen option of one voter. The key (poll, voter, slot) is what makes a vote exactly one
 * under any race: a single-choice poll has one slot (0) per voter, so a second choice can only
 * replace the first; a multiple-choice poll's slot is the option, so a voter counts once per option.
 */
@Entity({ name: "poll_votes" })
@Index("ix_poll_votes_user", ["appId", "userId"])
export class PollVoteEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @PrimaryColumn({ type: "int" })
  slot!: number;

  @Column({ type: "int" })
  choice!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
