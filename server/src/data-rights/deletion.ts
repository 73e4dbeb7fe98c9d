import type { EntityManager } from "typeorm";
import type { NewEvent } from "../events/event-log.js";
import type { Caller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { iso } from "../shared/time.js";
import { AVATARS_FOLDER } from "../uploads/avatars.js";
import { tombstoneUser } from "../users/tombstone.js";
import { forgetMessages } from "../search/search.index.js";
import { forgetContactsOf, type ForgottenRequest } from "../contacts/forget.js";
import { leaveAllConversations } from "../conversations/forget.js";
import { removeReactionsBy, tombstoneMessages } from "../messages/forget.js";
import { pagesOfSender } from "../messages/sender-pages.js";
import { forgetReportWords } from "../moderation/forget.js";
import { forgetMentionsIn, forgetThreadsOf } from "../threads/forget.js";
import { unpinMessages } from "../pins/forget.js";
import { forgetPolls, forgetVotesOf } from "../polls/forget.js";
import { forgetPreviewsIn } from "../previews/forget.js";
import type { PreviewFiles } from "../previews/preview-files.js";
import { forgetPushSubscriptionsOf } from "../push/forget.js";
import { forgetEmailOf } from "../email/forget.js";
import { forgetAgentOf } from "../agents/forget.js";
import { forgetScheduledOf } from "../scheduled/forget.js";
import { forgetDraftsOf } from "../drafts/forget.js";
import { forgetUsageOf } from "../usage/forget.js";
import { forgetCallsOf } from "../calls/forget.js";
import { DATA_RIGHTS_PAGE, type DataRightsDeps, num, ownAvatar, type Row, str } from "./deps.js";
import { Scrubber } from "./scrub.js";

/** How far apart the clocks of two nodes may be: the window around a user's creation searched for its `user.created`. */
const CLOCK_SKEW_MS = 10_000;

/** What a deletion's text rewriting does to one stored JSON copy (Scrubber.text). */
type Rewrite = (json: string) => string | null;

/**
 * Deletes the account of `userId` (see DataRightsService). 404 when there is none (or it is
 * deleted already). Writes no table itself: it sequences the owners' participants (`forget.ts`).
 */
export async function eraseAccount(deps: DataRightsDeps, previewFiles: PreviewFiles, caller: Caller, userId: string): Promise<void> {
  const { appId } = caller;
  const user = await deps.users.get(appId, userId);
  const now = Date.now();
  const scrub = new Scrubber(userId, now);
  const text = (json: string): string | null => scrub.text(json);
  // First, the user stops acting: no session, no socket.
  await deps.sessions.endAllSessions(appId, userId);

  // Their messages, a page a unit (the pages of uq_messages_client_id, messages/sender-pages.ts).
  const touched = new Set<string>();
  let after = 0;
  for await (const rows of pagesOfSender(deps.db, appId, userId, DATA_RIGHTS_PAGE)) {
    for (const r of rows) touched.add(r.conversationId);
    const unusedImages = await deps.uow.run(({ m }) =>
      tombstone(
        deps,
        m,
        appId,
        rows.map((r) => num(r.id)),
        now,
        text,
      ),
    );
    await previewFiles.discard(unusedImages);
    after = Math.max(after, ...rows.map((r) => num(r.id)));
  }

  // Their reactions to others' messages (those on their own went with them), with the new counts.
  for (;;) {
    const rows: Row[] = await deps.db.query(
      "SELECT r.messageId, r.emoji, m.conversationId, m.threadId FROM reactions r JOIN messages m ON m.id = r.messageId WHERE r.appId = ? AND r.userId = ? ORDER BY r.messageId LIMIT ?",
      [appId, userId, DATA_RIGHTS_PAGE],
    );
    if (rows.length === 0) break;
    const gone = await deps.uow.run(({ m, emit }) => unreact(m, emit, appId, userId, rows));
    if (gone === 0 || rows.length < DATA_RIGHTS_PAGE) break;
  }

  // Their files.
  await deps.uploads.removeAllOf(appId, userId);

  // The rest in one unit: memberships, contacts, requests, blocks, the row, the copies.
  let lateImages: string[] = [];
  await deps.uow.run(async ({ m, emit }) => {
    const late: Row[] = await m.query("SELECT id, conversationId FROM messages WHERE appId = ? AND senderId = ? AND id > ? AND deletedAt IS NULL", [
      appId,
      userId,
      after,
    ]);
    for (const r of late) touched.add(str(r["conversationId"]));
    lateImages = await tombstone(
      deps,
      m,
      appId,
      late.map((r) => num(r["id"])),
      now,
      text,
    );
    const events: NewEvent[] = [];
    const conversations = await leaveAll(m, appId, userId, events, tombstoneUser(userId, iso(user.createdAt)));
    const partners = await forgetRelations(m, appId, userId, events);
    events.push(...(await forgetCallsOf(m, appId, userId, now)));
    if (!(await deps.users.anonymise(m, appId, userId, now))) throw notFound("User");
    // Every stored copy of their profile or their messages: events about them, their partners'
    // contact and invitation events, and the membership and conversation events of every
    // conversation they were in or wrote to.
    await deps.events.rewriteData(m, appId, { column: "userId", values: [userId] }, text);
    await deps.events.rewriteData(m, appId, { column: "userId", values: partners, types: ["contact.updated", "invitation.updated"] }, text);
    await deps.events.rewriteData(
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
    await deps.events.rewriteAppEvents(m, appId, "user.created", user.createdAt - CLOCK_SKEW_MS, user.createdAt + CLOCK_SKEW_MS, text);
    await deps.webhooks.forgetUser(m, appId, userId, text);
    await forgetPushSubscriptionsOf(m, appId, userId);
    await forgetEmailOf(m, appId, userId);
    await forgetAgentOf(m, appId, userId);
    await forgetScheduledOf(m, appId, userId);
    await forgetDraftsOf(m, appId, userId);
    await forgetUsageOf(m, appId, userId);
    emit(appId, events);
  });
  // The avatar file (named after its user: never someone else's), and any session a refresh
  // raced in meanwhile.
  const avatar = ownAvatar(user);
  if (avatar) await deps.storage.discard(deps.storage.pathOf(AVATARS_FOLDER, avatar)).catch(() => undefined);
  await previewFiles.discard(lateImages);
  await deps.sessions.endAllSessions(appId, userId);
}

/**
 * Messages become tombstones (as a deleted message is), with others' reactions to them and their
 * link previews; their events are rewritten. Answers the preview images left unused (discarded
 * by the caller once the unit committed).
 */
async function tombstone(deps: Pick<DataRightsDeps, "events">, m: EntityManager, appId: string, ids: number[], now: number, text: Rewrite): Promise<string[]> {
  if (ids.length === 0) return [];
  await tombstoneMessages(m, appId, ids, now);
  await forgetMentionsIn(m, ids);
  await unpinMessages(m, ids);
  await forgetPolls(m, ids);
  const unusedImages = await forgetPreviewsIn(m, ids);
  // No message events here: their search rows go explicitly, so their text no longer matches.
  await forgetMessages(m, ids);
  await deps.events.rewriteData(m, appId, { column: "messageId", values: ids }, text);
  return unusedImages;
}

/** Removes the user's reactions among `rows` and tells each conversation the new counts; answers how many went. */
async function unreact(m: EntityManager, emit: (appId: string, events: NewEvent[]) => void, appId: string, userId: string, rows: Row[]): Promise<number> {
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
async function leaveAll(m: EntityManager, appId: string, userId: string, events: NewEvent[], tomb: ReturnType<typeof tombstoneUser>): Promise<string[]> {
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
async function forgetRelations(m: EntityManager, appId: string, userId: string, events: NewEvent[]): Promise<string[]> {
  const { contactIds, requests } = await forgetContactsOf(m, appId, userId);
  await forgetReportWords(m, appId, userId);
  const other = (r: ForgottenRequest): string => (r.fromUserId === userId ? r.toUserId : r.fromUserId);
  const told = new Set([...contactIds, ...requests.filter((r) => r.status === "pending" && r.conversationId === null).map(other)]);
  for (const partner of told) {
    events.push({ type: "contact.updated", conversationId: null, userId: partner, data: { request: null, userId, status: "removed" } });
  }
  return [...new Set([...contactIds, ...requests.map(other)])];
}
