import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * An endpoint an app registered: where its events are POSTed. `leaseOwner`/`leaseUntil` name the
 * node delivering to it now (webhooks/dispatcher.ts): one node at a time per endpoint, so its
 * deliveries go out one at a time, in seq order.
 */
@Entity({ name: "webhook_endpoints" })
@Index("ix_webhook_endpoints_app", ["appId", "createdAt"])
export class WebhookEndpointEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 2048 })
  url!: string;

  /** The subscribed event types, comma-separated. */
  @Column({ type: "varchar", length: 400 })
  events!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "varchar", length: 32, nullable: true })
  leaseOwner!: string | null;

  @Column({ type: "bigint", default: 0, transformer: asNumber })
  leaseUntil!: number;
}

/**
 * The outbox: one row per event per subscribed endpoint, written in the transaction that appended
 * the event (so it commits with it), then delivered and recorded by the dispatcher.
 */
@Entity({ name: "webhook_deliveries" })
@Index("ix_webhook_deliveries_due", ["status", "nextAttemptAt"])
@Index("ix_webhook_deliveries_endpoint", ["endpointId", "status", "nextAttemptAt", "seq"])
@Index("ix_webhook_deliveries_list", ["endpointId", "createdAt", "id"])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  endpointId!: string;

  @Column({ type: "varchar", length: 40 })
  type!: string;

  @Column({ type: "bigint", transformer: asNumber })
  seq!: number;

  /** The event's `at` (epoch ms). */
  @Column({ type: "bigint", transformer: asNumber })
  at!: number;

  /** The event's `data`, JSON. */
  @Column({ type: "text" })
  data!: string;

  /** pending | delivered | failed */
  @Column({ type: "varchar", length: 10 })
  status!: "pending" | "delivered" | "failed";

  @Column({ type: "int", default: 0 })
  attempts!: number;

  @Column({ type: "varchar", length: 500, nullable: true })
  lastError!: string | null;

  /** The last attempt's HTTP status (2xx included); null before any answer, or when none came. */
  @Column({ type: "smallint", nullable: true })
  lastStatus!: number | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  /** When the next attempt is due; NULL once delivered or failed. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  nextAttemptAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  lastAttemptAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  deliveredAt!: number | null;
}

/** Per-app webhook settings (absent row = defaults). */
@Entity({ name: "webhook_settings" })
export class WebhookSettingsEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "int" })
  unreadAfterSec!: number;
}

/**
 * A user's current unread quiet period (notification.unread): opened by the first message they
 * receive without one open, due `dueAt`; `dueAt` is NULL once notified, and the row goes when
 * they read or are seen online, so the next message opens a new period.
 */
@Entity({ name: "webhook_unread" })
@Index("ix_webhook_unread_due", ["dueAt"])
@Index("ix_webhook_unread_notified", ["notifiedAt"])
export class WebhookUnreadEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  dueAt!: number | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  notifiedAt!: number | null;
}
