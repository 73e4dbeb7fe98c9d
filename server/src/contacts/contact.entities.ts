import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * Requests for someone's consent; rows are kept after they are answered (history). Without a
 * `conversationId` it is a contact request; with one, an invitation to that group.
 */
@Entity({ name: "contact_requests" })
@Index("ix_contact_requests_to", ["appId", "toUserId", "status"])
@Index("ix_contact_requests_from", ["appId", "fromUserId", "status"])
@Index("ix_contact_requests_conversation", ["conversationId", "status"])
export class ContactRequestEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  fromUserId!: string;

  @Column({ type: "varchar", length: 32 })
  toUserId!: string;

  @Column({ type: "varchar", length: 12 })
  status!: "pending" | "accepted" | "declined" | "cancelled";

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  respondedAt!: number | null;

  /** The group this invites `toUserId` to; null for a contact request. */
  @Column({ type: "varchar", length: 32, nullable: true })
  conversationId!: string | null;
}

/** An accepted contact, stored once per direction so "my contacts" is one index range. */
@Entity({ name: "contacts" })
export class ContactEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  contactId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  since!: number;
}

@Entity({ name: "blocks" })
@Index("ix_blocks_blocked", ["blockedId"])
export class BlockEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  blockerId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  blockedId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
