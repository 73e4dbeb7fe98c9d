import type { EntityManager } from "typeorm";
import type { AuditEntry, FilterWord, Message, Report, Sanction, SlowModeResponse, WordFilter } from "@parley/sdk/protocol";
import type { Caller, ServerCaller, UserCaller } from "../shared/caller.js";
import { banFromApp, banFromConversation, unbanFromApp, unbanFromConversation } from "./commands/bans.js";
import { audit } from "./commands/common.js";
import { deleteMessage } from "./commands/delete-message.js";
import { setModerator } from "./commands/moderators.js";
import { mute, unmute } from "./commands/mute.js";
import { fileReport, queueHandoff, resolveReport } from "./commands/reports.js";
import { setSlowMode } from "./commands/slow-mode.js";
import { setWordFilter } from "./commands/word-list.js";
import type { ModerationDeps } from "./deps.js";
import type { MuteInput, ReportInput, ResolveInput } from "./moderation.schema.js";
import { isModerator } from "./policy.js";
import { auditLog, type ListedSanction, listModerators, reportById, reports, sanctionById, sanctions, type TimeCursor, wordFilter } from "./queries.js";

export type { ModerationDeps } from "./deps.js";
export type { ListedSanction, TimeCursor } from "./queries.js";

/**
 * Moderation: app moderators, mutes and bans, slow mode, the word filter, reports and the audit
 * log — the only writer of the moderation tables (moderation/gate.ts reads them for the other
 * domains). Every action is one unit of work that writes its audit entry too.
 *
 * Who may act: the host's backend (a server caller) and the app's moderators on everything;
 * a group's owner and admins on mutes, conversation bans and slow mode of their own group, over
 * plain members only. Anyone else gets 403 before anything is looked up; a moderator naming
 * another app's conversation, message, user or report gets 404, as for one that does not exist.
 * Any member reports, within an hourly quota; the host's backend sending `from` a user past
 * moderation (`moderation: "bypass"`) is audited through `recordBypass`, in the send's own unit.
 *
 * A facade over the domain's parts: `queries.ts` (reads), `commands/*.ts` (one write each:
 * moderators, mutes, bans, slow mode, the word list, a message's deletion, reports), `policy.ts`
 * (who may act), `commands/common.ts` (the audit entry and the sanction row every command writes).
 */
export class ModerationService {
  private readonly reportListeners = new Set<(appId: string, report: Report) => void>();

  constructor(private readonly deps: ModerationDeps) {}

  // Moderators ----------------------------------------------------------------------------------

  /** Whether the caller is a moderator of their app (the host's backend always is). */
  isModerator(caller: Caller): Promise<boolean> {
    return isModerator(this.deps, caller);
  }

  /** The host's backend or the operator: makes a user of the app a moderator, or no longer one. */
  setModerator(caller: Caller, input: { userId: string; moderator: boolean; reason?: string | undefined }): Promise<void> {
    return setModerator(this.deps, caller, input);
  }

  /** The app's moderators, oldest first. */
  listModerators(caller: Caller): Promise<{ userId: string; sub: string | null; since: string }[]> {
    return listModerators(this.deps, caller);
  }

  // Mutes, bans, slow mode ----------------------------------------------------------------------

  /** Mutes a member of a conversation until a time: their sends and edits there answer `muted`. */
  mute(caller: Caller, input: { conversationId: string; userId: string } & MuteInput): Promise<Sanction> {
    return mute(this.deps, caller, input);
  }

  unmute(caller: Caller, input: { conversationId: string; userId: string; reason?: string | undefined }): Promise<void> {
    return unmute(this.deps, caller, input);
  }

  /** Bans a user from a group: they leave it at once and cannot come back until unbanned (commands/bans.ts). */
  banFromConversation(caller: Caller, input: { conversationId: string; userId: string; reason?: string | undefined }): Promise<Sanction> {
    return banFromConversation(this.deps, caller, input);
  }

  unbanFromConversation(caller: Caller, input: { conversationId: string; userId: string; reason?: string | undefined }): Promise<void> {
    return unbanFromConversation(this.deps, caller, input);
  }

  /** Bans a user from the whole app, then ends every session of theirs (commands/bans.ts). */
  banFromApp(caller: Caller, input: { userId: string; reason?: string | undefined }): Promise<Sanction> {
    return banFromApp(this.deps, caller, input);
  }

  unbanFromApp(caller: Caller, input: { userId: string; reason?: string | undefined }): Promise<void> {
    return unbanFromApp(this.deps, caller, input);
  }

  /** Slow mode of a conversation: one message per `seconds` per plain member; 0 turns it off. */
  setSlowMode(caller: Caller, input: { conversationId: string; seconds: number; reason?: string | undefined }): Promise<SlowModeResponse> {
    return setSlowMode(this.deps, caller, input);
  }

  // Word filter ---------------------------------------------------------------------------------

  wordFilter(caller: Caller): Promise<WordFilter> {
    return wordFilter(this.deps, caller);
  }

  /** Replaces the app's word list, and sets whether names pass it (commands/word-list.ts). */
  setWordFilter(caller: Caller, input: { words: FilterWord[]; names?: boolean | undefined; reason?: string | undefined }): Promise<WordFilter> {
    return setWordFilter(this.deps, caller, input);
  }

  // Messages ------------------------------------------------------------------------------------

  /** A moderator deletes any message of the app (a tombstone stays), with the audit entry in the same unit. */
  deleteMessage(caller: Caller, input: { messageId: string; reason?: string | undefined }): Promise<Message> {
    return deleteMessage(this.deps, caller, input);
  }

  // Reports -------------------------------------------------------------------------------------

  /**
   * Calls `fn` with each report filed or settled, once its unit has committed (the console's
   * live queue: realtime/console-feed.ts sends it to every node's moderators).
   */
  onReport(fn: (appId: string, report: Report) => void): () => void {
    this.reportListeners.add(fn);
    return () => this.reportListeners.delete(fn);
  }

  private reported(appId: string, report: Report): Report {
    for (const fn of this.reportListeners) fn(appId, report);
    return report;
  }

  /** Any member reports a message or a user; a repeat of their open report answers it (commands/reports.ts). */
  async report(caller: UserCaller, input: ReportInput): Promise<{ report: Report; created: boolean }> {
    const filed = await fileReport(this.deps, caller, input);
    if (filed.created) this.reported(caller.appId, filed.report);
    return filed;
  }

  /**
   * A conversation handed to people (agents/handoff.ts) goes in the queue, in the hand-off's unit
   * `m`; `announce` (after its commit) tells the console's live feed.
   */
  async queueHandoff(
    m: EntityManager,
    appId: string,
    input: { conversationId: string; requestedBy: string; agentUserId: string; note: string | null },
  ): Promise<{ report: Report; announce: () => void }> {
    const report = await queueHandoff(this.deps, m, appId, input);
    return { report, announce: () => void this.reported(appId, report) };
  }

  /** The report queue, newest first, keyset on (createdAt, id). */
  reports(
    caller: Caller,
    q: { status: Report["status"] | "all"; cursor?: TimeCursor | undefined; limit: number },
  ): Promise<{ items: Report[]; next: TimeCursor | null }> {
    return reports(this.deps, caller, q);
  }

  async resolveReport(caller: Caller, input: { id: string } & ResolveInput): Promise<Report> {
    return this.reported(caller.appId, await resolveReport(this.deps, caller, input));
  }

  /** One report of the app (moderators and the host's backend; 404 for another app's). */
  reportById(caller: Caller, id: string): Promise<Report> {
    return reportById(this.deps, caller, id);
  }

  // Sanctions in force (the console's lists) ----------------------------------------------------

  /** The app's bans, or its mutes still running, newest first, keyset on (createdAt, id); each with its id and who set it. */
  sanctions(
    caller: Caller,
    q: { kind: "mute" | "ban"; cursor?: TimeCursor | undefined; limit: number },
  ): Promise<{ items: ListedSanction[]; next: TimeCursor | null }> {
    return sanctions(this.deps, caller, q);
  }

  /** One ban or mute of the app by its id (404 otherwise, and for another kind). */
  sanctionById(caller: Caller, kind: "mute" | "ban", id: string): Promise<ListedSanction> {
    return sanctionById(this.deps, caller, kind, id);
  }

  // Audit log -----------------------------------------------------------------------------------

  /**
   * Participant of a send by the host's backend `from` a user with `moderation: "bypass"`: its
   * audit entry, written by the sending unit (messages/send-writer.ts) together with the message.
   */
  recordBypass(m: EntityManager, caller: ServerCaller, f: { userId: string; conversationId: string; messageId: number }): Promise<void> {
    return audit(m, caller, { action: "message.bypass", targetUserId: f.userId, conversationId: f.conversationId, messageId: f.messageId });
  }

  /** The audit log, newest first, keyset on (createdAt, id). */
  auditLog(caller: Caller, q: { cursor?: TimeCursor | undefined; limit: number }): Promise<{ items: AuditEntry[]; next: TimeCursor | null }> {
    return auditLog(this.deps, caller, q);
  }
}
