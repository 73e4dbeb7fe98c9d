import { In, type DataSource } from "typeorm";
import { z } from "zod";
import type { SearchHit, SearchResponse } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { dialectOf } from "../db/sql.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { MessageEntity } from "../messages/message.entity.js";
import type { MessagePresenter } from "../messages/messages.presenter.js";
import type { UserCaller } from "../shared/caller.js";
import type { SearchInput } from "./search.schema.js";
import { conversationToken, queryTerms, snippetOf, textMatches, type QueryTerm } from "./terms.js";

export interface SearchDeps {
  db: DataSource;
  membership: MembershipGuard;
  presenter: MessagePresenter;
  conversations: ConversationsService;
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

/** MariaDB: how many of the caller's newest messages are matched in app code before the index is asked (see `recentThenIndex`). */
export const RECENT_SCAN_ROWS = 2000;
/** MariaDB: above this many conversations, no recent scan (one range scan per conversation). */
export const RECENT_SCAN_CONVERSATIONS_MAX = 200;

const cursorSchema = z.strictObject({ i: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const NO_CURSOR = Number.MAX_SAFE_INTEGER;

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
    private readonly opts: { conversationTokensMax?: number; recentScanRows?: number } = {},
  ) {}

  async search(caller: UserCaller, input: SearchInput): Promise<SearchResponse> {
    const { appId, user } = caller;
    const before = decodeCursor(cursorSchema, input.cursor)?.i ?? NO_CURSOR;
    const terms = queryTerms(input.q);
    let conversations: string[];
    if (input.conversationId !== undefined) {
      await this.deps.membership.require(appId, input.conversationId, user);
      conversations = [input.conversationId];
    } else {
      conversations = await this.deps.membership.conversationIds(appId, user);
    }
    if (terms.length === 0 || conversations.length === 0) return { items: [], nextCursor: null, conversations: [] };

    const scanRows = this.opts.recentScanRows ?? RECENT_SCAN_ROWS;
    const ids =
      dialectOf(this.deps.db) === "mysql" && scanRows > 0 && conversations.length <= RECENT_SCAN_CONVERSATIONS_MAX
        ? await this.recentThenIndex(caller, terms, conversations, input.conversationId, before, input.limit + 1, scanRows)
        : await this.matchingIds(caller, terms, conversations, input.conversationId, before, input.limit + 1);
    const pageIds = ids.slice(0, input.limit);
    const more = ids.length > input.limit;
    // By primary key only (app and liveness checked here): with `appId = ?` in the query, SQLite
    // picks the (appId, senderId, id) index and scans the app's messages.
    const found = pageIds.length ? await this.deps.db.getRepository(MessageEntity).find({ where: { id: In(pageIds) } }) : [];
    const rows = found.filter((r) => r.appId === appId && r.deletedAt === null).sort((a, b) => b.id - a.id);
    const messages = await this.deps.presenter.present(rows, user);
    const items: SearchHit[] = messages.map((message) => ({ message, ...snippetOf(message.text ?? "", terms) }));
    const convIds = [...new Set(messages.map((x) => x.conversationId))];
    return {
      items,
      nextCursor: more ? encodeCursor({ i: pageIds[pageIds.length - 1]! }) : null,
      conversations: await this.deps.conversations.presentMine(caller, convIds),
    };
  }

  /**
   * MariaDB: InnoDB's FULLTEXT search costs about 20-50 µs per matching row of the whole app
   * (measured: 4 s for a word in 20% of 1,000,000 messages), however few the page needs. So the
   * caller's newest messages are read first — about `scanRows` of them, the newest of each of
   * their conversations, in one UNION of index range scans — and matched here with the same terms
   * (terms.ts `textMatches`). Down to `floor` (the highest id at which some conversation's scan
   * stopped) nothing of theirs is unread, so the hits above it are exactly the index's; only if
   * they do not fill the page does the full-text query run, below `floor`. A common word is found
   * in the scan; a rare one by the index, which is fast for it.
   */
  private async recentThenIndex(
    caller: UserCaller,
    terms: QueryTerm[],
    conversations: string[],
    only: string | undefined,
    before: number,
    limit: number,
    scanRows: number,
  ): Promise<number[]> {
    const per = Math.max(1, Math.ceil(scanRows / conversations.length));
    const one = "(SELECT id, conversationId, text FROM messages WHERE conversationId = ? AND id < ? AND deletedAt IS NULL ORDER BY id DESC LIMIT ?)";
    const rows: { id: number | string; conversationId: string; text: string | null }[] = await this.deps.db.query(
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
    const hits = rows
      .filter((r) => Number(r.id) >= floor && r.text !== null && r.text !== "" && textMatches(r.text, terms))
      .map((r) => Number(r.id))
      .sort((a, b) => b - a);
    if (hits.length >= limit || floor === 0) return hits.slice(0, limit);
    return [...hits, ...(await this.matchingIds(caller, terms, conversations, only, floor, limit - hits.length))];
  }

  /** Ids of matching messages below `before`, newest first, at most `limit`: one query. `only`: the one conversation asked for. */
  private async matchingIds(
    caller: UserCaller,
    terms: QueryTerm[],
    conversations: string[],
    only: string | undefined,
    before: number,
    limit: number,
  ): Promise<number[]> {
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
         WHERE MATCH(s.terms) AGAINST (? IN BOOLEAN MODE) AND s.appId = ? AND s.messageId < ? ${members.where}
         ORDER BY s.messageId DESC LIMIT ?`
      : `SELECT f.rowid AS id FROM message_search_fts f ${members.join.replace("ID_COLUMN", "f.rowid")}
         WHERE message_search_fts MATCH ? AND f.rowid < ? ${members.where}
         ORDER BY f.rowid DESC LIMIT ?`;
    const params = mysql ? [match, caller.appId, before, ...members.params, limit] : [match, before, ...members.params, limit];
    const rows: { id: number | string }[] = await this.deps.db.query(sql, params);
    return rows.map((r) => Number(r.id));
  }
}
