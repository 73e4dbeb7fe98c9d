import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { IsNull, type DataSource, type EntityManager, type SelectQueryBuilder } from "typeorm";
import type { AuditEntry, FilterWord, Message, ModerationAction, Report, Sanction, SlowModeResponse, WordFilter } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import { MemberEntity } from "../conversations/member.entity.js";
import { keysetAfter } from "../db/keyset.js";
import { dialectOf } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { NewEvent } from "../events/event-log.js";
import type { MessagesService } from "../messages/messages.service.js";
import { type Caller, isUserCaller, type ServerCaller, type UserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { consume } from "../shared/rate-limit.js";
import type { UsersService } from "../users/users.service.js";
import type { WebhooksService } from "../webhooks/webhooks.service.js";
import type { ModerationGate } from "./gate.js";
import { AuditEntity, ModeratorEntity, ReportEntity, SanctionEntity, SlowModeEntity, WordFilterEntity } from "./moderation.entities.js";
import { presentAudit, presentReport, presentSanction } from "./moderation.presenter.js";
import type { MuteInput, ReportInput, ResolveInput } from "./moderation.schema.js";
import { storedWordFilter } from "./word-filter.js";

/** What the moderation service is built from. */
export interface ModerationDeps {
  db: DataSource;
  uow: UnitOfWork;
  gate: ModerationGate;
  users: Pick<UsersService, "get">;
  conversations: Pick<ConversationsService, "requireInApp" | "expel">;
  messages: Pick<MessagesService, "get" | "remove">;
  /** Ends every session of an app-banned user (their sockets drop on every node). */
  sessions: { endAllSessions(appId: string, userId: string): Promise<void> };
  webhooks: Pick<WebhooksService, "enqueue">;
  /** New reports one user may file (REPORTS_PER_HOUR), keyed by app and reporter; shared counters with Redis. */
  reportQuota: Pick<RateLimiterAbstract, "consume">;
}

/** A keyset position in the audit log or the report queue. */
export interface TimeCursor {
  t: number;
  i: string;
}

/** What makes two reports the same: reporter, and message (or, for a user report, the user). */
interface SameReport {
  appId: string;
  reporterId: string;
  userId: string;
  messageId: number | null;
}

/** What one audit entry records beyond who and when. */
interface AuditFacts {
  action: ModerationAction;
  targetUserId?: string | null;
  conversationId?: string | null;
  messageId?: number | null;
  reportId?: string | null;
  reason?: string | null | undefined;
  details?: Record<string, unknown> | null;
}

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
 */
export class ModerationService {
  private readonly reportListeners = new Set<(appId: string, report: Report) => void>();

  constructor(private readonly deps: ModerationDeps) {}

  // -------------------------------------------------------------------------------------------
  // Moderators
  // -------------------------------------------------------------------------------------------

  /** Whether the caller is a moderator of their app (the host's backend always is). */
  async isModerator(caller: Caller): Promise<boolean> {
    return !isUserCaller(caller) || this.deps.gate.isModerator(caller.appId, caller.user);
  }

  /** The host's backend or the operator: makes a user of the app a moderator, or no longer one. */
  async setModerator(caller: Caller, input: { userId: string; moderator: boolean; reason?: string | undefined }): Promise<void> {
    if (isUserCaller(caller)) throw new AppError("forbidden", "Moderators are set by the app's backend");
    const { appId } = caller;
    await this.deps.users.get(appId, input.userId);
    await this.deps.uow.run(async ({ m }) => {
      const had = await m.existsBy(ModeratorEntity, { appId, userId: input.userId });
      if (had === input.moderator) return;
      if (input.moderator) await m.insert(ModeratorEntity, { appId, userId: input.userId, createdAt: Date.now(), createdBy: actorName(caller) });
      else await m.delete(ModeratorEntity, { appId, userId: input.userId });
      await this.audit(m, caller, { action: input.moderator ? "moderator.add" : "moderator.remove", targetUserId: input.userId, reason: input.reason });
    });
  }

  /** The app's moderators, oldest first (a few per app: one query, no paging needed past 1,000). */
  async listModerators(caller: Caller): Promise<{ userId: string; sub: string | null; since: string }[]> {
    await this.requireModerator(caller);
    const rows: { userId: string; externalId: string | null; createdAt: number | string }[] = await this.deps.db.query(
      `SELECT mo.userId AS userId, u.externalId AS externalId, mo.createdAt AS createdAt FROM app_moderators mo
         JOIN users u ON u.id = mo.userId AND u.appId = mo.appId
        WHERE mo.appId = ? ORDER BY mo.createdAt, mo.userId LIMIT 1000`,
      [caller.appId],
    );
    return rows.map((r) => ({
      userId: String(r.userId),
      sub: r.externalId === null ? null : String(r.externalId),
      since: new Date(Number(r.createdAt)).toISOString(),
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Mutes, bans, slow mode
  // -------------------------------------------------------------------------------------------

  /** Mutes a member of a conversation until a time: their sends and edits there answer `muted`. */
  async mute(caller: Caller, input: { conversationId: string; userId: string } & MuteInput): Promise<Sanction> {
    const until = input.until !== undefined ? Date.parse(input.until) : Date.now() + input.durationSec! * 1000;
    return this.deps.uow.run(async ({ m }) => {
      await this.requireConversationModerator(m, caller, input.conversationId, input.userId);
      if (!(await m.existsBy(MemberEntity, { appId: caller.appId, conversationId: input.conversationId, userId: input.userId }))) throw notFound("Member");
      const row = await this.putSanction(m, caller, { kind: "mute", userId: input.userId, conversationId: input.conversationId, until, reason: input.reason });
      await this.audit(m, caller, {
        action: "mute",
        targetUserId: input.userId,
        conversationId: input.conversationId,
        reason: input.reason,
        details: { until: new Date(until).toISOString() },
      });
      return presentSanction(row);
    });
  }

  async unmute(caller: Caller, input: { conversationId: string; userId: string; reason?: string | undefined }): Promise<void> {
    await this.deps.uow.run(async ({ m }) => {
      await this.requireConversationModerator(m, caller, input.conversationId, input.userId);
      const gone = await m.delete(SanctionEntity, { appId: caller.appId, kind: "mute", userId: input.userId, conversationId: input.conversationId });
      if (!gone.affected) throw notFound("Mute");
      await this.audit(m, caller, { action: "unmute", targetUserId: input.userId, conversationId: input.conversationId, reason: input.reason });
    });
  }

  /**
   * Bans a user from a group: they leave it at once (member.removed; a pending invitation is
   * withdrawn) and cannot join, be added or accept an invitation again until unbanned. The user
   * must be of the app; they need not be a member now.
   */
  async banFromConversation(caller: Caller, input: { conversationId: string; userId: string; reason?: string | undefined }): Promise<Sanction> {
    const { appId } = caller;
    return this.deps.uow.run(async ({ m, emit }) => {
      const conv = await this.requireConversationModerator(m, caller, input.conversationId, input.userId);
      if (conv.kind !== "group") throw new AppError("validation_failed", "Only a group has bans: block the user in a direct conversation");
      await this.deps.users.get(appId, input.userId);
      const row = await this.putSanction(m, caller, { kind: "ban", userId: input.userId, conversationId: conv.id, until: null, reason: input.reason });
      const events: NewEvent[] = await this.deps.conversations.expel(m, appId, conv.id, input.userId);
      emit(appId, events);
      await this.audit(m, caller, { action: "ban.conversation", targetUserId: input.userId, conversationId: conv.id, reason: input.reason });
      return presentSanction(row);
    });
  }

  async unbanFromConversation(caller: Caller, input: { conversationId: string; userId: string; reason?: string | undefined }): Promise<void> {
    await this.deps.uow.run(async ({ m }) => {
      await this.requireConversationModerator(m, caller, input.conversationId, input.userId);
      const gone = await m.delete(SanctionEntity, { appId: caller.appId, kind: "ban", userId: input.userId, conversationId: input.conversationId });
      if (!gone.affected) throw notFound("Ban");
      await this.audit(m, caller, { action: "unban.conversation", targetUserId: input.userId, conversationId: input.conversationId, reason: input.reason });
    });
  }

  /**
   * Bans a user from the whole app (moderators and the host's backend only): the ban commits with
   * its audit entry, then every session of theirs ends (refresh tokens revoked, their sockets
   * closed on every node). From the commit on, requireAuth refuses their access tokens and
   * sign-in, host-token and refresh refuse new sessions (`banned`).
   */
  async banFromApp(caller: Caller, input: { userId: string; reason?: string | undefined }): Promise<Sanction> {
    await this.requireModerator(caller);
    const { appId } = caller;
    if (isUserCaller(caller) && caller.user === input.userId) throw new AppError("validation_failed", "You cannot ban yourself");
    await this.deps.users.get(appId, input.userId);
    const row = await this.deps.uow.run(async ({ m }) => {
      const row = await this.putSanction(m, caller, { kind: "ban", userId: input.userId, conversationId: "", until: null, reason: input.reason });
      await this.audit(m, caller, { action: "ban.app", targetUserId: input.userId, reason: input.reason });
      return row;
    });
    await this.deps.sessions.endAllSessions(appId, input.userId);
    return presentSanction(row);
  }

  async unbanFromApp(caller: Caller, input: { userId: string; reason?: string | undefined }): Promise<void> {
    await this.requireModerator(caller);
    await this.deps.uow.run(async ({ m }) => {
      const gone = canExist(input.userId)
        ? await m.delete(SanctionEntity, { appId: caller.appId, kind: "ban", userId: input.userId, conversationId: "" })
        : { affected: 0 };
      if (!gone.affected) throw notFound("Ban");
      await this.audit(m, caller, { action: "unban.app", targetUserId: input.userId, reason: input.reason });
    });
  }

  /** Slow mode of a conversation: one message per `seconds` per plain member; 0 turns it off. */
  async setSlowMode(caller: Caller, input: { conversationId: string; seconds: number; reason?: string | undefined }): Promise<SlowModeResponse> {
    const { appId } = caller;
    await this.deps.uow.run(async ({ m }) => {
      const conv = await this.requireConversationModerator(m, caller, input.conversationId, null);
      await m.delete(SlowModeEntity, { conversationId: conv.id });
      if (input.seconds > 0) await m.insert(SlowModeEntity, { conversationId: conv.id, appId, seconds: input.seconds });
      await this.audit(m, caller, { action: "slow_mode.set", conversationId: conv.id, reason: input.reason, details: { seconds: input.seconds } });
    });
    return { conversationId: input.conversationId, seconds: input.seconds };
  }

  // -------------------------------------------------------------------------------------------
  // Word filter
  // -------------------------------------------------------------------------------------------

  async wordFilter(caller: Caller): Promise<WordFilter> {
    await this.requireModerator(caller);
    return this.deps.gate.wordFilterOf(caller.appId);
  }

  /**
   * Replaces the app's word list, and sets whether names pass it (left out: as it was); this node
   * applies it at once, the others within the gate's cache time.
   */
  async setWordFilter(caller: Caller, input: { words: FilterWord[]; names?: boolean | undefined; reason?: string | undefined }): Promise<WordFilter> {
    await this.requireModerator(caller);
    const { appId } = caller;
    const words = input.words.map((w) => ({ word: w.word.normalize("NFC"), action: w.action }));
    const names = await this.deps.uow.run(async ({ m }) => {
      const names = input.names ?? (await this.deps.gate.wordFilterOf(appId, m)).names;
      const stored = storedWordFilter({ words, names });
      await m.delete(WordFilterEntity, { appId });
      if (stored !== null) await m.insert(WordFilterEntity, { appId, words: stored, updatedAt: Date.now() });
      await this.audit(m, caller, {
        action: "word_filter.set",
        reason: input.reason,
        details: { block: words.filter((w) => w.action === "block").length, mask: words.filter((w) => w.action === "mask").length, names },
      });
      return names;
    });
    this.deps.gate.invalidateFilter(appId);
    return { words, names };
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  /** A moderator deletes any message of the app (a tombstone stays), with the audit entry in the same unit. */
  async deleteMessage(caller: Caller, input: { messageId: string; reason?: string | undefined }): Promise<Message> {
    await this.requireModerator(caller);
    return this.deps.messages.remove(caller, input.messageId, {
      audit: (m, row) =>
        this.audit(m, caller, {
          action: "message.delete",
          targetUserId: row.senderId || null,
          conversationId: row.conversationId,
          messageId: row.id,
          reason: input.reason,
        }),
    });
  }

  // -------------------------------------------------------------------------------------------
  // Reports
  // -------------------------------------------------------------------------------------------

  /**
   * Any member reports a message they can see (its sender is the reported user) or a user of the
   * app (not themselves). The report and its `report.created` webhook deliveries commit together.
   * A repeat of the reporter's open report of the same message (of the same user, for a user
   * report) answers that report, unchanged (`created: false`): no second row, no second webhook.
   * A new report takes one from the reporter's hourly quota (429 past it); repeats take none.
   */
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

  async report(caller: UserCaller, input: ReportInput): Promise<{ report: Report; created: boolean }> {
    const { appId } = caller;
    let target: { userId: string; messageId: number | null; conversationId: string | null; text: string | null };
    if (input.messageId !== undefined) {
      const message = await this.deps.messages.get(caller, input.messageId);
      if (!message.senderId) throw new AppError("validation_failed", "A system message has no sender to report");
      target = { userId: message.senderId, messageId: Number(message.id), conversationId: message.conversationId, text: message.text };
    } else {
      const user = await this.deps.users.get(appId, input.userId!);
      target = { userId: user.id, messageId: null, conversationId: null, text: null };
    }
    if (target.userId === caller.user) throw new AppError("validation_failed", "You cannot report yourself");
    const same: SameReport = { appId, reporterId: caller.user, userId: target.userId, messageId: target.messageId };
    const known = await this.openReport(this.deps.db.manager, same);
    if (known) return { report: presentReport(known), created: false };
    // Keyed by the caller's own app and user id (from their token): a client cannot pick another budget.
    await consume(this.deps.reportQuota, `${appId}:${caller.user}`);
    const row: ReportEntity = {
      id: newId("rep"),
      appId,
      reporterId: caller.user,
      userId: target.userId,
      messageId: target.messageId,
      conversationId: target.conversationId,
      messageText: target.text,
      reason: input.reason,
      note: input.note || null,
      status: "open",
      createdAt: Date.now(),
      resolvedAt: null,
      resolvedBy: null,
      resolution: null,
    };
    const report = presentReport(row);
    const filed = await this.deps.uow.run(async ({ m }) => {
      // A repeat racing this one: asked again under the reporter's lock (see openReport).
      const raced = await this.openReport(m, same, { lock: true });
      if (raced) return { report: presentReport(raced), created: false };
      await m.insert(ReportEntity, row);
      const head: { lastSeq: string | number }[] = await m.query("SELECT lastSeq FROM apps WHERE id = ?", [appId]);
      await this.deps.webhooks.enqueue(m, appId, { type: "report.created", seq: Number(head[0]?.lastSeq ?? 0), at: row.createdAt, data: report });
      return { report, created: true };
    });
    if (filed.created) this.reported(appId, filed.report);
    return filed;
  }

  /**
   * The reporter's open report of the same message, or (a user report) of the same user. With
   * `lock`, inside the reporting unit: units run one at a time on a node, and on MySQL the
   * reporter's user row is locked first and the reports read with a locking read (the newest
   * committed rows, not the snapshot), so two repeats racing on two nodes file one report.
   */
  private async openReport(m: EntityManager, k: SameReport, opts: { lock?: boolean } = {}): Promise<ReportEntity | null> {
    const mysql = opts.lock === true && dialectOf(m) === "mysql";
    if (mysql) await m.query("SELECT id FROM users WHERE id = ? FOR UPDATE", [k.reporterId]);
    return m.findOne(ReportEntity, {
      where: {
        appId: k.appId,
        reporterId: k.reporterId,
        status: "open",
        ...(k.messageId !== null ? { messageId: k.messageId } : { userId: k.userId, messageId: IsNull() }),
      },
      order: { createdAt: "ASC", id: "ASC" },
      // FOR UPDATE: TypeORM writes a shared lock as FOR SHARE, which MariaDB does not parse.
      ...(mysql ? { lock: { mode: "pessimistic_write" as const } } : {}),
    });
  }

  /** The report queue, newest first, keyset on (createdAt, id). */
  async reports(
    caller: Caller,
    q: { status: Report["status"] | "all"; cursor?: TimeCursor | undefined; limit: number },
  ): Promise<{ items: Report[]; next: TimeCursor | null }> {
    await this.requireModerator(caller);
    const qb = this.deps.db.getRepository(ReportEntity).createQueryBuilder("r").where("r.appId = :appId", { appId: caller.appId });
    if (q.status !== "all") qb.andWhere("r.status = :status", { status: q.status });
    const rows = await keyset(qb, q.cursor, q.limit);
    return page(rows, q.limit, presentReport);
  }

  async resolveReport(caller: Caller, input: { id: string } & ResolveInput): Promise<Report> {
    await this.requireModerator(caller);
    const { appId } = caller;
    const settled = await this.deps.uow.run(async ({ m }) => {
      const row = canExist(input.id) ? await m.findOneBy(ReportEntity, { appId, id: input.id }) : null;
      if (!row || row.id !== input.id) throw notFound("Report");
      if (row.status !== "open") throw new AppError("conflict", `This report is already ${row.status}`);
      row.status = input.status;
      row.resolvedAt = Date.now();
      row.resolvedBy = actorName(caller);
      row.resolution = input.note || null;
      const changed = await m.update(
        ReportEntity,
        { appId, id: row.id, status: "open" },
        { status: row.status, resolvedAt: row.resolvedAt, resolvedBy: row.resolvedBy, resolution: row.resolution },
      );
      if (!changed.affected) throw new AppError("conflict", "This report was resolved meanwhile");
      await this.audit(m, caller, {
        action: input.status === "resolved" ? "report.resolve" : "report.dismiss",
        targetUserId: row.userId,
        conversationId: row.conversationId,
        messageId: row.messageId,
        reportId: row.id,
        reason: input.note,
      });
      return presentReport(row);
    });
    return this.reported(appId, settled);
  }

  /** One report of the app (moderators and the host's backend; 404 for another app's). */
  async reportById(caller: Caller, id: string): Promise<Report> {
    await this.requireModerator(caller);
    const row = canExist(id) ? await this.deps.db.getRepository(ReportEntity).findOneBy({ appId: caller.appId, id }) : null;
    if (!row || row.id !== id) throw notFound("Report");
    return presentReport(row);
  }

  // -------------------------------------------------------------------------------------------
  // Sanctions in force (the console's lists)
  // -------------------------------------------------------------------------------------------

  /** The app's bans, or its mutes still running, newest first, keyset on (createdAt, id); each with its id and who set it. */
  async sanctions(
    caller: Caller,
    q: { kind: "mute" | "ban"; cursor?: TimeCursor | undefined; limit: number },
  ): Promise<{ items: ListedSanction[]; next: TimeCursor | null }> {
    await this.requireModerator(caller);
    const qb = this.deps.db
      .getRepository(SanctionEntity)
      .createQueryBuilder("r")
      .where("r.appId = :appId AND r.kind = :kind", { appId: caller.appId, kind: q.kind });
    if (q.kind === "mute") qb.andWhere("(r.until IS NULL OR r.until > :now)", { now: Date.now() });
    const rows = await keyset(qb, q.cursor, q.limit);
    return page(rows, q.limit, presentListed);
  }

  /** One ban or mute of the app by its id (404 otherwise, and for another kind). */
  async sanctionById(caller: Caller, kind: "mute" | "ban", id: string): Promise<ListedSanction> {
    await this.requireModerator(caller);
    const row = canExist(id) ? await this.deps.db.getRepository(SanctionEntity).findOneBy({ appId: caller.appId, kind, id }) : null;
    if (!row || row.id !== id) throw notFound(kind === "ban" ? "Ban" : "Mute");
    return presentListed(row);
  }

  // -------------------------------------------------------------------------------------------
  // Audit log
  // -------------------------------------------------------------------------------------------

  /**
   * Participant of a send by the host's backend `from` a user with `moderation: "bypass"`: its
   * audit entry, written by the sending unit (messages/send-writer.ts) together with the message.
   */
  recordBypass(m: EntityManager, caller: ServerCaller, f: { userId: string; conversationId: string; messageId: number }): Promise<void> {
    return this.audit(m, caller, { action: "message.bypass", targetUserId: f.userId, conversationId: f.conversationId, messageId: f.messageId });
  }

  /** The audit log, newest first, keyset on (createdAt, id). */
  async auditLog(caller: Caller, q: { cursor?: TimeCursor | undefined; limit: number }): Promise<{ items: AuditEntry[]; next: TimeCursor | null }> {
    await this.requireModerator(caller);
    const qb = this.deps.db.getRepository(AuditEntity).createQueryBuilder("r").where("r.appId = :appId", { appId: caller.appId });
    const rows = await keyset(qb, q.cursor, q.limit);
    return page(rows, q.limit, presentAudit);
  }

  // -------------------------------------------------------------------------------------------
  // Internals
  // -------------------------------------------------------------------------------------------

  private async requireModerator(caller: Caller): Promise<void> {
    if (!(await this.isModerator(caller))) throw new AppError("forbidden", "Only the app's moderators may do this");
  }

  /**
   * The conversation of a conversation-scoped action. Moderators and the host's backend: any of
   * the app (404 otherwise). Else the caller must own or administer the group, and the target
   * (when there is one) must be neither its owner, an admin, nor an app moderator: 403.
   */
  private async requireConversationModerator(m: EntityManager, caller: Caller, conversationId: string, targetUserId: string | null) {
    if (await this.isModerator(caller)) return this.deps.conversations.requireInApp(caller.appId, conversationId, m);
    const { appId, user } = caller as UserCaller;
    const me = canExist(conversationId) ? await m.findOneBy(MemberEntity, { appId, conversationId, userId: user }) : null;
    if (!me || me.role === "member") throw new AppError("forbidden", "Only the app's moderators, or the group's owner and admins, may do this");
    const conv = await this.deps.conversations.requireInApp(appId, conversationId, m);
    if (conv.kind !== "group") throw new AppError("forbidden", "Only the app's moderators may do this in a direct conversation");
    if (targetUserId !== null) {
      if (targetUserId === user) throw new AppError("validation_failed", "You cannot do this to yourself");
      const target = canExist(targetUserId) ? await m.findOneBy(MemberEntity, { appId, conversationId, userId: targetUserId }) : null;
      if ((target && target.role !== "member") || (await this.deps.gate.isModerator(appId, targetUserId, m)))
        throw new AppError("forbidden", "A group's owner and admins act on plain members only");
    }
    return conv;
  }

  /** Sets a mute or ban (replacing the same one, with its new end and reason). */
  private async putSanction(
    m: EntityManager,
    caller: Caller,
    s: { kind: "mute" | "ban"; userId: string; conversationId: string; until: number | null; reason: string | undefined },
  ): Promise<SanctionEntity> {
    const key = { appId: caller.appId, kind: s.kind, userId: s.userId, conversationId: s.conversationId };
    await m.delete(SanctionEntity, key);
    const row: SanctionEntity = { id: newId("snc"), ...key, until: s.until, reason: s.reason || null, createdBy: actorName(caller), createdAt: Date.now() };
    await m.insert(SanctionEntity, row);
    return row;
  }

  /** Writes one audit entry in the acting unit. */
  private async audit(m: EntityManager, caller: Caller, f: AuditFacts): Promise<void> {
    await m.insert(AuditEntity, {
      id: newId("aud"),
      appId: caller.appId,
      action: f.action,
      actorUserId: isUserCaller(caller) ? caller.user : null,
      actorServerKey: isUserCaller(caller) ? null : caller.server,
      targetUserId: f.targetUserId ?? null,
      conversationId: f.conversationId ?? null,
      messageId: f.messageId ?? null,
      reportId: f.reportId ?? null,
      reason: f.reason || null,
      details: f.details ? JSON.stringify(f.details) : null,
      createdAt: Date.now(),
    } satisfies AuditEntity);
  }
}

/**
 * Who acted, as stored on a row: the moderator's user id, `server:<key id>`, or a console account
 * acting through a server caller as `console:<account id>` (console.service.ts), as it is.
 */
const actorName = (caller: Caller): string =>
  isUserCaller(caller) ? caller.user : caller.server.startsWith("console:") ? caller.server : `server:${caller.server}`;

/** A ban or mute as the console lists it: the server API's Sanction, its id, and who set it (`createdBy`). */
export type ListedSanction = Sanction & { id: string; by: string };
const presentListed = (s: SanctionEntity): ListedSanction => ({ ...presentSanction(s), id: s.id, by: s.createdBy });

type TimeKeyed = { createdAt: number; id: string };

/** Newest first, after the cursor, one more than the page to know whether there is a next one. */
async function keyset<T extends TimeKeyed>(qb: SelectQueryBuilder<T>, cursor: TimeCursor | undefined, limit: number): Promise<T[]> {
  if (cursor) keysetAfter(qb, "desc", ["r.createdAt", "r.id"], [cursor.t, cursor.i]);
  return qb
    .orderBy("r.createdAt", "DESC")
    .addOrderBy("r.id", "DESC")
    .limit(limit + 1)
    .getMany();
}

function page<T extends TimeKeyed, D>(rows: T[], limit: number, present: (row: T) => D): { items: D[]; next: TimeCursor | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(present), next: rows.length > limit && last ? { t: last.createdAt, i: last.id } : null };
}
