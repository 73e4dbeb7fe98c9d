import { hostname } from "node:os";
import type { DataSource, EntityManager } from "typeorm";
import type { ChatEvent, ConsoleUsageDay, ConsoleUsageDays, ConsoleUsageMonth, ConsoleUsageResponse } from "@parley/sdk/protocol";
import type { AppendHook, CommitHook, UnitOfWork } from "../db/unit-of-work.js";
import { newId } from "../shared/ids.js";
import type { Logger } from "../shared/logger.js";
import { addDaily, dayOf, daysBefore, markActive, monthOf, prune, raisePeaks, type Activity, type DailyAdd } from "./usage.writes.js";

/** How often a node writes what it counted in memory (searches, connections, socket peaks). */
export const USAGE_FLUSH_MS = 10_000;
/** How often a node prunes marks and peaks no chart needs. */
const PRUNE_EVERY_MS = 3_600_000;
/** A node remembers this many users it has marked active today, so a reconnect or a send costs no write. */
const SEEN_MAX = 200_000;

export interface UsageDeps {
  db: DataSource;
  uow: UnitOfWork;
  logger: Logger;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const key = (...parts: string[]): string => parts.join("\u0000");

/**
 * Usage (issue 32): the console's charts, from a rollup kept as things happen, so a page view
 * reads one row per day (three queries, whatever the app holds) and never scans `messages`.
 *
 * What is counted, and when it is written:
 * - **messages**: each stored message, by the unit of work's append hook (`onAppend`), in the
 *   sending unit itself (`message.new` events: a retried send is not appended again), so the
 *   count commits or rolls back with the messages. It is what `parley_messages_sent_total` counts.
 * - **daily / monthly active users**: a user is active on a UTC day when they sent a message or
 *   opened a live (socket) connection that day; monthly active users are those active on any day
 *   of the calendar month. Senders are marked in the sending unit (once a day per node: a sender whose
 *   mark this node saw commit is skipped); connections are kept in memory and written with the
 *   next flush. Each user counts once per day and month
 *   (usage_active_users holds the marks of the current periods).
 * - **webhook outcomes**: each delivery attempt, 2xx or not, in the dispatcher's unit that records it.
 * - **calls** and their **seconds**: each call, once, on the day it ended, by the same append hook
 *   (`call.ended`, in the unit that ends it); seconds from the answer to the end.
 * - **searches** and **socket peaks**: counted in memory by each node and written every
 *   USAGE_FLUSH_MS (a crash loses at most that much of them). A node's peak per app and day is
 *   the most sockets it held at once (what its `parley_sockets_connected` gauge reached); the
 *   day's peak is the sum over nodes (an upper bound: nodes need not peak together; a process
 *   restarted during the day adds its own peak to its predecessor's).
 */
export class UsageService {
  /** This process on this host: its rows of usage_sockets. */
  readonly node = `${hostname()}:${process.pid}:${newId("", 4).slice(1)}`.slice(0, 100);
  private searches = new Map<string, { appId: string; day: string; n: number }>();
  private active = new Map<string, Activity>();
  /** Users this node marked active today (app, user), not written again until tomorrow. */
  private seen = { day: "", keys: new Set<string>() };
  /** Sockets open on this node per app ('' : all of them). */
  private readonly open = new Map<string, number>();
  /** This node's peak per app and day, and whether it rose since the last flush. */
  private peaks = new Map<string, { appId: string; day: string; peak: number; dirty: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private nextPrune = 0;

  constructor(
    private readonly deps: UsageDeps,
    private readonly opts: { flushMs?: number } = {},
  ) {}

  // -------------------------------------------------------------------------------------------
  // Counting
  // -------------------------------------------------------------------------------------------

  /** The unit of work's append hook: messages stored in this unit, and their senders active; calls ended in it. */
  readonly onAppend: AppendHook = async (m: EntityManager, appId: string, events: ChatEvent[]): Promise<void> => {
    const sends: DailyAdd[] = [];
    const senders: Activity[] = [];
    for (const e of events) {
      if (e.type === "call.ended") {
        const { endedAt, durationMs } = e.data.call;
        sends.push({ appId, day: dayOf(endedAt ? Date.parse(endedAt) : Date.now()), calls: 1, callSeconds: Math.round((durationMs ?? 0) / 1000) });
        continue;
      }
      if (e.type !== "message.new") continue;
      const { senderId, createdAt } = e.data.message;
      const at = Date.parse(createdAt);
      sends.push({ appId, day: dayOf(at), messages: 1 });
      // System messages (the server API's, no sender) count as messages, not as anyone's activity.
      // A sender this node saw marked today (a send or a connection that committed) is marked
      // already: no statement for them (one a batch saved at every rate, issue 34 step 11).
      if (senderId && !this.markedToday(appId, senderId, at)) senders.push({ appId, userId: senderId, at });
    }
    if (sends.length === 0) return;
    await markActive(m, senders, sends);
  };

  /** The unit of work's commit hook: the senders of committed messages are marked for their day. */
  readonly onCommit: CommitHook = (appId: string, events: ChatEvent[]): void => {
    for (const e of events) {
      if (e.type !== "message.new" || !e.data.message.senderId) continue;
      this.remember(appId, e.data.message.senderId, Date.parse(e.data.message.createdAt));
    }
  };

  /** Whether this node knows `userId` is marked active on the day of `at`. */
  private markedToday(appId: string, userId: string, at: number): boolean {
    return this.seen.day === dayOf(at) && this.seen.keys.has(key(appId, userId));
  }

  /** Remembers a committed mark of `userId` for the day of `at` (a new day forgets the last). */
  private remember(appId: string, userId: string, at: number): void {
    const day = dayOf(at);
    if (this.seen.day !== day || this.seen.keys.size >= SEEN_MAX) {
      // A mark of yesterday, committed after today's first: nothing to remember.
      if (day < this.seen.day) return;
      this.seen = { day, keys: new Set() };
    }
    this.seen.keys.add(key(appId, userId));
  }

  /** One webhook delivery attempt's outcome, in the unit that records it on the delivery. */
  async webhookAttempt(m: EntityManager, appId: string, ok: boolean, at = Date.now()): Promise<void> {
    await addDaily(m, [{ appId, day: dayOf(at), ...(ok ? { webhooksDelivered: 1 } : { webhooksFailed: 1 }) }]);
  }

  /** An e-mail sent, or given up (email/email-notifier.ts), in the unit that records it on the outbox row. */
  async emailOutcome(m: EntityManager, appId: string, ok: boolean, at = Date.now()): Promise<void> {
    await addDaily(m, [{ appId, day: dayOf(at), ...(ok ? { emailsSent: 1 } : { emailsFailed: 1 }) }]);
  }

  /** An agent's reply that reached the model, and the tokens it used (agents/agent-runner.ts), in a unit of its own. */
  async agentReply(appId: string, tokens: { prompt: number; completion: number }, at = Date.now()): Promise<void> {
    await this.deps.uow.run(({ m }) =>
      addDaily(m, [{ appId, day: dayOf(at), agentReplies: 1, agentPromptTokens: tokens.prompt, agentCompletionTokens: tokens.completion }]),
    );
  }

  /** A search was made: counted here, written at the next flush. */
  searched(appId: string, at = Date.now()): void {
    const day = dayOf(at);
    const k = key(appId, day);
    const was = this.searches.get(k);
    if (was) was.n++;
    else this.searches.set(k, { appId, day, n: 1 });
  }

  /** A live connection opened: its user is active today; this node's socket peak may rise. */
  socketOpened(appId: string, userId: string, at = Date.now()): void {
    const day = dayOf(at);
    if (this.seen.day !== day || this.seen.keys.size >= SEEN_MAX) this.seen = { day, keys: new Set() };
    const k = key(appId, userId);
    if (!this.seen.keys.has(k)) this.active.set(key(appId, userId, day), { appId, userId, at });
    for (const a of [appId, ""]) {
      const open = (this.open.get(a) ?? 0) + 1;
      this.open.set(a, open);
      this.raise(a, day, open);
    }
  }

  socketClosed(appId: string): void {
    for (const a of [appId, ""]) {
      const open = (this.open.get(a) ?? 1) - 1;
      if (open > 0) this.open.set(a, open);
      else this.open.delete(a);
    }
  }

  private raise(appId: string, day: string, open: number): void {
    const k = key(appId, day);
    const p = this.peaks.get(k);
    if (!p) this.peaks.set(k, { appId, day, peak: open, dirty: true });
    else if (open > p.peak) Object.assign(p, { peak: open, dirty: true });
  }

  // -------------------------------------------------------------------------------------------
  // Flushing what this node counted in memory
  // -------------------------------------------------------------------------------------------

  /** Starts the flush timer (idempotent); it never keeps the process alive and stops with the database. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.deps.db.isInitialized) return void this.halt();
      void this.flush().catch((err: unknown) => this.deps.logger.warn({ err }, "usage flush failed"));
    }, this.opts.flushMs ?? USAGE_FLUSH_MS);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left (at shutdown, before the database closes). */
  async stop(): Promise<void> {
    this.halt();
    if (this.deps.db.isInitialized) await this.flush().catch((err: unknown) => this.deps.logger.warn({ err }, "usage flush failed"));
  }

  private halt(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Writes this node's counts since the last flush in one unit: searches, connections' users,
   * socket peaks (today's peak is at least what is open now, so a day that starts with sockets
   * open has its peak without a new connection). On failure the counts are kept for the next one.
   */
  flush(now = Date.now()): Promise<void> {
    const run = async (): Promise<void> => {
      await this.flushing?.catch(() => undefined);
      const today = dayOf(now);
      for (const [appId, open] of this.open) this.raise(appId, today, open);
      const searches = [...this.searches.values()];
      const active = [...this.active.values()];
      const peaks = [...this.peaks.values()].filter((p) => p.dirty).map((p) => ({ ...p }));
      const pruneNow = now >= this.nextPrune;
      if (searches.length === 0 && active.length === 0 && peaks.length === 0 && !pruneNow) return;
      this.searches = new Map();
      this.active = new Map();
      for (const p of peaks) this.peaks.get(key(p.appId, p.day))!.dirty = false;
      try {
        await this.deps.uow.run(async ({ m }) => {
          await markActive(
            m,
            active,
            searches.map((s) => ({ appId: s.appId, day: s.day, searches: s.n })),
          );
          await raisePeaks(m, this.node, peaks);
          if (pruneNow) await prune(m, now);
        });
      } catch (err) {
        for (const s of searches) {
          const was = this.searches.get(key(s.appId, s.day));
          if (was) was.n += s.n;
          else this.searches.set(key(s.appId, s.day), { ...s });
        }
        for (const a of active) this.active.set(key(a.appId, a.userId, dayOf(a.at)), a);
        for (const p of peaks) {
          const live = this.peaks.get(key(p.appId, p.day));
          if (live) live.dirty = true;
        }
        throw err;
      }
      if (pruneNow) this.nextPrune = now + PRUNE_EVERY_MS;
      for (const a of active) if (dayOf(a.at) === this.seen.day) this.seen.keys.add(key(a.appId, a.userId));
      // Past days' peaks are written: only today's can still rise.
      for (const [k, p] of this.peaks) if (p.day !== today && !p.dirty) this.peaks.delete(k);
    };
    const flushing = run();
    this.flushing = flushing;
    return flushing;
  }

  // -------------------------------------------------------------------------------------------
  // Reading
  // -------------------------------------------------------------------------------------------

  /**
   * The last `days` UTC days (today included) of one app, or of every app (`appId` null: a sum;
   * users belong to one app, so active users add up exactly). Three queries, whatever the
   * app holds: its usage_daily rows, its socket peaks and its months.
   */
  async report(appId: string | null, days: ConsoleUsageDays, now = Date.now()): Promise<ConsoleUsageResponse> {
    const to = dayOf(now);
    const from = daysBefore(to, days - 1);
    const fromMonth = from.slice(0, 7);
    const toMonth = monthOf(now);
    const db = this.deps.db;
    const [daily, sockets, monthly] = (await Promise.all([
      appId === null
        ? db.query(
            "SELECT day, SUM(messages) AS messages, SUM(activeUsers) AS activeUsers, SUM(searches) AS searches, SUM(webhooksDelivered) AS webhooksDelivered, SUM(webhooksFailed) AS webhooksFailed, SUM(calls) AS calls, SUM(callSeconds) AS callSeconds, SUM(agentReplies) AS agentReplies, SUM(agentPromptTokens) AS agentPromptTokens, SUM(agentCompletionTokens) AS agentCompletionTokens FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY day",
            [from, to],
          )
        : db.query(
            "SELECT day, messages, activeUsers, searches, webhooksDelivered, webhooksFailed, calls, callSeconds, agentReplies, agentPromptTokens, agentCompletionTokens FROM usage_daily WHERE appId = ? AND day >= ? AND day <= ?",
            [appId, from, to],
          ),
      db.query("SELECT day, SUM(peak) AS peak FROM usage_sockets WHERE appId = ? AND day >= ? AND day <= ? GROUP BY day", [appId ?? "", from, to]),
      appId === null
        ? db.query("SELECT month, SUM(activeUsers) AS activeUsers FROM usage_monthly WHERE month >= ? AND month <= ? GROUP BY month", [fromMonth, toMonth])
        : db.query("SELECT month, activeUsers FROM usage_monthly WHERE appId = ? AND month >= ? AND month <= ?", [appId, fromMonth, toMonth]),
    ])) as [Row[], Row[], Row[]];
    const byDay = new Map(daily.map((r) => [String(r["day"]), r]));
    const peakOf = new Map(sockets.map((r) => [String(r["day"]), num(r["peak"])]));
    const series: ConsoleUsageDay[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const day = daysBefore(to, i);
      const r = byDay.get(day);
      series.push({
        day,
        messages: num(r?.["messages"]),
        activeUsers: num(r?.["activeUsers"]),
        peakSockets: peakOf.get(day) ?? 0,
        webhooksDelivered: num(r?.["webhooksDelivered"]),
        webhooksFailed: num(r?.["webhooksFailed"]),
        searches: num(r?.["searches"]),
        calls: num(r?.["calls"]),
        callSeconds: num(r?.["callSeconds"]),
        agentReplies: num(r?.["agentReplies"]),
        agentPromptTokens: num(r?.["agentPromptTokens"]),
        agentCompletionTokens: num(r?.["agentCompletionTokens"]),
      });
    }
    const byMonth = new Map(monthly.map((r) => [String(r["month"]), num(r["activeUsers"])]));
    const months: ConsoleUsageMonth[] = [];
    for (const month of new Set(series.map((d) => d.day.slice(0, 7)))) months.push({ month, activeUsers: byMonth.get(month) ?? 0 });
    return { appId, days, from, to, series, months };
  }
}
