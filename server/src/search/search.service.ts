import { In, type DataSource } from "typeorm";
import type { SearchHit, SearchResponse } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { isStatementTimeout } from "../db/db-errors.js";
import { dialectOf } from "../db/sql.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { MessageEntity } from "../messages/message.entity.js";
import type { MessagePresenter } from "../messages/messages.presenter.js";
import type { UserCaller } from "../shared/caller.js";
import type { SearchQuota } from "./search-quota.js";
import { searchCursor, type SearchInput } from "./search.schema.js";
import { conversationToken, queryTerms, snippetOf, textMatches, type QueryTerm } from "./terms.js";

export interface SearchDeps {
  db: DataSource;
  membership: MembershipGuard;
  presenter: MessagePresenter;
  conversations: ConversationsService;
  /** Per-user and per-app search limits (SearchQuota); none where a test builds the service bare. */
  quota?: Pick<SearchQuota, "take">;
  /** Counts searches for the console's usage charts (usage/); none where a test builds the service bare. */
  usage?: { searched(appId: string): void };
}

/**
 * Up to this many conversations, the full-text query itself is limited to the caller's (an OR of
 * their conversations' tokens ANDed with the terms), so the index reads only their messages; a
 * user in more is filtered by a join on the members table instead. SQLite's FTS5 walks an OR of
 * 200 terms newest first and stops at the page; InnoDB's FULLTEXT evaluates such an OR in full
 * (measured: 250 ms for a rare word with 50 conversations, 2 ms by the join), so on MariaDB only
 * a search within one conversation names it in the query (docs/performance.md).
 */
export const CONVERSATION_TOKENS_MAX = { sqlite: 200, mysql: 1 } as const;

/** How many of the caller's newest messages are matched in app code before the index is asked (see `find`). */
export const RECENT_SCAN_ROWS = 2000;
/** Above this many conversations, the app's newest messages are read instead (`window`), not each conversation's (`recent`). */
export const RECENT_SCAN_CONVERSATIONS_MAX = 200;

/** What one search may cost the database by default, in ms (SEARCH_BUDGET_MS). */
export const SEARCH_BUDGET_MS = 250;
/** How many windows of the app's newest messages a member of many conversations reads at most (see `appWindows`). */
export const WINDOW_READS = 4;
/** The first id window a windowed search reads; each window that does not fill the page doubles it. */
export const SEARCH_WINDOW_IDS = 50_000;
/** SQLite: the largest window one statement reads. */
export const SEARCH_WINDOW_MAX_IDS = 800_000;

/**
 * What a search found: ids newest first, and `floor`: everything of the caller's in [floor, before)
 * was searched, below it nothing yet (0: all of it). A floor above 0 means the budget ran out: the
 * page answers what was found, and its cursor continues from the floor.
 */
interface Found {
  ids: number[];
  floor: number;
}

const NO_CURSOR = Number.MAX_SAFE_INTEGER;

/** One search, as the strategies below take it: who asks, for what, where, and until when. */
interface Ask {
  caller: UserCaller;
  terms: QueryTerm[];
  /** The caller's conversations searched (one when the search names it: `only`). */
  conversations: string[];
  only: string | undefined;
  /** Only ids below this one (the cursor), NO_CURSOR for the newest. */
  before: number;
  /** How many ids to find: the page and one more, to know there is a next page. */
  limit: number;
  /** When the budget ends (ms since the epoch). */
  deadline: number;
}

/**
 * Message search (issue 17): full text over the messages the caller can read now — their app, the
 * conversations they are a member of today (membership is read at query time: leaving one hides
 * all of it, old messages too), live messages only (the index holds no deleted message and only
 * a message's current text: search/search.index.ts). Newest first, keyset-paged by message id.
 * Terms are made in app code (search/terms.ts); SQLite matches them with FTS5, MariaDB with an
 * InnoDB FULLTEXT index in BOOLEAN MODE. Snippets and highlights are computed here, for the page only.
 */
export class SearchService {
  constructor(
    private readonly deps: SearchDeps,
    private readonly opts: {
      conversationTokensMax?: number;
      recentScanRows?: number;
      recentScanConversationsMax?: number;
      budgetMs?: number;
      windowIds?: number;
    } = {},
  ) {}

  /** The MySQL flavour, asked once: MariaDB and MySQL bound a statement's time differently. */
  private mariadb: Promise<boolean> | undefined;

  async search(caller: UserCaller, input: SearchInput): Promise<SearchResponse> {
    const { appId, user } = caller;
    await this.deps.quota?.take(appId, user);
    const before = decodeCursor(searchCursor, input.cursor)?.i ?? NO_CURSOR;
    const terms = queryTerms(input.q);
    let conversations: string[];
    if (input.conversationId !== undefined) {
      await this.deps.membership.require(appId, input.conversationId, user);
      conversations = [input.conversationId];
    } else {
      conversations = await this.deps.membership.conversationIds(appId, user);
    }
    this.deps.usage?.searched(appId);
    if (terms.length === 0 || conversations.length === 0) return { items: [], nextCursor: null, conversations: [] };

    const ask: Ask = {
      caller,
      terms,
      conversations,
      only: input.conversationId,
      before,
      limit: input.limit + 1,
      deadline: Date.now() + (this.opts.budgetMs ?? SEARCH_BUDGET_MS),
    };
    const hits = await this.find(ask);
    const pageIds = hits.ids.slice(0, input.limit);
    const more = hits.ids.length > input.limit;
    const nextBefore = more ? pageIds[pageIds.length - 1]! : hits.floor > 0 ? hits.floor : null;
    // By primary key only (app and liveness checked here): with `appId = ?` in the query, SQLite
    // picks the (appId, senderId, id) index and scans the app's messages.
    const found = pageIds.length ? await this.deps.db.getRepository(MessageEntity).find({ where: { id: In(pageIds) } }) : [];
    const rows = found.filter((r) => r.appId === appId && r.deletedAt === null).sort((a, b) => b.id - a.id);
    const messages = await this.deps.presenter.present(rows, user);
    const items: SearchHit[] = messages.map((message) => ({ message, ...snippetOf(message.text ?? "", terms) }));
    const convIds = [...new Set(messages.map((x) => x.conversationId))];
    return {
      items,
      nextCursor: nextBefore === null ? null : encodeCursor({ i: nextBefore }),
      conversations: await this.deps.conversations.presentMine(caller, convIds),
    };
  }

  /**
   * Both databases: a full-text index costs per matching row of the whole app, however few the
   * page needs. InnoDB's FULLTEXT about 20-50 µs a row (measured: 4 s for a word in 20% of
   * 1,000,000 messages), and a range on the id does not shorten it. SQLite's FTS5 reads a rowid
   * window cheaply, but a common word ANDed with the caller's conversations still walks the
   * word's whole doclist in each window (measured: 310-330 ms at 1,000,000 messages for a user in
   * 50 conversations, 2 s for one in 1,000, the server's one thread busy all that time).
   *
   * So the caller's newest messages are read first (`recent`, or `window` for a member of many
   * conversations) and matched here with the same terms (terms.ts `textMatches`). Down to the
   * floor of that read nothing of theirs is unread, so the hits above it are exactly the index's.
   * Only if they do not fill the page is the index asked, below the floor, within the search's
   * remaining budget (`sqliteIndexBelow`, or one bounded FULLTEXT query on MariaDB). Stopped, the
   * search answers the hits it has, with a cursor at the floor: the next page reads on from there.
   * A common word is found in the read; a rare one by the index, which is fast for it.
   */
  private async find(ask: Ask): Promise<Found> {
    const { terms, conversations, before, limit } = ask;
    const scanRows = this.opts.recentScanRows ?? RECENT_SCAN_ROWS;
    const read: Found =
      scanRows === 0
        ? { ids: [], floor: before }
        : conversations.length <= (this.opts.recentScanConversationsMax ?? RECENT_SCAN_CONVERSATIONS_MAX)
          ? await this.recent(terms, conversations, before, scanRows)
          : await this.appWindows(ask, scanRows);
    if (read.ids.length >= limit || read.floor === 0) return { ids: read.ids.slice(0, limit), floor: 0 };
    const rest: Ask = { ...ask, before: read.floor, limit: limit - read.ids.length };
    if (dialectOf(this.deps.db) !== "mysql") {
      const more = await this.sqliteIndexBelow(rest);
      return { ids: [...read.ids, ...more.ids], floor: more.floor };
    }
    // Nothing read (the index alone, a test's setting): a stop would leave the cursor where it was.
    const deadline = scanRows === 0 ? undefined : ask.deadline;
    try {
      return { ids: [...read.ids, ...(await this.matchingIds(rest, 0, deadline))], floor: 0 };
    } catch (err) {
      // A stop (or an overflow of InnoDB's result cache, the same error) answers what was read,
      // with a cursor at its floor; a floor that did not move would hand back the same cursor.
      if (!isStatementTimeout(err) || read.floor >= ask.before) throw err;
      return read;
    }
  }

  /**
   * The newest of each of the caller's conversations (about `scanRows` in all) in one UNION of
   * index range scans, matched here. A user in at most RECENT_SCAN_CONVERSATIONS_MAX.
   */
  private async recent(terms: QueryTerm[], conversations: string[], before: number, scanRows: number): Promise<Found> {
    const per = Math.max(1, Math.ceil(scanRows / conversations.length));
    // SQLite takes no ORDER BY or LIMIT in a compound's arms, only in a subquery's; the index is
    // pinned there because, once ANALYZEd, it may walk the table by rowid (see messages.service `page`).
    const one =
      dialectOf(this.deps.db) === "mysql"
        ? "(SELECT id, conversationId, text, stream FROM messages WHERE conversationId = ? AND id < ? AND deletedAt IS NULL ORDER BY id DESC LIMIT ?)"
        : "SELECT * FROM (SELECT id, conversationId, text, stream FROM messages INDEXED BY ix_messages_conversation WHERE conversationId = ? AND id < ? AND deletedAt IS NULL ORDER BY id DESC LIMIT ?)";
    const rows: { id: number | string; conversationId: string; text: string | null; stream: string | null }[] = await this.deps.db.query(
      conversations.map(() => one).join(" UNION ALL "),
      conversations.flatMap((c) => [c, before, per]),
    );
    const count = new Map<string, { n: number; oldest: number }>();
    for (const r of rows) {
      const c = count.get(r.conversationId) ?? { n: 0, oldest: Number.MAX_SAFE_INTEGER };
      c.n++;
      c.oldest = Math.min(c.oldest, Number(r.id));
      count.set(r.conversationId, c);
    }
    // A conversation that gave `per` rows may have older ones unread: below its oldest, unknown.
    let floor = 0;
    for (const c of count.values()) if (c.n >= per) floor = Math.max(floor, c.oldest);
    return { ids: matching(rows, terms, floor), floor };
  }

  /**
   * The app's newest messages window after window (`window`), up to WINDOW_READS, while the last
   * one found something and the page is not full. A word of the middle band (about 1 % of the
   * messages: a few hits a window, thousands in the app) fills the page here; with the index it took
   * the whole budget on MariaDB (271 ms p50 for "hello world", a member of 1,000 conversations). A
   * window without a hit goes to the index at once: a rare word is fast there.
   */
  private async appWindows(ask: Ask, scanRows: number): Promise<Found> {
    const ids: number[] = [];
    let floor = ask.before;
    for (let n = 0; n < WINDOW_READS; n++) {
      const w = await this.window({ ...ask, before: floor }, scanRows);
      ids.push(...w.ids);
      floor = w.floor;
      if (w.ids.length === 0 || ids.length >= ask.limit || floor === 0 || Date.now() >= ask.deadline) break;
    }
    return { ids, floor };
  }

  /**
   * A user in more conversations than a UNION should name: the app's newest messages, one range of
   * the primary key read newest first (at most `scanRows` rows, within SEARCH_WINDOW_IDS ids below
   * `before`), kept here when they are in one of the caller's conversations and matched. Its cost is
   * that range, whatever the membership. (With the membership as an `IN (SELECT … members)` in the
   * query, MariaDB drove from the members, one range per conversation, and sorted: ~200 ms of its
   * CPU per search for a member of 1,000 conversations at 1,000,000 messages.)
   */
  private async window({ caller, terms, conversations, before }: Ask, scanRows: number): Promise<Found> {
    const top = before === NO_CURSOR ? await this.topId() : before;
    const low = Math.max(0, top - (this.opts.windowIds ?? SEARCH_WINDOW_IDS));
    // By the primary key alone: SQLite's NOT INDEXED still reads the rowid range.
    const table = dialectOf(this.deps.db) === "mysql" ? "messages FORCE INDEX (PRIMARY)" : "messages NOT INDEXED";
    const rows: { id: number | string; conversationId: string; text: string | null; stream: string | null }[] = await this.deps.db.query(
      `SELECT id, conversationId, text, stream FROM ${table}
       WHERE id < ? AND id >= ? AND appId = ? AND deletedAt IS NULL
       ORDER BY id DESC LIMIT ?`,
      [top, low, caller.appId, scanRows],
    );
    const floor = rows.length >= scanRows ? Number(rows[rows.length - 1]!.id) : low;
    const mine = new Set(conversations);
    return {
      ids: matching(
        rows.filter((r) => mine.has(r.conversationId)),
        terms,
        floor,
      ),
      floor,
    };
  }

  /**
   * SQLite, below what `find` read: FTS5 reads a rowid range cheaply, so the index is asked window
   * by window, newest first (SEARCH_WINDOW_IDS ids, doubling while a window leaves the page
   * unfilled), until the page is full, the oldest message is reached, or the budget is spent —
   * then it answers what it found, with a cursor at the last window's floor.
   */
  private async sqliteIndexBelow(ask: Ask): Promise<Found> {
    const { before, limit, deadline } = ask;
    let high = before === NO_CURSOR ? await this.topId() : before;
    let size = this.opts.windowIds ?? SEARCH_WINDOW_IDS;
    const ids: number[] = [];
    while (high > 1) {
      const low = Math.max(0, high - size);
      ids.push(...(await this.matchingIds({ ...ask, before: high, limit: limit - ids.length }, low)));
      if (ids.length >= limit || low === 0) return { ids, floor: 0 };
      high = low;
      if (Date.now() >= deadline) return { ids, floor: high };
      // Doubling, but capped: better-sqlite3 blocks the event loop for a whole statement, and the
      // deadline is only looked at between windows.
      size = Math.min(size * 2, SEARCH_WINDOW_MAX_IDS);
    }
    return { ids, floor: 0 };
  }

  /** One above the newest message id (of every app: the primary key's end, read at once). */
  private async topId(): Promise<number> {
    const rows: { top: number | string | null }[] = await this.deps.db.query("SELECT MAX(id) AS top FROM messages");
    return Number(rows[0]?.top ?? 0) + 1;
  }

  /**
   * Ids of matching messages in [low, before), newest first, at most `limit`: one query. With a
   * `deadline` (MySQL), the server stops the statement there and it throws (isStatementTimeout).
   */
  private async matchingIds({ caller, terms, conversations, only, before, limit }: Ask, low: number, deadline?: number): Promise<number[]> {
    const mysql = dialectOf(this.deps.db) === "mysql";
    const byTokens = conversations.length <= (this.opts.conversationTokensMax ?? CONVERSATION_TOKENS_MAX[mysql ? "mysql" : "sqlite"]);
    const scope = byTokens ? conversations.map(conversationToken) : [];
    // Terms are ASCII `[a-z0-9]` words (terms.ts encodeTerm): nothing in them is query syntax.
    const match = mysql
      ? [...terms.map((t) => `+${t.word}${t.prefix ? "*" : ""}`), ...(scope.length ? [`+(${scope.join(" ")})`] : [])].join(" ")
      : [...terms.map((t) => `${t.word}${t.prefix ? "*" : ""}`), ...(scope.length ? [`(${scope.join(" OR ")})`] : [])].join(" AND ");
    const members = byTokens
      ? { join: "", where: "", params: [] as unknown[] }
      : {
          join: "JOIN messages msg ON msg.id = ID_COLUMN",
          where:
            only === undefined
              ? "AND msg.conversationId IN (SELECT mb.conversationId FROM members mb WHERE mb.appId = ? AND mb.userId = ?)"
              : "AND msg.conversationId = ?",
          params: (only === undefined ? [caller.appId, caller.user] : [only]) as unknown[],
        };
    const sql = mysql
      ? `SELECT s.messageId AS id FROM message_search s ${members.join.replace("ID_COLUMN", "s.messageId")}
         WHERE MATCH(s.terms) AGAINST (? IN BOOLEAN MODE) AND s.appId = ? AND s.messageId < ? AND s.messageId >= ? ${members.where}
         ORDER BY s.messageId DESC LIMIT ?`
      : `SELECT f.rowid AS id FROM message_search_fts f ${members.join.replace("ID_COLUMN", "f.rowid")}
         WHERE message_search_fts MATCH ? AND f.rowid < ? AND f.rowid >= ? ${members.where}
         ORDER BY f.rowid DESC LIMIT ?`;
    const params = mysql ? [match, caller.appId, before, low, ...members.params, limit] : [match, before, low, ...members.params, limit];
    const rows: { id: number | string }[] = await this.deps.db.query(deadline === undefined ? sql : await this.bounded(sql, deadline), params);
    return rows.map((r) => Number(r.id));
  }

  /** `sql` stopped by the server at `deadline`: MariaDB's max_statement_time, MySQL's MAX_EXECUTION_TIME hint. */
  private async bounded(sql: string, deadline: number): Promise<string> {
    const ms = Math.max(10, deadline - Date.now());
    this.mariadb ??= this.deps.db.query("SELECT VERSION() AS v").then(
      (rows: { v: string }[]) => /mariadb/i.test(String(rows[0]?.v)),
      (err: unknown) => {
        this.mariadb = undefined; // a failed look-up is asked again next time, not remembered
        throw err;
      },
    );
    return (await this.mariadb)
      ? `SET STATEMENT max_statement_time = ${(ms / 1000).toFixed(3)} FOR ${sql}`
      : sql.replace(/^\s*SELECT/, `SELECT /*+ MAX_EXECUTION_TIME(${ms}) */`);
  }
}

/** Ids (newest first) of the rows at or above `floor` whose text matches every term. */
function matching(rows: { id: number | string; text: string | null; stream?: string | null }[], terms: QueryTerm[], floor: number): number[] {
  // A streaming message's text is not final (messages/streaming.ts): the index takes it when it ends.
  return rows
    .filter((r) => Number(r.id) >= floor && r.text !== null && r.text !== "" && r.stream !== "streaming" && textMatches(r.text, terms))
    .map((r) => Number(r.id))
    .sort((a, b) => b - a);
}
