import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** One per (message, user, emoji). On MySQL the emoji column is binary-collated (see migration). */
@Entity({ name: "reactions" })
@Index("ix_reactions_user", ["appId", "userId", "messageId"])
export class ReactionEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  emoji!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
