import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Ack, Message } from "@parley/sdk/protocol";
import { PresenceAudience } from "../src/presence/presence.audience.js";
import { SearchService } from "../src/search/search.service.js";
import { openDb, seedDms, seedGroup, seedHistory, seedLastMessages, seedUsers, type Db } from "../bench/seed.js";
import { startServer, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { recordQueries, type Recorded } from "./helpers/queries.js";
import { connect, request, type ClientSocket } from "./helpers/sockets.js";

// Indexes proven by EXPLAIN: every statement the hot paths really run (a send batch, history
// pages, sync, the conversation list) is recorded from TypeORM's logger, then explained on the
// run's database, seeded large enough for the planner to care. A full scan of a big table fails.

const BIG_TABLES = new Set(["messages", "events", "members", "conversations", "users", "refresh_tokens", "blocks", "reactions", "uploads"]);

describe("query plans of the hot paths", () => {
  let s: TestServer;
  let seed: Db;
  let appId = "";
  const sockets: ClientSocket[] = [];
  let users: { id: string; token: string }[] = [];
  let dms: string[] = [];
  let group = "";
  let deep = 0;

  before(async () => {
    s = await startServer();
    seed = await openDb(TEST_DB === "mysql" ? { mysqlUrl: s.databaseUrl! } : { sqliteFile: path.join(s.dataDir, "parley.sqlite") });
    appId = (await s.createTenant("Plans")).id;
    users = await seedUsers(seed, appId, 400, { jwtSecret: TEST_JWT_SECRET, passwordHash: "x", prefix: "plan" });
    dms = await seedDms(
      seed,
      appId,
      Array.from({ length: 200 }, (_, k) => [users[2 * k]!.id, users[2 * k + 1]!.id] as [string, string]),
    );
    group = await seedGroup(
      seed,
      appId,
      "Plans group",
      users.slice(0, 100).map((u) => u.id),
    );
    const [first, last] = await seedHistory(seed, appId, dms[0]!, [users[0]!.id, users[1]!.id], 30_000);
    deep = Math.floor((first + last) / 2);
    await seedLastMessages(
      seed,
      appId,
      dms.slice(1).map((id, k) => ({ id, sender: users[2 * (k + 1)]!.id })),
    );
    // A user in 60 conversations: the list's page then asks about many at once, where a planner
    // weighs an IN list of conversations against other indexes.
    const many = await seedDms(
      seed,
      appId,
      Array.from({ length: 60 }, (_, k) => [users[399]!.id, users[2 * k]!.id] as [string, string]),
    );
    await seedLastMessages(
      seed,
      appId,
      many.map((id, k) => ({ id, sender: users[2 * k]!.id })),
    );
    // Some events to sync over: the sends below add more.
    for (let i = 0; i < 6; i++) sockets.push(await connect(s, users[i]!.token));
  });

  after(async () => {
    for (const so of sockets) so.close();
    await seed?.close();
    await s?.close();
  });

  /**
   * The tests after the first explain with the planner's statistics gathered. The first explains
   * without them, as a deployed SQLite database runs: nothing there runs ANALYZE, and its planner
   * strays differently with and without statistics (and reads them once, when it connects).
   */
  let analyzed: Promise<void> | undefined;
  const analyze = (): Promise<void> =>
    (analyzed ??= s.services.db.query(TEST_DB === "mysql" ? "ANALYZE TABLE messages, events, members, conversations, users" : "ANALYZE").then(() => undefined));

  /** Runs `fn` and returns the SELECT / UPDATE / DELETE statements it made. */
  const record = (fn: () => Promise<void>): Promise<Recorded[]> => recordQueries(s.services, fn, /^\s*(SELECT|UPDATE|DELETE)\b/i);

  /** Full scans of big tables in the plan of one statement ([] when it uses indexes). */
  async function fullScans(q: Recorded): Promise<string[]> {
    if (TEST_DB === "mysql") {
      const rows: { table: string | null; type: string | null; key: string | null }[] = await s.services.db.query(`EXPLAIN ${q.sql}`, q.params);
      return rows.filter((r) => r.type === "ALL" && r.table !== null && BIG_TABLES.has(r.table)).map((r) => `${r.table}: type ALL`);
    }
    const rows: { detail: string }[] = await s.services.db.query(`EXPLAIN QUERY PLAN ${q.sql}`, q.params);
    const aliases = tableAliases(q.sql);
    return [
      ...rows
        .map((r) => /^SCAN (\S+)(.*)$/.exec(r.detail))
        .filter((m): m is RegExpExecArray => m !== null && !/USING (COVERING )?INDEX/.test(m[2]!) && BIG_TABLES.has(aliases.get(m[1]!) ?? m[1]!))
        .map((m) => m[0]),
      ...timelineByThreadIndex(q, rows),
    ];
  }

  /**
   * SQLite without statistics takes `threadId IS NULL` for a selective equality and reads the
   * timeline of every conversation of every app through ix_messages_thread: the unread counts of
   * the conversation list did (150 ms at 1,000,000 messages, 3 ms by conversation). As costly as
   * a full scan, though the plan says SEARCH.
   */
  function timelineByThreadIndex(q: Recorded, rows: { detail: string }[]): string[] {
    if (!/threadId["`]? IS NULL/i.test(q.sql)) return [];
    return rows.filter((r) => /USING (COVERING )?INDEX ix_messages_thread \(threadId=\?\)/.test(r.detail)).map((r) => `${r.detail} (the whole timeline)`);
  }

  async function assertIndexed(what: string, statements: Recorded[]): Promise<void> {
    assert.ok(statements.length > 0, `${what}: recorded no statements`);
    const problems: string[] = [];
    for (const q of statements) {
      const scans = await fullScans(q);
      if (scans.length) problems.push(`${scans.join(", ")}\n    in: ${q.sql.replace(/\s+/g, " ")}\n    params: ${JSON.stringify(q.params).slice(0, 200)}`);
    }
    console.log(`# ${what}: ${statements.length} statements explained, ${problems.length} with full scans`);
    assert.deepEqual(problems, [], `${what}: full scans of big tables`);
  }

  test("without the planner's statistics, the conversation list and history scan no big table", async () => {
    assert.equal(analyzed, undefined, "runs before ANALYZE");
    await assertIndexed(
      "conversation list, no statistics",
      await record(async () => {
        assert.equal((await s.api.get(`/conversations`, { token: users[399]!.token })).status, 200);
        assert.equal((await s.api.get(`/conversations?limit=100`, { token: users[399]!.token })).status, 200);
      }),
    );
    await assertIndexed(
      "history, no statistics",
      await record(async () => {
        assert.equal((await s.api.get(`/conversations/${dms[0]}/messages?limit=50&before=${deep}`, { token: users[0]!.token })).status, 200);
      }),
    );
  });

  test("a send batch (DMs, a group, a retry, a reply) scans no big table", async () => {
    await analyze();
    const stmts = await record(async () => {
      const acks: Promise<Ack<Message>>[] = [];
      for (let i = 0; i < 6; i++) {
        const conv = i < 4 ? dms[Math.floor(i / 2)]! : group;
        acks.push(request<Message>(sockets[i]!, "message.send", { conversationId: conv, text: `plan ${i}`, clientMessageId: `plan-${i}` }));
        acks.push(request<Message>(sockets[i]!, "message.send", { conversationId: conv, text: `again ${i}`, replyToId: String(deep) }));
      }
      const first = await Promise.all(acks);
      assert.ok(
        first.every((a) => a.ok || (!a.ok && a.error.code === "validation_failed")),
        JSON.stringify(first.filter((a) => !a.ok)),
      );
      // Retries of stored clientMessageIds take the duplicate path.
      const retries = await Promise.all(
        [0, 1, 2].map((i) =>
          request<Message>(sockets[i]!, "message.send", { conversationId: dms[Math.floor(i / 2)]!, text: `plan ${i}`, clientMessageId: `plan-${i}` }),
        ),
      );
      assert.ok(retries.every((a) => a.ok));
    });
    await assertIndexed("send batch", stmts);
  });

  test("a batch's retry look-up reads each (sender, clientMessageId) pair by the unique index, not each sender's messages (issue 56)", async () => {
    await analyze();
    // users[0] and users[1] have 15,000 messages each (dms[0]'s history). Every SDK send carries a
    // clientMessageId; the look-up asked for the senders IN (…) AND the ids IN (…): a cross product
    // of the lists, which SQLite answered by reading every message of each sender.
    const stmts = await record(async () => {
      const acks = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          request<Message>(sockets[i]!, "message.send", {
            conversationId: dms[Math.floor(i / 2)]!,
            text: `pair ${i}`,
            clientMessageId: `pair-${i}-${Date.now()}`,
          }),
        ),
      );
      assert.ok(
        acks.every((a) => a.ok),
        JSON.stringify(acks),
      );
    });
    const lookUps = stmts.filter((q) => /FROM[\s\S]*messages[\s\S]*clientMessageId/.test(q.sql) && /^\s*SELECT/i.test(q.sql));
    assert.ok(lookUps.length >= 1, `the batch looked its client ids up: ${stmts.map((q) => q.sql.slice(0, 60)).join(" | ")}`);
    for (const q of lookUps) {
      const pairs = (q.params ?? []).filter((p) => typeof p === "string" && p.startsWith("pair-")).length;
      if (TEST_DB === "mysql") {
        const [row]: Record<string, string>[] = await s.services.db.query(`ANALYZE FORMAT=JSON ${q.sql}`, q.params);
        const plan = JSON.parse(Object.values(row!)[0]!);
        const read = rowsRead(plan, "messages") + rowsRead(plan, "m");
        // And the index look-ups (one a pair; a list of senders times a list of ids made one a combination).
        const runner = s.services.db.createQueryRunner();
        try {
          const lookUpsSoFar = async (): Promise<number> =>
            Number(((await runner.query("SHOW SESSION STATUS LIKE 'Handler_read_key'")) as { Value: string }[])[0]!.Value);
          const before = await lookUpsSoFar();
          await runner.query(q.sql, q.params);
          const probes = (await lookUpsSoFar()) - before;
          console.log(`# messages read to look up ${pairs} client ids: ${read}, index look-ups: ${probes}`);
          assert.ok(read <= pairs, `messages read to look up ${pairs} client ids: ${read}`);
          assert.ok(probes <= pairs, `index look-ups for ${pairs} client ids: ${probes}`);
        } finally {
          await runner.release();
        }
      } else {
        const plan: { detail: string }[] = await s.services.db.query(`EXPLAIN QUERY PLAN ${q.sql}`, q.params);
        const searches = plan.map((r) => r.detail).filter((d) => /\bmessages\b|\bm\b/.test(d) && /^SEARCH|^SCAN/.test(d));
        console.log(`# the retry look-up's plan: ${plan.map((r) => r.detail).join(" / ")}`);
        assert.ok(
          searches.length > 0 && searches.every((d) => /uq_messages_client_id \(appId=\? AND senderId=\? AND clientMessageId=\?\)/.test(d)),
          `each pair found by the whole unique key: ${searches.join(" / ")}`,
        );
      }
    }
  });

  test("history pages (newest and deep), sync and the conversation list scan no big table", async () => {
    await analyze();
    const u = users[0]!;
    const headers = { token: u.token };
    await assertIndexed(
      "history",
      await record(async () => {
        assert.equal((await s.api.get(`/conversations/${dms[0]}/messages?limit=50`, headers)).status, 200);
        assert.equal((await s.api.get(`/conversations/${dms[0]}/messages?limit=50&before=${deep}`, headers)).status, 200);
        assert.equal((await s.api.get(`/conversations/${dms[0]}/messages?limit=50&after=${deep}`, headers)).status, 200);
      }),
    );
    await assertIndexed(
      "sync",
      await record(async () => {
        assert.equal((await s.api.get(`/sync?since=0&limit=100`, headers)).status, 200);
      }),
    );
    await assertIndexed(
      "conversation list",
      await record(async () => {
        assert.equal((await s.api.get(`/conversations?limit=100`, { token: users[2]!.token })).status, 200);
        assert.equal((await s.api.get(`/conversations?limit=100`, { token: users[399]!.token })).status, 200);
      }),
    );
  });

  test("a search reads the caller's newest messages by index: by conversation, and the app's newest by primary key", async () => {
    await analyze();
    const { db, membership, presenter, conversations } = s.services;
    // users[0]'s DM has 30,000 messages: a word found in none of them reads the recent ones, then the index.
    const caller = { appId, user: users[0]!.id };
    for (const opts of [{}, { recentScanConversationsMax: 0 }]) {
      const search = new SearchService({ db, membership, presenter, conversations }, opts);
      await assertIndexed(
        `search ${JSON.stringify(opts)}`,
        await record(async () => {
          await search.search(caller, { q: "nowhere", limit: 20 });
          await search.search(caller, { q: "plan", limit: 20 });
        }),
      );
    }
  });

  test("a socket connect (its rooms, both session checks, its relations, the last-seen read; issue 34's plain SQL) scans no big table", async () => {
    await analyze();
    // users[7] is in a DM and the big group, and has no socket yet.
    const token = users[7]!.token;
    const { sessionId } = s.services.tokens.verifyAccess(token);
    let checks = 0;
    let bothChecked: () => void = () => undefined;
    const checked = new Promise<void>((resolve) => {
      bothChecked = resolve;
    });
    const logger = s.services.db.logger;
    const stmts = await record(async () => {
      // The second session check runs after the connect: wait for it, not for the clock.
      const inner = logger.logQuery.bind(logger);
      logger.logQuery = (sql, params, qr) => {
        if (/refresh_tokens/.test(sql) && Array.isArray(params) && params.includes(sessionId) && ++checks === 2) bothChecked();
        return inner(sql, params, qr);
      };
      try {
        sockets.push(await connect(s, token));
        await checked;
      } finally {
        logger.logQuery = inner;
      }
    });
    const sessionChecks = stmts.filter((q) => /refresh_tokens/.test(q.sql));
    const rooms = stmts.filter((q) => /^SELECT conversationId FROM members WHERE/.test(q.sql));
    assert.equal(sessionChecks.length, 2, "both session checks were explained");
    assert.equal(rooms.length, 1, "the handshake's room read was explained");
    // Every statement of the connect: its rooms, both session checks, its relations and the snapshot's last-seen read.
    await assertIndexed("socket connect", stmts);
  });

  test("a connect's relations count a group's members only up to the app's presence group size (issue 56)", async () => {
    await analyze();
    // users[7] is in a DM and the group of 100. With the app's size at 10 the group is too big for
    // presence to be pushed: that is found by reading 11 of its member rows, not 100, so n members
    // of a big group coming online read O(n) rows, not n².
    const audience = new PresenceAudience(s.services.db, s.services.presence, 100, s.services.apps);
    const user = users[7]!.id;
    const relations = async (): Promise<{ conversations: string[]; statements: Recorded[] }> => {
      let r: Awaited<ReturnType<PresenceAudience["relationsOf"]>> | undefined;
      const statements = await recordQueries(
        s.services,
        async () => {
          r = await audience.relationsOf(appId, user, { delivery: true, circle: true });
        },
        /FROM contacts/,
      );
      return { conversations: r!.conversationIds.sort(), statements };
    };
    const dm = dms[3]!;
    try {
      assert.deepEqual((await relations()).conversations, [dm, group].sort(), "at the server's size (100) the group is pushed presence");
      await s.services.apps.update(appId, { presenceGroupMax: 10 });
      const { conversations, statements } = await relations();
      assert.deepEqual(conversations, [dm], "above the app's size (10) the group is left out");
      assert.equal(statements.length, 1, "one statement for the relations");
      if (TEST_DB !== "mysql") return;
      // The member rows MariaDB really read to size the user's conversations (ANALYZE runs it):
      // for the circle and for the delivery, 11 of the group's and the DM's 2.
      const q = statements[0]!;
      const [row]: Record<string, string>[] = await s.services.db.query(`ANALYZE FORMAT=JSON ${q.sql}`, q.params);
      const read = rowsRead(JSON.parse(Object.values(row!)[0]!), "n");
      console.log(`# member rows read to size a connect's conversations (a DM, a group of 100, size 10): ${read}`);
      assert.ok(read <= 2 * (11 + 2), `member rows read to size the conversations: ${read}`);
    } finally {
      await s.services.apps.update(appId, { presenceGroupMax: null });
    }
  });

  test("slow mode finds a member's last message by the conversation's index (issue 56: no index by sender and id)", async () => {
    await analyze();
    // users[0] owns the group of 100; users[60] is a plain member who has not written, so slow mode reads for them.
    const slow = (seconds: number) => s.api.put(`/moderation/conversations/${group}/slow-mode`, { token: users[0]!.token, body: { seconds } });
    assert.equal((await slow(60)).status, 200);
    try {
      const statements = await record(async () => {
        assert.equal((await s.api.post(`/conversations/${group}/messages`, { token: users[60]!.token, body: { text: "slowly" } })).status, 201);
      });
      assert.ok(
        statements.some((q) => /SELECT id, senderId, createdAt FROM messages/.test(q.sql)),
        "the send read the member's last message",
      );
      await assertIndexed("slow mode's last message", statements);
    } finally {
      assert.equal((await slow(0)).status, 200);
    }
  });

  test("a data export and an account deletion (issue 17) read only the user's rows: no big table scanned", async () => {
    await analyze();
    // users[0] wrote half of the 30,000-message DM: the export pages through them by its own index.
    await assertIndexed(
      "data export",
      await record(async () => {
        assert.equal((await s.api.get("/me/export", { token: users[0]!.token })).status, 200);
      }),
    );
    // users[4] is in a DM and the big group: the deletion's statements, each of its units.
    const key = await s.services.serverKeys.create(appId, "plans");
    await s.services.db.query("UPDATE users SET externalId = ? WHERE id = ?", ["plans-4", users[4]!.id]);
    await assertIndexed(
      "account deletion",
      await record(async () => {
        const res = await s.api.del("/server/users/plans-4", {
          headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` },
        });
        assert.equal(res.status, 204, JSON.stringify(res.body));
      }),
    );
  });
});

/** `FROM messages m` / `JOIN members mb` -> alias to table, so SQLite's "SCAN m" names its table. */
function tableAliases(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN|UPDATE)\s+[`"]?(\w+)[`"]?(?:\s+(?:AS\s+)?[`"]?(\w+)[`"]?)?/gi)) {
    const table = m[1]!;
    const alias = m[2];
    if (alias && !/^(WHERE|ON|SET|JOIN|LEFT|INNER|USING|FORCE|ORDER|GROUP|LIMIT)$/i.test(alias)) out.set(alias, table);
    out.set(table, table);
  }
  return out;
}

/** Rows read through `alias` in a MariaDB `ANALYZE FORMAT=JSON` plan: each access's loops × rows a loop. */
function rowsRead(plan: unknown, alias: string): number {
  if (Array.isArray(plan)) return plan.reduce((sum: number, p) => sum + rowsRead(p, alias), 0);
  if (plan === null || typeof plan !== "object") return 0;
  const node = plan as Record<string, unknown>;
  const own = node.table_name === alias ? Number(node.r_loops ?? 0) * Number(node.r_rows ?? 0) : 0;
  return own + Object.values(node).reduce((sum: number, v) => sum + rowsRead(v, alias), 0);
}
