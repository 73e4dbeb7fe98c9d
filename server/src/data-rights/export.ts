import type { EntityManager } from "typeorm";
import {
  type ContactRequestStatus,
  type ConversationKind,
  type DataExport,
  type ExportedConversation,
  type ExportedMessage,
  type ExportedPerson,
  type ExportedUpload,
  type MemberRole,
} from "@parley/sdk/protocol";
import { marks } from "../db/sql.js";
import type { Caller } from "../shared/caller.js";
import { chunks } from "../shared/chunks.js";
import { dataField } from "../shared/custom-data.js";
import { iso, isoOrNull } from "../shared/time.js";
import { AVATARS_FOLDER } from "../uploads/avatars.js";
import { presentMe } from "../users/users.presenter.js";
import { exportCallsOf } from "../calls/export.js";
import { exportScheduledOf } from "../scheduled/export.js";
import { exportDraftsOf } from "../drafts/export.js";
import { pagesOfSender, type SenderRow } from "../messages/sender-pages.js";
import { DATA_RIGHTS_PAGE, type DataRightsDeps, num, ownAvatar, type Row, str } from "./deps.js";

/** A file of the export's zip form: its path in the archive and where its bytes are. */
export interface ExportFile {
  name: string;
  path: string;
}

/**
 * Everything of `userId`'s, as the JSON export; with `files`, each upload (and the avatar file)
 * is also listed as an archive entry, named in the export by its `file`.
 */
export async function exportUserData(
  deps: Pick<DataRightsDeps, "db" | "users" | "uploads" | "storage">,
  caller: Caller,
  userId: string,
  opts: { files?: boolean } = {},
): Promise<{ data: DataExport; files: ExportFile[] }> {
  const { appId } = caller;
  const user = await deps.users.get(appId, userId);
  const db = deps.db.manager;
  const files: ExportFile[] = [];
  const people = new Set<string>();

  const uploads: ExportedUpload[] = [];
  const attachmentsOf = new Map<string, string[]>();
  let afterUpload: { size: number; id: string } | undefined;
  for (;;) {
    const rows = await deps.uploads.pageOf(appId, userId, afterUpload, DATA_RIGHTS_PAGE);
    for (const u of rows) {
      const messageId = u.messageId === null ? null : String(u.messageId);
      const entry: ExportedUpload = {
        id: u.id,
        name: u.name,
        type: u.mime,
        size: u.size,
        conversationId: u.conversationId,
        messageId,
        createdAt: iso(u.createdAt),
      };
      if (opts.files) {
        entry.file = `uploads/${u.id}-${safeName(u.name)}`;
        files.push({ name: entry.file, path: deps.uploads.fileOf(u) });
      }
      uploads.push(entry);
      if (messageId !== null) attachmentsOf.set(messageId, [...(attachmentsOf.get(messageId) ?? []), u.id]);
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < DATA_RIGHTS_PAGE) break;
    afterUpload = { size: last.size, id: last.id };
  }
  const avatar = ownAvatar(user);
  if (opts.files && avatar) files.push({ name: `avatar-${avatar}`, path: deps.storage.pathOf(AVATARS_FOLDER, avatar) });

  // Read in the order of the index they are paged by (messages/sender-pages.ts), exported in the order they were sent.
  const messageRows: SenderRow[] = [];
  for await (const rows of pagesOfSender(db, appId, userId, DATA_RIGHTS_PAGE)) messageRows.push(...rows.filter((r) => r.deletedAt === null));
  messageRows.sort((a, b) => num(a.id) - num(b.id));
  const reactionRows = await keyset((after) =>
    db.query(
      after
        ? "SELECT messageId, emoji, createdAt FROM reactions WHERE appId = ? AND userId = ? AND (messageId > ? OR (messageId = ? AND emoji > ?)) ORDER BY messageId, emoji LIMIT ?"
        : "SELECT messageId, emoji, createdAt FROM reactions WHERE appId = ? AND userId = ? ORDER BY messageId, emoji LIMIT ?",
      after ? [appId, userId, num(after["messageId"]), num(after["messageId"]), str(after["emoji"]), DATA_RIGHTS_PAGE] : [appId, userId, DATA_RIGHTS_PAGE],
    ),
  );
  const reactedIn = await conversationsOfMessages(db, appId, [...new Set(reactionRows.map((r) => num(r["messageId"])))]);
  const memberRows = await keyset((after) =>
    db.query(
      "SELECT conversationId, role, joinedAt, lastReadMessageId FROM members WHERE appId = ? AND userId = ? AND conversationId > ? ORDER BY conversationId LIMIT ?",
      [appId, userId, after ? str(after["conversationId"]) : "", DATA_RIGHTS_PAGE],
    ),
  );
  const contactRows = await keyset((after) =>
    db.query("SELECT contactId, since FROM contacts WHERE userId = ? AND appId = ? AND contactId > ? ORDER BY contactId LIMIT ?", [
      userId,
      appId,
      after ? str(after["contactId"]) : "",
      DATA_RIGHTS_PAGE,
    ]),
  );
  const requestRows: Row[] = [];
  for (const [column, direction] of [
    ["fromUserId", "sent"],
    ["toUserId", "received"],
  ] as const) {
    const rows = await keyset((after) =>
      db.query(
        `SELECT id, fromUserId, toUserId, status, conversationId, createdAt, respondedAt FROM contact_requests WHERE appId = ? AND ${column} = ? AND id > ? ORDER BY id LIMIT ?`,
        [appId, userId, after ? str(after["id"]) : "", DATA_RIGHTS_PAGE],
      ),
    );
    requestRows.push(...rows.map((r) => ({ ...r, direction })));
  }
  const blockRows = await keyset((after) =>
    db.query("SELECT blockedId, createdAt FROM blocks WHERE blockerId = ? AND appId = ? AND blockedId > ? ORDER BY blockedId LIMIT ?", [
      userId,
      appId,
      after ? str(after["blockedId"]) : "",
      DATA_RIGHTS_PAGE,
    ]),
  );

  // Conversations: their kind and name, and a direct one's other member (an id and a name).
  const conversationIds = [...new Set([...memberRows.map((r) => str(r["conversationId"])), ...messageRows.map((r) => str(r["conversationId"]))])];
  const conversations = new Map<string, { kind: ConversationKind; name: string | null }>();
  for (const chunk of chunks(conversationIds, DATA_RIGHTS_PAGE)) {
    const rows: Row[] = await db.query(`SELECT id, kind, name FROM conversations WHERE appId = ? AND id IN (${marks(chunk.length)})`, [appId, ...chunk]);
    for (const r of rows) conversations.set(str(r["id"]), { kind: str(r["kind"]) as ConversationKind, name: r["name"] === null ? null : str(r["name"]) });
  }
  const partnerOf = new Map<string, string>();
  const direct = memberRows.map((r) => str(r["conversationId"])).filter((id) => conversations.get(id)?.kind === "direct");
  for (const chunk of chunks(direct, DATA_RIGHTS_PAGE)) {
    const rows: Row[] = await db.query(`SELECT conversationId, userId FROM members WHERE conversationId IN (${marks(chunk.length)}) AND userId <> ?`, [
      ...chunk,
      userId,
    ]);
    for (const r of rows) partnerOf.set(str(r["conversationId"]), str(r["userId"]));
  }
  for (const id of partnerOf.values()) people.add(id);
  for (const r of contactRows) people.add(str(r["contactId"]));
  for (const r of blockRows) people.add(str(r["blockedId"]));
  for (const r of requestRows) people.add(str(r["fromUserId"]) === userId ? str(r["toUserId"]) : str(r["fromUserId"]));
  const names = await namesOf(db, appId, [...people]);
  const person = (id: string): ExportedPerson => ({ id, displayName: names.get(id) ?? "Deleted user" });

  const messages: ExportedMessage[] = messageRows.map((r) => {
    const id = str(r.id);
    return {
      id,
      conversationId: r.conversationId,
      conversationName: conversations.get(r.conversationId)?.name ?? null,
      text: r.text,
      attachmentIds: attachmentsOf.get(id) ?? [],
      replyToId: r.replyToId === null ? null : str(r.replyToId),
      ...(r.threadId === null ? {} : { threadId: str(r.threadId) }),
      createdAt: iso(num(r.createdAt)),
      editedAt: isoOrNull(r.editedAt === null ? null : num(r.editedAt)),
      ...dataField(r.data),
    };
  });
  const data: DataExport = {
    format: "parley-export/1",
    exportedAt: iso(Date.now()),
    profile: { ...presentMe(user), sub: user.externalId },
    messages,
    reactions: reactionRows.map((r) => ({
      messageId: str(r["messageId"]),
      conversationId: reactedIn.get(num(r["messageId"])) ?? "",
      emoji: str(r["emoji"]),
      createdAt: iso(num(r["createdAt"])),
    })),
    uploads,
    conversations: memberRows.map((r): ExportedConversation => {
      const id = str(r["conversationId"]);
      const c = conversations.get(id);
      const partner = partnerOf.get(id);
      return {
        id,
        kind: c?.kind ?? "group",
        name: c?.name ?? null,
        role: str(r["role"]) as MemberRole,
        joinedAt: iso(num(r["joinedAt"])),
        lastReadMessageId: str(r["lastReadMessageId"]),
        ...(partner ? { with: person(partner) } : {}),
      };
    }),
    contacts: contactRows.map((r) => ({ user: person(str(r["contactId"])), since: iso(num(r["since"])) })),
    requests: requestRows.map((r) => ({
      id: str(r["id"]),
      direction: r["direction"] as "sent" | "received",
      user: person(str(r["fromUserId"]) === userId ? str(r["toUserId"]) : str(r["fromUserId"])),
      status: str(r["status"]) as ContactRequestStatus,
      conversationId: r["conversationId"] === null ? null : str(r["conversationId"]),
      createdAt: iso(num(r["createdAt"])),
      respondedAt: isoOrNull(r["respondedAt"] === null ? null : num(r["respondedAt"])),
    })),
    blocks: blockRows.map((r) => ({ user: person(str(r["blockedId"])), since: iso(num(r["createdAt"])) })),
    calls: await exportCallsOf(db, appId, userId),
    ...(await exportScheduledOf(db, appId, userId)),
    drafts: await exportDraftsOf(db, appId, userId),
  };
  return { data, files };
}

/** Every row of a keyset-paged read, DATA_RIGHTS_PAGE a statement. */
async function keyset(read: (after: Row | undefined) => Promise<Row[]>): Promise<Row[]> {
  const all: Row[] = [];
  let after: Row | undefined;
  for (;;) {
    const rows = await read(after);
    all.push(...rows);
    if (rows.length < DATA_RIGHTS_PAGE) return all;
    after = rows[rows.length - 1];
  }
}

async function namesOf(m: EntityManager, appId: string, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const chunk of chunks(ids, DATA_RIGHTS_PAGE)) {
    const rows: Row[] = await m.query(`SELECT id, displayName FROM users WHERE appId = ? AND id IN (${marks(chunk.length)})`, [appId, ...chunk]);
    for (const r of rows) out.set(str(r["id"]), str(r["displayName"]));
  }
  return out;
}

async function conversationsOfMessages(m: EntityManager, appId: string, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const chunk of chunks(ids, DATA_RIGHTS_PAGE)) {
    const rows: Row[] = await m.query(`SELECT id, conversationId FROM messages WHERE appId = ? AND id IN (${marks(chunk.length)})`, [appId, ...chunk]);
    for (const r of rows) out.set(num(r["id"]), str(r["conversationId"]));
  }
  return out;
}

/** A file name safe inside an archive: letters, digits, `.`, `-`, `_`, at most 100 characters. */
function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_");
  return (s || "file").slice(-100);
}
