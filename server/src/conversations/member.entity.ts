import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

@Entity({ name: "members" })
@Index("ix_members_user", ["appId", "userId"])
export class MemberEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  conversationId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 10 })
  role!: "owner" | "admin" | "member";

  @Column({ type: "bigint", transformer: asNumber })
  joinedAt!: number;

  /** Read mark: only ever moves forward. 0 = nothing read. */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  lastReadMessageId!: number;

  /** The member muted the conversation: their devices stay quiet about it (issue 31). */
  @Column({ type: "boolean", default: false })
  muted!: boolean;
}
