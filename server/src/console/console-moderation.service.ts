import type {
  ConsoleReportDetail,
  ConsoleWordFilterTestResponse,
  ConsoleSanctionResponse,
  ConsoleSanctionsResponse,
  ModeratorsResponse,
  Page,
  Report,
  SlowModeResponse,
  WordFilter,
} from "@parley/sdk/protocol";
import type { z } from "zod";
import type { MessagesService } from "../messages/messages.service.js";
import { reportsQuery, timeCursor } from "../moderation/moderation.schema.js";
import type { ModerationService } from "../moderation/moderation.service.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import type { ServerCaller } from "../shared/caller.js";
import { AppError } from "../shared/errors.js";
import { invalidField } from "../shared/validate.js";
import { auditTarget, type ConsoleAccess } from "./access.js";
import type { ConsoleCaller } from "./caller.js";
import type { BanUserInput, DeleteMessageInput, MuteUserInput, SlowModeInput, WordFilterTestInput } from "./console.schema.js";
import type { WordFilterInput } from "../moderation/moderation.schema.js";
import { applyFilter, compileFilter } from "../moderation/word-filter.js";

export interface ConsoleModerationDeps {
  access: ConsoleAccess;
  moderation: Pick<
    ModerationService,
    | "reports"
    | "reportById"
    | "resolveReport"
    | "deleteMessage"
    | "mute"
    | "unmute"
    | "banFromApp"
    | "banFromConversation"
    | "unbanFromApp"
    | "unbanFromConversation"
    | "sanctions"
    | "sanctionById"
    | "wordFilter"
    | "setWordFilter"
    | "setSlowMode"
    | "listModerators"
    | "setModerator"
  >;
  /** A reported message's context: two keyset pages of its conversation's history. */
  messages: Pick<MessagesService, "history">;
}

/** Messages shown on each side of a reported one. */
export const REPORT_CONTEXT = 5;

/**
 * The console's moderation (moderators, admins, owners): the moderation service's own methods,
 * acting as a server caller named `console:<account id>` (that name is what reports' resolvedBy,
 * sanctions' createdBy and the moderation audit show), each change also a console audit row.
 * Message text is read only in a report's context.
 */
export class ConsoleModeration {
  constructor(private readonly deps: ConsoleModerationDeps) {}

  async reports(c: ConsoleCaller, appId: string, q: z.infer<typeof reportsQuery>): Promise<Page<Report>> {
    const mod = this.deps.access.actingAs(c, await this.deps.access.appFor(c, appId, "moderate"));
    const { items, next } = await this.deps.moderation.reports(mod, { status: q.status, limit: q.limit, cursor: decodeCursor(timeCursor, q.cursor) });
    return { items, nextCursor: next ? encodeCursor(next) : null };
  }

  /**
   * A report with its message as it is now and the five messages on each side in its
   * conversation's timeline, oldest first: two keyset pages of history (the message and the five
   * before it; the five after).
   */
  async report(c: ConsoleCaller, appId: string, reportId: string): Promise<ConsoleReportDetail> {
    const mod = this.deps.access.actingAs(c, await this.deps.access.appFor(c, appId, "moderate"));
    const report = await this.deps.moderation.reportById(mod, reportId);
    if (report.messageId === null || report.conversationId === null) return { report, message: null, before: [], after: [] };
    const at = { conversationId: report.conversationId };
    const [upTo, after] = await Promise.all([
      this.deps.messages.history(mod, { ...at, before: String(Number(report.messageId) + 1), limit: REPORT_CONTEXT + 1 }),
      this.deps.messages.history(mod, { ...at, after: report.messageId, limit: REPORT_CONTEXT }),
    ]);
    const found = upTo.items.find((m) => m.id === report.messageId);
    const before = upTo.items.filter((m) => m.id !== report.messageId).slice(0, REPORT_CONTEXT);
    return {
      report,
      message: found && found.deletedAt === null ? found : null,
      before: before.reverse(),
      after: after.items.slice().reverse(),
    };
  }

  async resolveReport(c: ConsoleCaller, appId: string, reportId: string, status: "resolved" | "dismissed", note: string | undefined): Promise<Report> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const report = await this.deps.moderation.resolveReport(this.deps.access.actingAs(c, app), { id: reportId, status, note });
    await this.deps.access.record(c, status === "resolved" ? "moderation.report_resolve" : "moderation.report_dismiss", app.id, report.id);
    return report;
  }

  async deleteMessage(c: ConsoleCaller, appId: string, messageId: string, input: DeleteMessageInput): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const mod = this.deps.access.actingAs(c, app);
    const report = await this.openReport(mod, input.reportId, (r) => r.messageId === messageId, "That report is of another message");
    await this.deps.moderation.deleteMessage(mod, { messageId, reason: input.reason });
    await this.deps.access.record(c, "moderation.message_delete", app.id, auditTarget(messageId, input.reason));
    if (report) await this.settle(mod, report, `message deleted${input.reason ? `: ${input.reason}` : ""}`);
  }

  async mute(c: ConsoleCaller, appId: string, userId: string, input: MuteUserInput): Promise<ConsoleSanctionResponse> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const mod = this.deps.access.actingAs(c, app);
    const report = await this.openReport(mod, input.reportId, (r) => r.userId === userId, "That report is of another user");
    const conversationId = this.conversationOf(input.conversationId, report);
    const sanction = await this.deps.moderation.mute(mod, { conversationId, userId, durationSec: input.minutes * 60, reason: input.reason });
    await this.deps.access.record(c, "moderation.mute", app.id, auditTarget(userId, `${input.minutes} min${input.reason ? `: ${input.reason}` : ""}`));
    return { sanction, report: report ? await this.settle(mod, report, `muted ${input.minutes} min${input.reason ? `: ${input.reason}` : ""}`) : null };
  }

  async ban(c: ConsoleCaller, appId: string, userId: string, input: BanUserInput): Promise<ConsoleSanctionResponse> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const mod = this.deps.access.actingAs(c, app);
    const report = await this.openReport(mod, input.reportId, (r) => r.userId === userId, "That report is of another user");
    const sanction =
      input.scope === "app"
        ? await this.deps.moderation.banFromApp(mod, { userId, reason: input.reason })
        : await this.deps.moderation.banFromConversation(mod, {
            conversationId: this.conversationOf(input.conversationId, report),
            userId,
            reason: input.reason,
          });
    await this.deps.access.record(c, "moderation.ban", app.id, auditTarget(userId, input.reason));
    return { sanction, report: report ? await this.settle(mod, report, `banned (${input.scope}): ${input.reason}`) : null };
  }

  async sanctions(c: ConsoleCaller, appId: string, kind: "mute" | "ban", q: { cursor?: string | undefined; limit: number }): Promise<ConsoleSanctionsResponse> {
    const mod = this.deps.access.actingAs(c, await this.deps.access.appFor(c, appId, "moderate"));
    const { items, next } = await this.deps.moderation.sanctions(mod, { kind, limit: q.limit, cursor: decodeCursor(timeCursor, q.cursor) });
    return { items, nextCursor: next ? encodeCursor(next) : null };
  }

  /** Lifts a ban or a mute by its id, through the moderation service's unban or unmute. */
  async lift(c: ConsoleCaller, appId: string, kind: "mute" | "ban", id: string, reason: string | undefined): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const mod = this.deps.access.actingAs(c, app);
    const s = await this.deps.moderation.sanctionById(mod, kind, id);
    const who = { userId: s.userId, reason };
    if (kind === "mute") await this.deps.moderation.unmute(mod, { ...who, conversationId: s.conversationId ?? "" });
    else if (s.conversationId === null) await this.deps.moderation.unbanFromApp(mod, who);
    else await this.deps.moderation.unbanFromConversation(mod, { ...who, conversationId: s.conversationId });
    await this.deps.access.record(c, kind === "mute" ? "moderation.unmute" : "moderation.unban", app.id, auditTarget(s.userId, reason));
  }

  /** The open report an action names (checked before acting: 404, 409 once not open, 400 when of something else). */
  private async openReport(mod: ServerCaller, reportId: string | undefined, about: (r: Report) => boolean, other: string): Promise<Report | null> {
    if (reportId === undefined) return null;
    const report = await this.deps.moderation.reportById(mod, reportId);
    if (report.status !== "open") throw new AppError("conflict", `This report is already ${report.status}`);
    if (!about(report)) throw invalidField("reportId", other);
    return report;
  }

  private settle(mod: ServerCaller, report: Report, note: string): Promise<Report> {
    return this.deps.moderation.resolveReport(mod, { id: report.id, status: "resolved", note: note.slice(0, 500) });
  }

  private conversationOf(given: string | undefined, report: Report | null): string {
    const id = given ?? report?.conversationId;
    if (!id) throw invalidField("conversationId", "That report names no conversation: name one");
    return id;
  }

  // --- The app's rules: the word filter, slow mode, and who moderates in the chat ---------------

  async wordFilter(c: ConsoleCaller, appId: string): Promise<WordFilter> {
    return this.deps.moderation.wordFilter(this.deps.access.actingAs(c, await this.deps.access.appFor(c, appId, "moderate")));
  }

  async setWordFilter(c: ConsoleCaller, appId: string, input: WordFilterInput): Promise<WordFilter> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const saved = await this.deps.moderation.setWordFilter(this.deps.access.actingAs(c, app), input);
    const block = saved.words.filter((w) => w.action === "block").length;
    await this.deps.access.record(
      c,
      "moderation.word_filter",
      app.id,
      auditTarget(`block=${block} mask=${saved.words.length - block} names=${saved.names}`, input.reason),
    );
    return saved;
  }

  /**
   * What a word list (as edited, before it is saved) makes of a text: the test box. The same
   * matching as the chat's (disguises included); nothing is stored.
   */
  async testWordFilter(c: ConsoleCaller, appId: string, input: WordFilterTestInput): Promise<ConsoleWordFilterTestResponse> {
    await this.deps.access.appFor(c, appId, "moderate");
    return applyFilter(compileFilter(input.words.map((w) => ({ word: w.word.normalize("NFC"), action: w.action }))), input.text);
  }

  async setSlowMode(c: ConsoleCaller, appId: string, conversationId: string, input: SlowModeInput): Promise<SlowModeResponse> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    const answer = await this.deps.moderation.setSlowMode(this.deps.access.actingAs(c, app), { conversationId, ...input });
    await this.deps.access.record(c, "moderation.slow_mode", app.id, auditTarget(`${conversationId} ${input.seconds}s`, input.reason));
    return answer;
  }

  /** The app's moderators among its chat users (who moderate from the widget). */
  async moderators(c: ConsoleCaller, appId: string): Promise<ModeratorsResponse> {
    const app = await this.deps.access.appFor(c, appId, "moderate");
    return { moderators: await this.deps.moderation.listModerators(this.deps.access.actingAs(c, app)) };
  }

  /** Makes a chat user a moderator of the app, or not: admins, owners and operators. */
  async setModerator(c: ConsoleCaller, appId: string, userId: string, moderator: boolean): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    await this.deps.moderation.setModerator(this.deps.access.actingAs(c, app), { userId, moderator });
    await this.deps.access.record(c, moderator ? "moderation.moderator_add" : "moderation.moderator_remove", app.id, userId);
  }
}
