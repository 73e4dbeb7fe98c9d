import type { EntityManager } from "typeorm";
import { deferWrite } from "../db/pipeline.js";
import type { ChatEvent } from "@parley/sdk/protocol";
import { dialectOf, marks, rowMarks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";
import { documentText } from "./terms.js";

const CHUNK = 500;

/**
 * Keeps `message_search` in step with messages: the unit of work's append hook (see
 * UnitOfWork.onAppend), so every write that emits message events (sends, batched or not, edits,
 * deletes, the server API) updates the index in its own transaction, and nothing that writes
 * messages has to remember it. A message's last event in the unit wins: new or edited text is
 * (re)indexed, a deleted or emptied message leaves the index, so edited-away text stops matching
 * when the edit commits.
 */
export const indexMessages = async (m: EntityManager, appId: string, events: ChatEvent[]): Promise<void> => {
  const latest = new Map<number, { conversationId: string; text: string | null }>();
  for (const e of events) {
    if (e.type !== "message.new" && e.type !== "message.updated" && e.type !== "message.deleted") continue;
    const msg = e.data.message;
    const live = e.type !== "message.deleted" && msg.deletedAt === null && msg.text !== null && msg.text !== "";
    latest.set(Number(msg.id), { conversationId: msg.conversationId, text: live ? msg.text : null });
  }
  if (latest.size === 0) return;
  const gone: number[] = [];
  const rows: [number, string, string][] = [];
  for (const [id, v] of latest) {
    if (v.text === null) gone.push(id);
    else rows.push([id, appId, documentText(v.conversationId, v.text)]);
  }
  await forgetMessages(m, gone);
  const upsert = dialectOf(m) === "mysql" ? "ON DUPLICATE KEY UPDATE terms = VALUES(terms)" : "ON CONFLICT(messageId) DO UPDATE SET terms = excluded.terms";
  for (const chunk of chunks(rows, CHUNK)) {
    await deferWrite(m, `INSERT INTO message_search (messageId, appId, terms) VALUES ${rowMarks(chunk.length, 3)} ${upsert}`, chunk.flat());
  }
};

/** Takes messages out of the index, in the caller's unit (account deletion tombstones them without events). */
export async function forgetMessages(m: EntityManager, ids: number[]): Promise<void> {
  for (const chunk of chunks(ids, CHUNK)) {
    await m.query(`DELETE FROM message_search WHERE messageId IN (${marks(chunk.length)})`, chunk);
  }
}
