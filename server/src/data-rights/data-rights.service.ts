import type { DataSource, EntityManager } from "typeorm";
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
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { EventLog, NewEvent } from "../events/event-log.js";
import type { Caller, ServerCaller } from "../shared/caller.js";
import { chunks } from "../shared/chunks.js";
import { dataField } from "../shared/custom-data.js";
import { notFound } from "../shared/errors.js";
import { iso, isoOrNull } from "../shared/time.js";
import { AVATARS_FOLDER } from "../uploads/avatars.js";
import { DiskStorage } from "../uploads/storage.js";
import type { UploadsService } from "../uploads/uploads.service.js";
import { tombstoneUser } from "../users/tombstone.js";
import type { UserEntity } from "../users/user.entity.js";
import { presentMe } from "../users/users.presenter.js";
import type { UsersService } from "../users/users.service.js";
import { forgetMessages } from "../search/search.index.js";
import { forgetContactsOf, type ForgottenRequest } from "../contacts/forget.js";
import { leaveAllConversations } from "../conversations/forget.js";
import { removeReactionsBy, tombstoneMessages } from "../messages/forget.js";
import { forgetReportWords } from "../moderation/forget.js";
import { forgetMentionsIn, forgetThreadsOf } from "../threads/forget.js";
import { unpinMessages } from "../pins/forget.js";
import { forgetPolls, forgetVotesOf } from "../polls/forget.js";
import { forgetPreviewsIn } from "../previews/forget.js";
import { PreviewFiles } from "../previews/preview-files.js";
import { forgetPushSubscriptionsOf } from "../push/forget.js";
import { forgetUsageOf } from "../usage/forget.js";
import { Scrubber } from "./scrub.js";

/** What the data-rights service is built from. */
export interface DataRightsDeps {
  db: DataSource;
  uow: UnitOfWork;
  events: EventLog;
  users: UsersService;
  uploads: UploadsService;
  storage: DiskStorage;
  /** The outbox rows still to be delivered, and the unread job's row (webhooks/). */
  webhooks: { forgetUser(m: EntityManager, appId: string, userId: string, fn: (data: string) => string | null): Promise<void> };
  /** Ends every session of a user (auth/): their sockets drop on every node. */
  sessions: { endAllSessions(appId: string, userId: string): Promise<void> };
}

/** Rows read (and, when deleting, written) per statement or unit. */
export const DATA_RIGHTS_PAGE = 500;

/** How far apart the clocks of two nodes may be: the window around a user's creation searched for its `user.created`. */
const CLOCK_SKEW_MS = 10_000;

/** A file of the export's zip form: its path in the archive and where its bytes are. */
export interface ExportFile {
  name: string;
  path: string;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const str = (v: unknown): string => String(v);

/**
 * Data rights (issue 17): a user's export, and the deletion of their account.
 *
 * Both read only what is the user's, keyset-paged along indexes that start with the app and the
 * user (messages by sender, reactions, uploads and members by user, contacts and blocks by their
 * primary keys), so their cost follows the user's own data, never the app's tables.
 *
 * Deletion keeps the user row as an anonymised tombstone ("Deleted user", see
 * UsersService.anonymise) so the senderId of their messages still names someone. Their messages
 * become tombstones like deleted messages (text, custom data, attachments and reactions gone),
 * DATA_RIGHTS_PAGE a unit of work; then one unit removes their memberships, contacts, requests and
 * blocks, anonymises the row, rewrites every copy of their profile and messages in the event log
 * and the webhook outbox (Scrubber), and appends `member.removed` + `user.deleted` to each of their
 * conversations and `contact.updated` (removed) to each contact. A failure part-way leaves the
 * account in place with its sessions ended: deleting again resumes.
 */
export class DataRightsService {
  /** Link preview images (previews/), discarded when a deletion leaves them unused. */
  private readonly previewFiles: PreviewFiles;

  constructor(private readonly deps: DataRightsDeps) {
    this.previewFiles = new PreviewFiles(deps.storage);
  }

  /** The user the host knows as `sub` (404 for an unknown one, another app's, or a deleted account). */
  async userBySub(caller: ServerCaller, sub: string): Promise<string> {
    const user = await this.deps.users.findBySub(caller.appId, sub);
    if (!user || user.deletedAt !== null) throw notFound("User");
    return user.id;
  }

  // -------------------------------------------------------------------------------------------
  // Export
  // -------------------------------------------------------------------------------------------

  /**
   * Everything of `userId`'s, as the JSON export; with `files`, each upload (and the avatar file)
   * is also listed as an archive entry, named in the export by its `file`.
   */
  async export(caller: Caller, userId: string, opts: { files?: boolean } = {}): Promise<{ data: DataExport; files: ExportFile[] }> {
    const { appId } = caller;
    const user = await this.deps.users.get(appId, userId);
    const db = this.deps.db.manager;
    const files: ExportFile[] = [];
    const people = new Set<string>();

    const uploads: ExportedUpload[] = [];
    const attachmentsOf = new Map<string, string[]>();
    let afterUpload: { size: number; id: string } | undefined;
    for (;;) {
      const rows = await this.deps.uploads.pageOf(appId, userId, afterUpload, DATA_RIGHTS_PAGE);
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
          files.push({ name: entry.file, path: this.deps.uploads.fileOf(u) });
        }
        uploads.push(entry);
        if (messageId !== null) attachmentsOf.set(messageId, [...(attachmentsOf.get(messageId) ?? []), u.id]);
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < DATA_RIGHTS_PAGE) break;
      afterUpload = { size: last.size, id: last.id };
    }
    const avatar = ownAvatar(user);
    if (opts.files && avatar) files.push({ name: `avatar-${avatar}`, path: this.deps.storage.pathOf(AVATARS_FOLDER, avatar) });

    const messageRows = await this.keyset((after) =>
      db.query(
        "SELECT id, conversationId, text, replyToId, threadId, createdAt, editedAt, data FROM messages WHERE appId = ? AND senderId = ? AND id > ? AND deletedAt IS NULL ORDER BY id LIMIT ?",
        [appId, userId, after ? num(after["id"]) : 0, DATA_RIGHTS_PAGE],
      ),
    );
    const reactionRows = await this.keyset((after) =>
      db.query(
        after
          ? "SELECT messageId, emoji, createdAt FROM reactions WHERE appId = ? AND userId = ? AND (messageId > ? OR (messageId = ? AND emoji > ?)) ORDER BY messageId, emoji LIMIT ?"
          : "SELECT messageId, emoji, createdAt FROM reactions WHERE appId = ? AND userId = ? ORDER BY messageId, emoji LIMIT ?",
        after ? [appId, userId, num(after["messageId"]), num(after["messageId"]), str(after["emoji"]), DATA_RIGHTS_PAGE] : [appId, userId, DATA_RIGHTS_PAGE],
      ),
    );
    const reactedIn = await this.conversationsOfMessages(db, appId, [...new Set(reactionRows.map((r) => num(r["messageId"])))]);
    const memberRows = await this.keyset((after) =>
      db.query(
        "SELECT conversationId, role, joinedAt, lastReadMessageId FROM members WHERE appId = ? AND userId = ? AND conversationId > ? ORDER BY conversationId LIMIT ?",
        [appId, userId, after ? str(after["conversationId"]) : "", DATA_RIGHTS_PAGE],
      ),
    );
    const contactRows = await this.keyset((after) =>
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
      const rows = await this.keyset((after) =>
        db.query(
          `SELECT id, fromUserId, toUserId, status, conversationId, createdAt, respondedAt FROM contact_requests WHERE appId = ? AND ${column} = ? AND id > ? ORDER BY id LIMIT ?`,
          [appId, userId, after ? str(after["id"]) : "", DATA_RIGHTS_PAGE],
        ),
      );
      requestRows.push(...rows.map((r) => ({ ...r, direction })));
    }
    const blockRows = await this.keyset((after) =>
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
    const names = await this.names(db, appId, [...people]);
    const person = (id: string): ExportedPerson => ({ id, displayName: names.get(id) ?? "Deleted user" });

    const messages: ExportedMessage[] = messageRows.map((r) => {
      const id = str(r["id"]);
      const conversationId = str(r["conversationId"]);
      return {
        id,
        conversationId,
        conversationName: conversations.get(conversationId)?.name ?? null,
        text: r["text"] === null ? null : str(r["text"]),
        attachmentIds: attachmentsOf.get(id) ?? [],
        replyToId: r["replyToId"] === null ? null : str(r["replyToId"]),
        ...(r["threadId"] === null || r["threadId"] === undefined ? {} : { threadId: str(r["threadId"]) }),
        createdAt: iso(num(r["createdAt"])),
        editedAt: isoOrNull(r["editedAt"] === null ? null : num(r["editedAt"])),
        ...dataField(r["data"] === null ? null : str(r["data"])),
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
    };
    return { data, files };
  }

  /** Every row of a keyset-paged read, DATA_RIGHTS_PAGE a statement. */
  private async keyset(read: (after: Row | undefined) => Promise<Row[]>): Promise<Row[]> {
    const all: Row[] = [];
    let after: Row | undefined;
    for (;;) {
      const rows = await read(after);
      all.push(...rows);
      if (rows.length < DATA_RIGHTS_PAGE) return all;
      after = rows[rows.length - 1];
    }
  }

  private async names(m: EntityManager, appId: string, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const chunk of chunks(ids, DATA_RIGHTS_PAGE)) {
      const rows: Row[] = await m.query(`SELECT id, displayName FROM users WHERE appId = ? AND id IN (${marks(chunk.length)})`, [appId, ...chunk]);
      for (const r of rows) out.set(str(r["id"]), str(r["displayName"]));
    }
    return out;
  }

  private async conversationsOfMessages(m: EntityManager, appId: string, ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (const chunk of chunks(ids, DATA_RIGHTS_PAGE)) {
      const rows: Row[] = await m.query(`SELECT id, conversationId FROM messages WHERE appId = ? AND id IN (${marks(chunk.length)})`, [appId, ...chunk]);
      for (const r of rows) out.set(num(r["id"]), str(r["conversationId"]));
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Deletion
  // -------------------------------------------------------------------------------------------

  /** Deletes the account of `userId` (see the class comment). 404 when there is none (or it is deleted already). */
  async erase(caller: Caller, userId: string): Promise<void> {
    const { appId } = caller;
    const user = await this.deps.users.get(appId, userId);
    const now = Date.now();
    const scrub = new Scrubber(userId, now);
    const text = (json: string): string | null => scrub.text(json);
    // First, the user stops acting: no session, no socket.
    await this.deps.sessions.endAllSessions(appId, userId);

    // Their messages, a page a unit (their own index: appId, senderId, id).
    const touched = new Set<string>();
    let after = 0;
    for (;;) {
      const rows: Row[] = await this.deps.db.query("SELECT id, conversationId FROM messages WHERE appId = ? AND senderId = ? AND id > ? ORDER BY id LIMIT ?", [
        appId,
        userId,
        after,
        DATA_RIGHTS_PAGE,
      ]);
      if (rows.length === 0) break;
      for (const r of rows) touched.add(str(r["conversationId"]));
      const unusedImages = await this.deps.uow.run(({ m }) =>
        this.tombstone(
          m,
          appId,
          rows.map((r) => num(r["id"])),
          now,
          text,
        ),
      );
      await this.previewFiles.discard(unusedImages);
      after = num(rows[rows.length - 1]!["id"]);
      if (rows.length < DATA_RIGHTS_PAGE) break;
    }

    // Their reactions to others' messages (those on their own went with them), with the new counts.
    for (;;) {
      const rows: Row[] = await this.deps.db.query(
        "SELECT r.messageId, r.emoji, m.conversationId, m.threadId FROM reactions r JOIN messages m ON m.id = r.messageId WHERE r.appId = ? AND r.userId = ? ORDER BY r.messageId LIMIT ?",
        [appId, userId, DATA_RIGHTS_PAGE],
      );
      if (rows.length === 0) break;
      const gone = await this.deps.uow.run(({ m, emit }) => this.unreact(m, emit, appId, userId, rows));
      if (gone === 0 || rows.length < DATA_RIGHTS_PAGE) break;
    }

    // Their files.
    await this.deps.uploads.removeAllOf(appId, userId);

    // The rest in one unit: memberships, contacts, requests, blocks, the row, the copies.
    let lateImages: string[] = [];
    await this.deps.uow.run(async ({ m, emit }) => {
      const late: Row[] = await m.query("SELECT id, conversationId FROM messages WHERE appId = ? AND senderId = ? AND id > ? AND deletedAt IS NULL", [
        appId,
        userId,
        after,
      ]);
      for (const r of late) touched.add(str(r["conversationId"]));
      lateImages = await this.tombstone(
        m,
        appId,
        late.map((r) => num(r["id"])),
        now,
        text,
      );
      const events: NewEvent[] = [];
      const conversations = await this.leaveAll(m, appId, userId, events, tombstoneUser(userId, iso(user.createdAt)));
      const partners = await this.forgetRelations(m, appId, userId, events);
      if (!(await this.deps.users.anonymise(m, appId, userId, now))) throw notFound("User");
      // Every stored copy of their profile or their messages: events about them, their partners'
      // contact and invitation events, and the membership and conversation events of every
      // conversation they were in or wrote to.
      await this.deps.events.rewriteData(m, appId, { column: "userId", values: [userId] }, text);
      await this.deps.events.rewriteData(m, appId, { column: "userId", values: partners, types: ["contact.updated", "invitation.updated"] }, text);
      await this.deps.events.rewriteData(
        m,
        appId,
        {
          column: "conversationId",
          values: [...new Set([...conversations, ...touched])],
          types: ["conversation.created", "conversation.updated", "member.added"],
        },
        text,
      );
      // Their `user.created` (an app-level event, for webhooks): appended with the row, so found by its time.
      await this.deps.events.rewriteAppEvents(m, appId, "user.created", user.createdAt - CLOCK_SKEW_MS, user.createdAt + CLOCK_SKEW_MS, text);
      await this.deps.webhooks.forgetUser(m, appId, userId, text);
      await forgetPushSubscriptionsOf(m, appId, userId);
      await forgetUsageOf(m, appId, userId);
      emit(appId, events);
    });
    // The avatar file (named after its user: never someone else's), and any session a refresh
    // raced in meanwhile.
    const avatar = ownAvatar(user);
    if (avatar) await this.deps.storage.discard(this.deps.storage.pathOf(AVATARS_FOLDER, avatar)).catch(() => undefined);
    await this.previewFiles.discard(lateImages);
    await this.deps.sessions.endAllSessions(appId, userId);
  }

  /**
   * Messages become tombstones (as a deleted message is), with others' reactions to them and their
   * link previews; their events are rewritten. Answers the preview images left unused (discarded
   * by the caller once the unit committed).
   */
  private async tombstone(m: EntityManager, appId: string, ids: number[], now: number, text: (json: string) => string | null): Promise<string[]> {
    if (ids.length === 0) return [];
    await tombstoneMessages(m, appId, ids, now);
    await forgetMentionsIn(m, ids);
    await unpinMessages(m, ids);
    await forgetPolls(m, ids);
    const unusedImages = await forgetPreviewsIn(m, ids);
    // No message events here: their search rows go explicitly, so their text no longer matches.
    await forgetMessages(m, ids);
    await this.deps.events.rewriteData(m, appId, { column: "messageId", values: ids }, text);
    return unusedImages;
  }

  /** Removes the user's reactions among `rows` and tells each conversation the new counts; answers how many went. */
  private async unreact(m: EntityManager, emit: (appId: string, events: NewEvent[]) => void, appId: string, userId: string, rows: Row[]): Promise<number> {
    const ids = [...new Set(rows.map((r) => num(r["messageId"])))];
    const { removed, left } = await removeReactionsBy(m, appId, userId, ids);
    emit(
      appId,
      rows.map((r) => {
        const messageId = num(r["messageId"]);
        const emoji = str(r["emoji"]);
        const conversationId = str(r["conversationId"]);
        const threadId = r["threadId"] === null || r["threadId"] === undefined ? null : String(num(r["threadId"]));
        return {
          type: "reaction.updated",
          conversationId,
          data: {
            messageId: String(messageId),
            conversationId,
            userId,
            emoji,
            added: false,
            count: left.get(`${messageId} ${emoji}`) ?? 0,
            ...(threadId ? { threadId } : {}),
          },
        } satisfies NewEvent<"reaction.updated">;
      }),
    );
    return removed ?? rows.length;
  }

  /**
   * Takes the user out of every conversation: `member.removed` and `user.deleted` to each; a group
   * they owned alone gets an heir (its oldest admin, else its oldest member), as when an owner leaves.
   */
  private async leaveAll(m: EntityManager, appId: string, userId: string, events: NewEvent[], tomb: ReturnType<typeof tombstoneUser>): Promise<string[]> {
    await forgetThreadsOf(m, appId, userId);
    await forgetVotesOf(m, appId, userId);
    const { conversationIds: ids, heirs } = await leaveAllConversations(m, appId, userId);
    for (const id of ids) {
      events.push({ type: "member.removed", conversationId: id, userId, data: { conversationId: id, userId } });
      events.push({ type: "user.deleted", conversationId: id, data: { userId, user: tomb } });
    }
    events.push(...heirs);
    return ids;
  }

  /**
   * Removes the user's contacts (both directions), contact requests and invitations (sent and
   * received) and blocks (theirs and of them). Each contact and each party of a pending request
   * hears `contact.updated` (removed). Answers everyone they were related to this way.
   */
  private async forgetRelations(m: EntityManager, appId: string, userId: string, events: NewEvent[]): Promise<string[]> {
    const { contactIds, requests } = await forgetContactsOf(m, appId, userId);
    await forgetReportWords(m, appId, userId);
    const other = (r: ForgottenRequest): string => (r.fromUserId === userId ? r.toUserId : r.fromUserId);
    const told = new Set([...contactIds, ...requests.filter((r) => r.status === "pending" && r.conversationId === null).map(other)]);
    for (const partner of told) {
      events.push({ type: "contact.updated", conversationId: null, userId: partner, data: { request: null, userId, status: "removed" } });
    }
    return [...new Set([...contactIds, ...requests.map(other)])];
  }
}

/** The stored avatar file of the user (named after them), if their avatar is one of ours. */
function ownAvatar(user: Pick<UserEntity, "id" | "avatarUrl">): string | null {
  const url = user.avatarUrl;
  if (!url?.startsWith("/")) return null;
  const name = url.slice(url.lastIndexOf("/") + 1);
  return DiskStorage.ownedBy(name, user.id) ? name : null;
}

/** A file name safe inside an archive: letters, digits, `.`, `-`, `_`, at most 100 characters. */
function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\.+/, "_");
  return (s || "file").slice(-100);
}
