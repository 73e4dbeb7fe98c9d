/**
 * Message search (`--only search`): the six probes for a user in 50 conversations and for one in
 * all 1,000, then eight heavy searchers against another user's sends and conversation list.
 */
import { documentText } from "../../src/search/terms.js";
import { seedApp, seedMemberships, seedSearchCorpus, seedUsers, type SeededUser } from "../seed.js";
import { fmt, httpLatency, log, now, pct, sampler, sleep } from "../harness/measure.js";
import { JWT_SECRET, QUICK, SIZE } from "../harness/options.js";
import type { Target } from "../harness/processes.js";
import { addGetRow, addRow } from "../harness/report.js";

/**
 * Message search (issue 17): an app of SIZE.searchMessages messages over 1,000 two-person groups,
 * the searcher in 50 of them (so ~5% of the messages are theirs to find), their search rows
 * seeded as the index hook writes them. p50/p95 of GET /v1/search for a common word (~20% of
 * messages), two words, a rare word (1 in 20,000), a CJK bigram, a short prefix, and a common word
 * in one conversation. Goal: p50 <= 50 ms. Then the same six probes for one user in all 1,000
 * conversations (issue 34: search for a user in 1,000 conversations).
 */
export async function searchScenarios(target: Target): Promise<void> {
  const db = target.db!;
  const appId = await seedApp(db);
  const [me, ...peers] = await seedUsers(db, appId, 51, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "search" });
  const t0 = now();
  const corpus = await seedSearchCorpus(
    db,
    appId,
    me!.id,
    peers.map((p) => p.id),
    {
      count: SIZE.searchMessages,
      conversations: 1000,
      mineCount: 50,
      documentText,
    },
  );
  const seedSec = (now() - t0) / 1000;
  log(`${target.name}: seeded ${SIZE.searchMessages} searchable messages in ${seedSec.toFixed(1)} s`);
  await sleep(500);
  await searchProbes(target, me!, "user in 50 convs", corpus.mine[0]!, { seedSec });
  // The same probes for one user in all 1,000 conversations (every message of the app theirs to
  // search), read up to about the last 5 messages of each, as heavySearchers' users: the search
  // itself, not the unread counts of a member who never reads.
  const [all] = await seedUsers(db, appId, 1, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "searchall" });
  await seedMemberships(db, appId, [all!.id], corpus.all, Math.max(0, (await db.maxMessageId()) - 5 * corpus.all.length));
  await searchProbes(target, all!, `user in ${corpus.all.length.toLocaleString("en")} convs`, corpus.mine[0]!, { seedSec });
  await heavySearchers(target, appId, me!, corpus.all);
}

/**
 * The six search probes for `user`, sequential, one row each: `Search (N msgs, <who>), <probe>`.
 * `one` is a conversation of theirs for the one-conversation probe.
 */
async function searchProbes(target: Target, user: SeededUser, who: string, one: string, extra: Record<string, unknown>): Promise<void> {
  const probes: [string, string][] = [
    ["common word (hello)", "q=hello"],
    ["two words (hello world)", "q=hello%20world"],
    ["rare word (zanzibar)", "q=zanzibar"],
    ["CJK bigram (東京)", `q=${encodeURIComponent("東京")}`],
    ["prefix (prog)", "q=prog"],
    ["common word, one conversation", `q=hello&conversationId=${one}`],
  ];
  // Up to 100 requests a probe (warm-up 3), cut at 5 s (quick) or 15 s: a slow probe costs a bounded time.
  const n = Math.min(SIZE.httpReqs, 100);
  for (const [label, qs] of probes) {
    const smp = sampler(target.pid);
    const t0 = now();
    const r = await httpLatency(target.url, user.token, () => `/v1/search?${qs}`, n, { warmup: 3, deadlineMs: QUICK ? 5_000 : 15_000 });
    const srv = smp.stop();
    const probeSec = (now() - t0) / 1000;
    const sample = (await fetch(`${target.url}/v1/search?${qs}&limit=50`, { headers: { authorization: `Bearer ${user.token}` } }).then((x) => x.json())) as {
      items?: unknown[];
    };
    addGetRow(`Search (${SIZE.searchMessages.toLocaleString("en")} msgs, ${who}), ${label}`, target.name, r, srv, {
      ...extra,
      probeSec,
      hitsOnFirstPage50: sample.items?.length ?? null,
    });
    log(
      `${target.name}: search (${who}) ${label}: p50 ${fmt(pct(r.sorted, 50))} ms, p95 ${fmt(pct(r.sorted, 95))} ms (${sample.items?.length ?? "?"} hits in a 50-page) in ${probeSec.toFixed(1)} s`,
    );
  }
}

/**
 * Red team round 3 (G3): eight users, each a member of all 1,000 conversations (every message of
 * the app is theirs to search), search a common word over and over, in parallel, while another
 * user sends messages and lists their conversations — first alone, then under that load. Printed:
 * the heavy searches' latency (each bounded by SEARCH_BUDGET_MS, whatever the membership) and the
 * other user's p99 with and without them. Goal: under 100 ms p99 for the other user.
 */
async function heavySearchers(target: Target, appId: string, other: SeededUser, conversations: string[]): Promise<void> {
  const db = target.db!;
  const heavy = await seedUsers(db, appId, 8, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "heavy" });
  // Read up to about the last 5 messages of each conversation, as the searcher above: a page's
  // conversations are presented with unread counts, and a member of 1,000 busy conversations who
  // never reads costs ~1 s of MariaDB per page at 1,000,000 messages (20,000 unread rows counted),
  // in the conversation list as much as in search (docs/performance.md, known weaknesses).
  await seedMemberships(
    db,
    appId,
    heavy.map((h) => h.id),
    conversations,
    Math.max(0, (await db.maxMessageId()) - 5 * conversations.length),
  );
  const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const room = conversations[0]!;
  /** The other user's send then list, over and over until `until`: their latencies. */
  const otherUser = async (until: number): Promise<{ send: number[]; list: number[]; errors: number }> => {
    const out = { send: [] as number[], list: [] as number[], errors: 0 };
    for (let i = 0; now() < until; i++) {
      let t0 = now();
      const sent = await fetch(`${target.url}/v1/conversations/${room}/messages`, {
        method: "POST",
        headers: { ...auth(other.token), "content-type": "application/json" },
        body: JSON.stringify({ text: `meanwhile ${i}` }),
      });
      await sent.arrayBuffer();
      out.send.push(now() - t0);
      t0 = now();
      const listed = await fetch(`${target.url}/v1/conversations`, { headers: auth(other.token) });
      await listed.arrayBuffer();
      out.list.push(now() - t0);
      if (!sent.ok || !listed.ok) out.errors++;
    }
    return out;
  };
  const seconds = QUICK ? 5 : 15;
  const alone = await otherUser(now() + 2000);
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const label = `(${SIZE.searchMessages.toLocaleString("en")} msgs)`;
  // Twice: at the production per-user limit (RATE_LIMIT_SEARCH_PER_USER, 30 a minute: one search
  // every 2 s each, what an attacker gets), then as fast as they can (the limit off, as in this
  // bench's server): the bound on one search's cost alone.
  for (const [phase, gapMs] of [
    ["at the per-user limit (30/min each)", 2000],
    ["unthrottled", 0],
  ] as const) {
    const until = now() + seconds * 1000;
    const searches: number[] = [];
    let searchErrors = 0;
    const smp = sampler(target.pid);
    const [loaded] = await Promise.all([
      otherUser(until),
      ...heavy.map(async (h, k) => {
        if (gapMs) await sleep((gapMs * k) / heavy.length);
        while (now() < until) {
          const t0 = now();
          const r = await fetch(`${target.url}/v1/search?q=hello`, { headers: auth(h.token) });
          await r.arrayBuffer();
          searches.push(now() - t0);
          if (!r.ok) searchErrors++;
          if (gapMs) await sleep(Math.max(0, gapMs - (now() - t0)));
        }
      }),
    ]);
    const srv = smp.stop();
    const row = (scenario: string, xs: number[], errors: number, load: string): void =>
      addRow({
        scenario,
        target: target.name,
        load,
        throughput: `${(xs.length / seconds).toFixed(1)} req/s`,
        p50: pct(sorted(xs), 50),
        p95: pct(sorted(xs), 95),
        p99: pct(sorted(xs), 99),
        serverCpuPct: srv.cpuPct,
        serverMainCpuPct: srv.mainCpuPct,
        serverRssMb: srv.rssMb,
        genCpuPct: null,
        delivered: `${xs.length - errors}/${xs.length} 2xx`,
        result: errors ? "FAIL" : "OK",
      });
    row(`Search by 8 users in all 1,000 convs, common word, ${phase} ${label}`, searches, searchErrors, `8 users, ${seconds} s`);
    row(`Another user's send while they search ${phase} ${label}`, loaded.send, loaded.errors, `seq., ${seconds} s`);
    row(`Another user's conversation list while they search ${phase} ${label}`, loaded.list, loaded.errors, `seq., ${seconds} s`);
    log(
      `${target.name}: other user alone: send p99 ${fmt(pct(sorted(alone.send), 99))} ms, list p99 ${fmt(pct(sorted(alone.list), 99))} ms; with 8 heavy searchers ${phase}: send p99 ${fmt(pct(sorted(loaded.send), 99))} ms, list p99 ${fmt(pct(sorted(loaded.list), 99))} ms`,
    );
  }
}
