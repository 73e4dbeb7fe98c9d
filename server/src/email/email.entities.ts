import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * An app's e-mail settings (issue 55): its SMTP server and From address (no row: the deployment's
 * SMTP_URL / SMTP_FROM, if set), whether e-mails carry the messages' text (`includeText`, off by
 * default), where their link opens the widget (`link`, `{conversationId}` filled in; default the
 * app's first allowed origin) and its own wait window. The password is write-only: no route
 * answers it, only whether one is set.
 */
@Entity({ name: "email_settings" })
export class EmailSettingsEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  /** Off: the app sends no e-mail, whatever the environment says. */
  @Column({ type: "boolean", default: true })
  enabled!: boolean;

  /** The app's own SMTP server; null: the deployment's (SMTP_URL). */
  @Column({ type: "varchar", length: 253, nullable: true })
  host!: string | null;

  @Column({ type: "int", nullable: true })
  port!: number | null;

  @Column({ type: "boolean", default: false })
  secure!: boolean;

  @Column({ type: "varchar", length: 254, nullable: true })
  username!: string | null;

  /** Kept in clear, like the app secret: it is sent to the SMTP server at every e-mail. */
  @Column({ type: "varchar", length: 254, nullable: true })
  password!: string | null;

  /** The From address; null: SMTP_FROM. */
  @Column({ type: "varchar", length: 254, nullable: true })
  fromAddress!: string | null;

  @Column({ type: "boolean", default: false })
  includeText!: boolean;

  @Column({ type: "varchar", length: 1024, nullable: true })
  link!: string | null;

  /** Minutes away before an e-mail; null: EMAIL_WAIT_MINUTES. */
  @Column({ type: "int", nullable: true })
  waitMinutes!: number | null;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}

/**
 * A user's e-mail wishes: the address the host's backend set (host-signed users have none of their
 * own; a Parley account's own address is used otherwise), how often they want e-mail and in which
 * language, and their quiet hours in their time zone. No row: their account's address, every
 * time, English, no quiet hours.
 */
@Entity({ name: "email_recipients" })
export class EmailRecipientEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "varchar", length: 254, nullable: true })
  address!: string | null;

  /** `every` (one e-mail per quiet period), `daily` (at most one a day), `never`. */
  @Column({ type: "varchar", length: 8, default: "every" })
  preference!: "every" | "daily" | "never";

  @Column({ type: "varchar", length: 8, nullable: true })
  locale!: string | null;

  /** The user's time zone (IANA, such as Europe/Berlin), for their quiet hours; null: UTC. */
  @Column({ type: "varchar", length: 64, nullable: true })
  timeZone!: string | null;

  /** Quiet hours, minutes after midnight in `timeZone`: no e-mail from `quietFrom` until `quietTo` (across midnight when from > to); null: none. */
  @Column({ type: "int", nullable: true })
  quietFrom!: number | null;

  @Column({ type: "int", nullable: true })
  quietTo!: number | null;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}

/**
 * One e-mail to send (issue 55): written in the unit that decided it, with everything it says
 * rendered, and unique per (app, user, quiet period) so that nodes deciding at once write one.
 * `dueAt` is when it may be tried next (a node takes it by moving `dueAt` on: its lease); null once
 * sent or given up.
 */
@Entity({ name: "email_outbox" })
@Index("uq_email_outbox_period", ["appId", "userId", "periodKey"], { unique: true })
@Index("ix_email_outbox_due", ["dueAt"])
export class EmailOutboxEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  userId!: string;

  /** The quiet period: `m:<first unread message id>`, or `d:<UTC day>` for a daily digest. */
  @Column({ type: "varchar", length: 40 })
  periodKey!: string;

  @Column({ type: "varchar", length: 8 })
  status!: "pending" | "sent" | "failed";

  @Column({ type: "int", default: 0 })
  attempts!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  dueAt!: number | null;

  @Column({ type: "varchar", length: 254 })
  toAddress!: string;

  @Column({ type: "varchar", length: 300 })
  subject!: string;

  @Column({ type: "text" })
  textBody!: string;

  @Column({ type: "text" })
  htmlBody!: string;

  @Column({ type: "varchar", length: 1024 })
  unsubscribeUrl!: string;

  @Column({ type: "varchar", length: 500, nullable: true })
  lastError!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  sentAt!: number | null;
}
