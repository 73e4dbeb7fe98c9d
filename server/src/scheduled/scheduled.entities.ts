import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * A message to send later (issue 55), written only by scheduled/. `dueAt` is when a node may take
 * it next: `sendAt` until it is taken, then the taker's lease, then (after a database or
 * infrastructure failure) the retry's time; null once sent or failed. A node takes a row by moving
 * `dueAt` from the value it read (one UPDATE … WHERE dueAt = read: one node wins), as the e-mail
 * outbox does; an edit or a cancel asks the same question (`dueAt = sendAt`: nobody took it yet).
 */
@Entity({ name: "scheduled_messages" })
@Index("ix_scheduled_messages_due", ["dueAt"])
@Index("ix_scheduled_messages_user", ["appId", "userId", "sendAt", "id"])
export class ScheduledMessageEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  /** The author: the message is sent as theirs, with their rights at the time. */
  @Column({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "text" })
  text!: string;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  replyToId!: number | null;

  @Column({ type: "bigint", transformer: asNumber })
  sendAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  dueAt!: number | null;

  @Column({ type: "int", default: 0 })
  attempts!: number;

  @Column({ type: "varchar", length: 8 })
  status!: "pending" | "sent" | "failed";

  /** The message it became, once sent. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  messageId!: number | null;

  /** Why it was not sent: the error code the send was refused with (not_found, banned, content_blocked, …). */
  @Column({ type: "varchar", length: 40, nullable: true })
  failureCode!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}

/**
 * "Remind me" on a message (issue 55), written only by scheduled/. `dueAt` as above: `remindAt`
 * until a node takes it, then its lease. A reminder that fired, or whose message went, is removed
 * in the unit that tells its user (the `reminder.due` event and the e-mail row commit with it).
 */
@Entity({ name: "reminders" })
@Index("ix_reminders_due", ["dueAt"])
@Index("ix_reminders_user", ["appId", "userId", "remindAt", "id"])
export class ReminderEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  remindAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  dueAt!: number | null;

  @Column({ type: "varchar", length: 8 })
  status!: "pending";

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
