import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";
import { firstLink } from "./links.js";

/*
 * The deletions previews/ takes part in (each inside the caller's unit). Stored images are
 * content-addressed and may be shared by several messages and the cache, so a function here never
 * deletes a file: it answers the image keys nothing references any more, and the caller discards
 * those files after its unit commits.
 */

const CHUNK = 500;

/**
 * A deleted message's (or a deleted account's messages', now tombstones) previews go, and so do
 * the cached previews of their URLs: a deleted link leaves no trace, and the next message with the
 * same URL merely fetches it again. Answers the image keys left unreferenced.
 */
export async function forgetPreviewsIn(m: EntityManager, messageIds: readonly number[]): Promise<string[]> {
  const keys = new Set<string>();
  for (const chunk of chunks([...messageIds], CHUNK)) {
    const rows: { urlHash: string; imageKey: string | null }[] = await m.query(
      `SELECT urlHash, imageKey FROM message_previews WHERE messageId IN (${marks(chunk.length)})`,
      chunk,
    );
    if (rows.length === 0) continue;
    await m.query(`DELETE FROM message_previews WHERE messageId IN (${marks(chunk.length)})`, chunk);
    const hashes = [...new Set(rows.map((r) => r.urlHash))];
    const cached: { imageKey: string | null }[] = await m.query(`SELECT imageKey FROM link_previews WHERE urlHash IN (${marks(hashes.length)})`, hashes);
    await m.query(`DELETE FROM link_previews WHERE urlHash IN (${marks(hashes.length)})`, hashes);
    for (const r of [...rows, ...cached]) if (r.imageKey) keys.add(r.imageKey);
  }
  return unreferenced(m, [...keys]);
}

/**
 * An app's deletion: its messages' previews go. The cache rows stay until they expire: they hold
 * no app, user or URL, and other apps may share them. Answers the image keys left unreferenced.
 */
export async function forgetPreviewsOfApp(m: EntityManager, appId: string): Promise<string[]> {
  const rows: { imageKey: string }[] = await m.query("SELECT DISTINCT imageKey FROM message_previews WHERE appId = ? AND imageKey IS NOT NULL", [appId]);
  await m.query("DELETE FROM message_previews WHERE appId = ?", [appId]);
  return unreferenced(
    m,
    rows.map((r) => r.imageKey),
  );
}

/**
 * An edit's part (inside its unit): the message's preview goes when the edited text's first link
 * is no longer the one it shows (another link, or none); the job the edit's commit queues fetches
 * the new one. A preview its sender dismissed stays dismissed, whatever the edit. Answers the
 * image keys left unreferenced.
 */
export async function forgetStalePreview(m: EntityManager, messageId: number, text: string | null): Promise<string[]> {
  const rows: { url: string; imageKey: string | null; removed: unknown }[] = await m.query(
    "SELECT url, imageKey, removed FROM message_previews WHERE messageId = ?",
    [messageId],
  );
  const row = rows[0];
  if (!row || Number(row.removed) === 1 || row.removed === true) return [];
  if (text !== null && firstLink(text) === row.url) return [];
  await m.query("DELETE FROM message_previews WHERE messageId = ?", [messageId]);
  return row.imageKey ? unreferenced(m, [row.imageKey]) : [];
}

/** The cache's sweep: rows past `expiresAt` go. Answers the image keys left unreferenced. */
export async function expireLinkPreviews(m: EntityManager, now: number): Promise<string[]> {
  const rows: { imageKey: string }[] = await m.query("SELECT DISTINCT imageKey FROM link_previews WHERE expiresAt <= ? AND imageKey IS NOT NULL", [now]);
  await m.query("DELETE FROM link_previews WHERE expiresAt <= ?", [now]);
  return unreferenced(
    m,
    rows.map((r) => r.imageKey),
  );
}

/** Those of `keys` that no message preview and no cache row names. */
export async function unreferenced(m: EntityManager, keys: readonly string[]): Promise<string[]> {
  const used = new Set<string>();
  for (const chunk of chunks(keys, CHUNK)) {
    const rows: { imageKey: string }[] = await m.query(
      `SELECT imageKey FROM message_previews WHERE imageKey IN (${marks(chunk.length)}) UNION SELECT imageKey FROM link_previews WHERE imageKey IN (${marks(chunk.length)})`,
      [...chunk, ...chunk],
    );
    for (const r of rows) used.add(r.imageKey);
  }
  return keys.filter((k) => !used.has(k));
}
