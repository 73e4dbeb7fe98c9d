import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** How long a fetched preview is reused for the same URL: a page's answer, then a failure's (retried sooner). */
export const LINK_PREVIEW_TTL = { foundMs: 24 * 60 * 60 * 1000, noneMs: 60 * 60 * 1000 } as const;

/**
 * The unfurler's cache, one row per URL, shared by every app (a public page's preview is the
 * same whoever links it). Keyed by the sha256 hex of the normalized URL (`new URL(raw).href`),
 * and holding no URL, app or user: nothing here says who linked what. A row with `preview` NULL
 * records that the URL gave nothing (`reason` says why), so it is not fetched again until
 * `expiresAt`.
 */
@Entity({ name: "link_previews" })
@Index("ix_link_previews_expires", ["expiresAt"])
@Index("ix_link_previews_image", ["imageKey"])
export class LinkPreviewCacheEntity {
  @PrimaryColumn({ type: "varchar", length: 64 })
  urlHash!: string;

  /** JSON `{ title, description, siteName, imageWidth, imageHeight }`; NULL: no preview. */
  @Column({ type: "text", nullable: true })
  preview!: string | null;

  /** Why there is no preview (an UnfurlReason), for logs and counts; NULL when there is one. */
  @Column({ type: "varchar", length: 32, nullable: true })
  reason!: string | null;

  /** The re-encoded image in storage (content-addressed: sha256 of its bytes + ".webp"); NULL: text only. */
  @Column({ type: "varchar", length: 100, nullable: true })
  imageKey!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  fetchedAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  expiresAt!: number;
}

/**
 * A message's preview, copied from the cache when it was unfurled: what every reader sees, kept
 * with the message (not re-read from the cache, which expires). At most one per message (its
 * first link). `removed`: its sender dismissed it; the row stays so the link is not unfurled
 * again on an edit that keeps it.
 */
@Entity({ name: "message_previews" })
@Index("ix_message_previews_conversation", ["appId", "conversationId"])
@Index("ix_message_previews_image", ["imageKey"])
export class MessagePreviewEntity {
  @PrimaryColumn({ type: "bigint", transformer: asNumber })
  messageId!: number;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  /** The link as the message had it (normalized); where the card leads. */
  @Column({ type: "varchar", length: 2048 })
  url!: string;

  /** sha256 hex of `url`: its link_previews row. */
  @Column({ type: "varchar", length: 64 })
  urlHash!: string;

  @Column({ type: "varchar", length: 200, nullable: true })
  title!: string | null;

  @Column({ type: "varchar", length: 300, nullable: true })
  description!: string | null;

  @Column({ type: "varchar", length: 100, nullable: true })
  siteName!: string | null;

  @Column({ type: "varchar", length: 100, nullable: true })
  imageKey!: string | null;

  /** The stored image's size, so a reader reserves its space before it loads. */
  @Column({ type: "int", nullable: true })
  imageWidth!: number | null;

  @Column({ type: "int", nullable: true })
  imageHeight!: number | null;

  @Column({ type: "boolean", default: false })
  removed!: boolean;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
