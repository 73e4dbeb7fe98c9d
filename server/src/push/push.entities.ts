import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * An app's web push settings: its VAPID key pair (made on first need, replaced by
 * `app:push -- rotate`) and whether pushes carry the message's text (`includeText`, off by
 * default: a title only). No row: the app has never been asked for its key, so no device of it
 * can have subscribed.
 */
@Entity({ name: "push_settings" })
export class PushSettingsEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  /** The VAPID public key: an uncompressed P-256 point, base64url (87 characters). */
  @Column({ type: "varchar", length: 100 })
  publicKey!: string;

  /** The VAPID private key, base64url (43 characters). Kept in clear, like the app secret: it signs every push. */
  @Column({ type: "varchar", length: 64 })
  privateKey!: string;

  @Column({ type: "boolean", default: false })
  includeText!: boolean;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  rotatedAt!: number | null;
}

/**
 * One device's push subscription: where its pushes go (`endpoint`, one row per endpoint and app,
 * found by its SHA-256 since an index cannot hold 1024 characters) and its keys. It belongs to the
 * user and the session (refresh-token family) that made it, and goes when that session ends.
 */
@Entity({ name: "push_subscriptions" })
@Index("uq_push_subscriptions_endpoint", ["appId", "endpointHash"], { unique: true })
@Index("ix_push_subscriptions_user", ["appId", "userId", "createdAt"])
@Index("ix_push_subscriptions_session", ["sessionId"])
export class PushSubscriptionEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  userId!: string;

  /** The session (refresh-token family) that subscribed; null only when the token named none. */
  @Column({ type: "varchar", length: 32, nullable: true })
  sessionId!: string | null;

  @Column({ type: "varchar", length: 1024 })
  endpoint!: string;

  /** SHA-256 of `endpoint`, hex. */
  @Column({ type: "varchar", length: 64 })
  endpointHash!: string;

  /** The device's P-256 public key, base64url. */
  @Column({ type: "varchar", length: 100 })
  p256dh!: string;

  /** The device's auth secret, base64url. */
  @Column({ type: "varchar", length: 40 })
  auth!: string;

  /** When it was subscribed, or last subscribed again: the oldest of a user's go first past the cap. */
  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
