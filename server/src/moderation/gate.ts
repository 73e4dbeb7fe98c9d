import type { DataSource, EntityManager } from "typeorm";
import { MODERATION_LIMITS, type FilterWord, type WordFilter } from "@parley/sdk/protocol";
import { dialectOf, marks } from "../db/sql.js";
import { AppError } from "../shared/errors.js";
import { iso } from "../shared/time.js";
import { applyFilter, type CompiledFilter, compileFilter, parseWordFilter } from "./word-filter.js";

/** How long a node trusts its cached copy of an app's word filter (a change on this node is seen at once). */
const FILTER_CACHE_MS = 10_000;
/** Past this many slow-mode reservations, the expired ones are dropped. */
const RESERVATIONS_SWEEP_AT = 10_000;

/**
 * What readSends found for a batch's sends: each muted send's mute (`until` in epoch ms, null for no
 * end; expired ones too) by sendKey, and the slow mode (seconds) of each conversation that has one,
 * by appId and conversationId.
 */
export interface SendFacts {
  mutes: Map<string, number | null>;
  slowSeconds: Map<string, number>;
}
const sendKey = (k: SendCheckKey): string => `${k.appId}\u0000${k.userId}\u0000${k.conversationId}`;
/** The sends by app, in first-seen order. */
const groupByApp = (sends: readonly SendCheckKey[]): [string, SendCheckKey[]][] => {
  const byApp = new Map<string, SendCheckKey[]>();
  for (const k of sends) {
    const mine = byApp.get(k.appId);
    if (mine) mine.push(k);
    else byApp.set(k.appId, [k]);
  }
  return [...byApp];
};

/** A member's send, as checkSends looks it up. */
export interface SendCheckKey {
  appId: string;
  userId: string;
  conversationId: string;
}
/** What slow mode needs of a Redis client (node-redis). */
export interface SlowModeStore {
  set(key: string, value: string, opts: { NX: true; PX: number }): Promise<string | null>;
  pTTL(key: string): Promise<number>;
}

/**
 * The checks other domains ask moderation before they write: is a user banned (app or
 * conversation), muted, within slow mode, and what the word filter makes of a text. It reads the
 * moderation tables (owned by ModerationService, which writes them) and holds two small per-node
 * caches: compiled word filters (invalidated on this node when set, else after FILTER_CACHE_MS)
 * and the last admitted send per member under slow mode, so two sends racing on one node cannot
 * both pass. With Redis (several nodes) that reservation is a key set only if absent (SET NX PX),
 * so two sends racing on two nodes cannot both pass either; while Redis is down each node keeps
 * its own, and the database's last message is the cross-node truth.
 */
export class ModerationGate {
  private readonly filters = new Map<string, { until: number; filter: CompiledFilter; names: boolean }>();
  private readonly reserved = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    /** Shared slow-mode reservations across nodes (scale/redis.ts `ops`); none on one node. */
    private readonly redis?: { client: SlowModeStore; prefix: string },
  ) {}

  /** Whether the user is one of the app's moderators. */
  async isModerator(appId: string, userId: string, m: EntityManager = this.db.manager): Promise<boolean> {
    const rows: unknown[] = await m.query("SELECT userId FROM app_moderators WHERE appId = ? AND userId = ?", [appId, userId]);
    return rows.length > 0;
  }

  /**
   * The user's ban from the whole app (its reason), or null. One point query on the unique index
   * per call: requireAuth runs it on every request, so a ban stops access tokens already issued at
   * once, on every node, with no cache to invalidate across nodes. The price is one indexed read
   * per authenticated request (cheap next to the request's own queries); a per-node cache would
   * save it but leave a banned user's tokens working on other nodes until it expired.
   */
  async appBanOf(appId: string, userId: string): Promise<{ reason: string | null } | null> {
    const rows: { reason: string | null }[] = await this.db.query(
      "SELECT reason FROM moderation_sanctions WHERE appId = ? AND userId = ? AND kind = 'ban' AND conversationId = ''",
      [appId, userId],
    );
    return rows[0] ? { reason: rows[0].reason ?? null } : null;
  }

  /** Sign-in, refresh and host-token sessions of an app-banned user are refused, with the ban's reason. */
  async assertNotAppBanned(appId: string, userId: string): Promise<void> {
    const ban = await this.appBanOf(appId, userId);
    if (ban) throw appBanned(ban.reason);
  }

  /** Refuses adding (or letting in) users banned from the conversation or the app. */
  async assertNotBanned(m: EntityManager, appId: string, conversationId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    const rows: { userId: string; reason: string | null }[] = await m.query(
      `SELECT userId, reason FROM moderation_sanctions WHERE appId = ? AND kind = 'ban' AND conversationId IN (?, '') AND userId IN (${marks(userIds.length)})`,
      [appId, conversationId, ...userIds],
    );
    const banned = [...new Set(rows.map((r) => String(r.userId)))].filter((u) => userIds.includes(u));
    if (banned.length === 0) return;
    // One user (their own send or join): the moderator's reason is theirs to read.
    const reason = userIds.length === 1 ? (rows.find((r) => r.reason)?.reason ?? null) : null;
    throw new AppError("banned", "Banned from this conversation", { userIds: banned, ...(reason ? { banReason: reason } : {}) });
  }

  /**
   * What checkSends decides on: the mutes of these senders in these conversations, and the
   * conversations' slow mode. Two indexed IN-list reads per app, asked at once (db/pipeline.ts: on
   * MySQL they go with the send batch's other checks, one round trip). A per-send subquery on a
   * table of the sends cost MariaDB about 1.8 ms a batch of 50; these cost a fraction of that.
   */
  async readSends(m: EntityManager, sends: readonly SendCheckKey[]): Promise<SendFacts> {
    const facts: SendFacts = { mutes: new Map(), slowSeconds: new Map() };
    await Promise.all(
      groupByApp(sends).map(async ([appId, mine]) => {
        const users = [...new Set(mine.map((k) => k.userId))];
        const conversations = [...new Set(mine.map((k) => k.conversationId))];
        const [mutes, slow] = await Promise.all([
          // The senders' mutes in any conversation (a few rows at most; the ones of this batch's
          // conversations are picked below): an IN list on userId alone is one index range per
          // sender, where a second IN list on conversationId made MariaDB plan their cross product.
          m.query(
            `SELECT userId, conversationId, \`until\` FROM moderation_sanctions WHERE appId = ? AND userId IN (${marks(users.length)}) AND kind = 'mute'`,
            [appId, ...users],
          ) as Promise<{ userId: string; conversationId: string; until: number | string | null }[]>,
          m.query(`SELECT conversationId, seconds FROM moderation_slow_mode WHERE appId = ? AND conversationId IN (${marks(conversations.length)})`, [
            appId,
            ...conversations,
          ]) as Promise<{ conversationId: string; seconds: number | string }[]>,
        ]);
        for (const r of mutes)
          facts.mutes.set(sendKey({ appId, userId: r.userId, conversationId: r.conversationId }), r.until === null ? null : Number(r.until));
        for (const r of slow) if (Number(r.seconds) > 0) facts.slowSeconds.set(`${appId}\u0000${r.conversationId}`, Number(r.seconds));
      }),
    );
    return facts;
  }

  /**
   * The send batch's participant (messages/send-writer.ts), in its unit of work: for each member's
   * send, in order, null or its refusal — `muted` (with until), or `slow_mode` (with
   * retryAfterSec) for a plain member within the conversation's interval. The caller passes
   * members' sends only (it answers a non-member's send with 404 before moderation). The senders'
   * roles are read only where slow mode is on (owners and admins are exempt from it). Sends of one
   * batch take slow mode's turns in order, so a second send of the same member in the batch is
   * refused as a later one would be.
   */
  async checkSends(m: EntityManager, sends: readonly SendCheckKey[], read?: SendFacts): Promise<(AppError | null)[]> {
    if (sends.length === 0) return [];
    const facts = read ?? (await this.readSends(m, sends));
    const slowSeconds = (send: SendCheckKey): number => facts.slowSeconds.get(`${send.appId}\u0000${send.conversationId}`) ?? 0;
    const roles = await this.rolesOf(
      m,
      sends.filter((send) => slowSeconds(send) > 0),
    );
    const out: (AppError | null)[] = [];
    for (const send of sends) {
      const muteUntil = facts.mutes.get(sendKey(send));
      const seconds = slowSeconds(send);
      try {
        if (muteUntil !== undefined && (muteUntil === null || muteUntil > Date.now())) throwMuted(muteUntil);
        if (seconds > 0 && roles.get(sendKey(send)) === "member") await this.slowMode(send.appId, send.userId, send.conversationId, seconds, m);
        out.push(null);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        out.push(err);
      }
    }
    return out;
  }

  /** The senders' roles in the conversations of these sends, by sendKey (one statement per app). */
  private async rolesOf(m: EntityManager, sends: readonly SendCheckKey[]): Promise<Map<string, string>> {
    const roles = new Map<string, string>();
    for (const [appId, mine] of groupByApp(sends)) {
      const users = [...new Set(mine.map((k) => k.userId))];
      const conversations = [...new Set(mine.map((k) => k.conversationId))];
      const rows: { userId: string; conversationId: string; role: string }[] = await m.query(
        `SELECT userId, conversationId, role FROM members WHERE appId = ? AND conversationId IN (${marks(conversations.length)}) AND userId IN (${marks(users.length)})`,
        [appId, ...conversations, ...users],
      );
      for (const r of rows) roles.set(sendKey({ appId, userId: r.userId, conversationId: r.conversationId }), r.role);
    }
    return roles;
  }

  /** Before a member's edit: muted members cannot edit either; the word filter applies as at send. */
  async beforeEdit(appId: string, userId: string, conversationId: string, text: string, m?: EntityManager): Promise<string> {
    const filtered = await this.filterText(appId, text, m);
    await this.assertNotMuted(appId, userId, conversationId, m);
    return filtered;
  }

  /** The user's live mute in the conversation, if any: `until` in epoch ms, null for no end. */
  async muteOf(appId: string, userId: string, conversationId: string, m: EntityManager = this.db.manager): Promise<{ until: number | null } | null> {
    const rows: { until: number | string | null }[] = await m.query(
      "SELECT `until` FROM moderation_sanctions WHERE appId = ? AND userId = ? AND kind = 'mute' AND conversationId = ?",
      [appId, userId, conversationId],
    );
    const row = rows[0];
    if (!row) return null;
    const until = row.until === null ? null : Number(row.until);
    return until === null || until > Date.now() ? { until } : null;
  }

  private async assertNotMuted(appId: string, userId: string, conversationId: string, m?: EntityManager): Promise<void> {
    const mute = await this.muteOf(appId, userId, conversationId, m);
    if (mute) throwMuted(mute.until);
  }

  /** Slow mode for a plain member (owners and admins were let through by the caller; moderators are here). */
  private async slowMode(appId: string, userId: string, conversationId: string, seconds: number, m: EntityManager): Promise<void> {
    if (await this.isModerator(appId, userId, m)) return;
    const key = `${conversationId}\u0000${userId}`;
    const now = Date.now();
    const lastAt = Math.max(await lastSentSince(m, appId, userId, conversationId, now - seconds * 1000), this.reserved.get(key) ?? 0);
    let waitMs = lastAt + seconds * 1000 - now;
    if (waitMs <= 0 && this.redis) waitMs = await this.reserveShared(key, seconds * 1000);
    if (waitMs > 0) {
      const retryAfterSec = Math.ceil(waitMs / 1000);
      throw new AppError(
        "slow_mode",
        `Slow mode: one message every ${seconds} s; try again in ${retryAfterSec} s`,
        { retryAfterSec, seconds },
        {
          "Retry-After": String(retryAfterSec),
        },
      );
    }
    if (this.reserved.size >= RESERVATIONS_SWEEP_AT) {
      for (const [k, at] of this.reserved) if (now - at > MODERATION_LIMITS.slowModeMaxSec * 1000) this.reserved.delete(k);
    }
    this.reserved.set(key, now);
  }

  /** 0 when this send took the member's turn on every node, else how long the turn taken elsewhere lasts (ms). */
  private async reserveShared(key: string, ms: number): Promise<number> {
    const k = `${this.redis!.prefix}slow:${key}`;
    try {
      if ((await this.redis!.client.set(k, "1", { NX: true, PX: ms })) === "OK") return 0;
      return Math.max(1, await this.redis!.client.pTTL(k));
    } catch {
      return 0; // Redis down: this node's reservation and the database decide, as on one node.
    }
  }

  /**
   * The text as the word filter leaves it: masked words as asterisks, or `content_blocked`. Words
   * disguised by invisible characters, look-alike letters, accents or spacing count too
   * (word-filter.ts).
   */
  async filterText(appId: string, text: string, m?: EntityManager): Promise<string> {
    const result = applyFilter((await this.filterOf(appId, m)).filter, text);
    if (result.blocked.length > 0) {
      throw new AppError("content_blocked", "This message contains words this app does not allow", { words: result.blocked.slice(0, 20) });
    }
    return result.text;
  }

  /**
   * A group or display name as the word filter leaves it (masked words as asterisks, or
   * `content_blocked`) when the app filters names; else the name as given.
   */
  async filterName(appId: string, name: string, m?: EntityManager): Promise<string> {
    const { filter, names } = await this.filterOf(appId, m);
    if (!names) return name;
    const result = applyFilter(filter, name);
    if (result.blocked.length > 0) {
      throw new AppError("content_blocked", "This name contains words this app does not allow", { words: result.blocked.slice(0, 20) });
    }
    return result.text;
  }

  /** The app's word list as stored. */
  async wordsOf(appId: string, m: EntityManager = this.db.manager): Promise<FilterWord[]> {
    return (await this.wordFilterOf(appId, m)).words;
  }

  /** The app's word list and whether names pass it, as stored. */
  async wordFilterOf(appId: string, m: EntityManager = this.db.manager): Promise<WordFilter> {
    const rows: { words: string }[] = await m.query("SELECT words FROM moderation_word_filters WHERE appId = ?", [appId]);
    return parseWordFilter(rows[0] ? String(rows[0].words) : null);
  }

  /** Forgets this node's copy of the app's filter (after it was set here). */
  invalidateFilter(appId: string): void {
    this.filters.delete(appId);
  }

  private async filterOf(appId: string, m?: EntityManager): Promise<{ filter: CompiledFilter; names: boolean }> {
    const now = Date.now();
    const hit = this.filters.get(appId);
    if (hit && hit.until > now) return hit;
    const stored = await this.wordFilterOf(appId, m);
    const entry = { until: now + FILTER_CACHE_MS, filter: compileFilter(stored.words), names: stored.names };
    this.filters.set(appId, entry);
    return entry;
  }
}

function throwMuted(until: number | null): never {
  const at = until === null ? null : iso(until);
  throw new AppError("muted", at ? `You are muted in this conversation until ${at}` : "You are muted in this conversation", { until: at });
}

/** The refusal of an app-banned user: `details.banReason` is the moderator's reason, when they gave one. */
export const appBanned = (reason: string | null): AppError =>
  new AppError("banned", "This account is banned from this app", reason ? { banReason: reason } : undefined);

/** Messages of a conversation read a page at a time, newest first, while slow mode looks for the sender's last. */
const SLOW_MODE_PAGE = 100;

/**
 * When `userId` last wrote in the conversation since `since` (epoch ms), or 0: its newest messages,
 * by its own index, back to the first one older than `since`. There is no index by sender and
 * conversation (issue 56: every send would write one more page); a slow-mode conversation's
 * window holds at most one message a plain member, so this reads the window, not the history.
 * Ids follow commits and `createdAt` the writing node's clock: nodes' clocks a little apart can
 * end the walk a message early, by as much as they are apart.
 */
async function lastSentSince(m: EntityManager, appId: string, userId: string, conversationId: string, since: number): Promise<number> {
  // Pinned, as history pages are (messages.service.ts): with a small LIMIT, a planner may walk the
  // whole table backwards by id instead, for a conversation with few messages.
  const pinned = dialectOf(m) === "mysql" ? "messages FORCE INDEX (ix_messages_conversation)" : "messages INDEXED BY ix_messages_conversation";
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows: { id: number | string; senderId: string; createdAt: number | string }[] = await m.query(
      `SELECT id, senderId, createdAt FROM ${pinned} WHERE conversationId = ? AND appId = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      [conversationId, appId, before, SLOW_MODE_PAGE],
    );
    for (const r of rows) {
      if (Number(r.createdAt) < since) return 0;
      if (r.senderId === userId) return Number(r.createdAt);
    }
    if (rows.length < SLOW_MODE_PAGE) return 0;
    before = Number(rows[rows.length - 1]!.id);
  }
}
