import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * The usage rollup (issue 32): one row per app and UTC day, its counters added to as events are
 * written (usage.service.ts), so a chart reads one row a day and never the tables it counts.
 */
@Entity({ name: "usage_daily" })
@Index("ix_usage_daily_day", ["day"])
export class UsageDailyEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  /** `YYYY-MM-DD`, UTC. */
  @PrimaryColumn({ type: "varchar", length: 10 })
  day!: string;

  /** Messages stored (each send once, retries not counted). */
  @Column({ type: "int", default: 0 })
  messages!: number;

  /** Users active that day (a send or a live connection), each once: see usage_active_users. */
  @Column({ type: "int", default: 0 })
  activeUsers!: number;

  @Column({ type: "int", default: 0 })
  searches!: number;

  /** Webhook delivery attempts answered 2xx. */
  @Column({ type: "int", default: 0 })
  webhooksDelivered!: number;

  /** Webhook delivery attempts that failed (a retry is another attempt). */
  @Column({ type: "int", default: 0 })
  webhooksFailed!: number;

  /** Calls that ended that day, whatever the reason (missed and declined ones too). */
  @Column({ type: "int", default: 0 })
  calls!: number;

  /** How long the calls answered and ended that day lasted, together (s). */
  @Column({ type: "int", default: 0 })
  callSeconds!: number;

  /** E-mails for unread messages accepted by the SMTP server (email/). */
  @Column({ type: "int", default: 0 })
  emailsSent!: number;

  /** E-mails given up after their last attempt (one per e-mail, not per attempt). */
  @Column({ type: "int", default: 0 })
  emailsFailed!: number;

  /** AI agents' replies that reached the model (agents/), whatever their end. */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  agentReplies!: number;

  /** Tokens of those replies: the model's usage chunk, else estimated (agents/agent-runner.ts). */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  agentPromptTokens!: number;

  @Column({ type: "bigint", default: 0, transformer: asNumber })
  agentCompletionTokens!: number;
}

/** Monthly active users: one row per app and calendar month (UTC). */
@Entity({ name: "usage_monthly" })
export class UsageMonthlyEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  /** `YYYY-MM`. */
  @PrimaryColumn({ type: "varchar", length: 7 })
  month!: string;

  @Column({ type: "int", default: 0 })
  activeUsers!: number;
}

/**
 * Who was counted active, so each user counts once a day and once a month: `period` is a day
 * (`YYYY-MM-DD`) or a month (`YYYY-MM`). Only the current periods are needed (the counters keep
 * the figures), so older rows are pruned: this table is as big as an app's monthly active users.
 */
@Entity({ name: "usage_active_users" })
@Index("ix_usage_active_users_period", ["period"])
@Index("ix_usage_active_users_user", ["appId", "userId"])
export class UsageActiveUserEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @PrimaryColumn({ type: "varchar", length: 10 })
  period!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;
}

/**
 * Each node's peak of open sockets per app and UTC day (appId '' : every app of the node
 * together), raised as sockets connect. A day's peak is the sum over its nodes.
 */
@Entity({ name: "usage_sockets" })
@Index("ix_usage_sockets_day", ["day"])
export class UsageSocketsEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @PrimaryColumn({ type: "varchar", length: 10 })
  day!: string;

  @PrimaryColumn({ type: "varchar", length: 100 })
  node!: string;

  @Column({ type: "int", default: 0 })
  peak!: number;
}
