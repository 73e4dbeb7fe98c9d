import { In, type DataSource } from "typeorm";
import type { LinkPreview } from "@parley/sdk/protocol";
import { previewImageUrl } from "./preview-files.js";
import { MessagePreviewEntity } from "./previews.entities.js";

/** A text that may hold a link at all: messages without one cost the page no query. */
export const mayHaveLink = (text: string | null): boolean => text !== null && /https?:\/\//i.test(text);

/** message_previews row -> the protocol's LinkPreview. */
export function presentPreview(p: MessagePreviewEntity): LinkPreview {
  const image = p.imageKey && p.imageWidth && p.imageHeight ? { url: previewImageUrl(p.imageKey), width: p.imageWidth, height: p.imageHeight } : null;
  return { url: p.url, title: p.title, description: p.description, siteName: p.siteName, image } satisfies LinkPreview;
}

/**
 * The previews of `messageIds` (live messages whose text may hold a link), by message id, in one
 * query; dismissed ones are left out.
 */
export async function presentPreviews(db: DataSource, messageIds: readonly number[]): Promise<Map<number, LinkPreview>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.getRepository(MessagePreviewEntity).find({ where: { messageId: In([...messageIds]), removed: false } });
  return new Map(rows.map((r) => [r.messageId, presentPreview(r)]));
}
