import assert from "node:assert/strict";
import { after, before, describe, mock, test } from "node:test";
import type { AuthResponse, ConsoleAuditPage, ConsoleHealthResponse, ConsoleUsageDay, ConsoleUsageResponse, Conversation } from "@parley/sdk/protocol";
import { MIGRATIONS } from "../src/schema.js";
import { consoleAccount, type Answer, type ConsoleBrowser } from "./helpers/console.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { recordQueries } from "./helpers/queries.js";
import { connect, eventually, type ClientSocket } from "./helpers/sockets.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";
import { cmd, dm, ok, party, type Party } from "./helpers/calls.js";

// The console's usage charts, health and audit log (issue 32, acceptance 5) over real HTTP, on
// SQLite and MariaDB: a week of sends seeded day by day (the clock moved back), figures read from
// the rollup with a fixed number of queries, roles, bad input, and the counts of the other sources
// (webhooks, searches, sockets) against /metrics where it has them.

const METRICS_TOKEN = "metrics-token-for-the-usage-test-0123";
const DAY = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const daysBefore = (day: string, n: number): string => dayOf(Date.parse(`${day}T00:00:00Z`) - n * DAY);
/** The fields a 400 names (`details[].path`). */
const fieldsOf = (a: Answer): string[] => (Array.isArray(a.body?.error?.details) ? a.body.error.details.map((d: { path: string }) => d.path) : []);
const n = (): string => Math.random().toString(36).slice(2, 8);

async function metric(s: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

describe(`the console: usage, health and the audit log (${TEST_DB})`, { timeout: 300_000 }, () => {
  let s: TestServer;
  let op: ConsoleBrowser;
  let opId: string;
  let opEmail: string;
  const receiver = new WebhookReceiver();
  const failing = new WebhookReceiver();

  before(async () => {
    s = await startServer({ METRICS_TOKEN, WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_RETRY_BASE_MS: "50", WEBHOOK_POLL_MS: "50" });
    await Promise.all([receiver.start(), failing.start()]);
    opEmail = `op-${n()}@ops.example`;
    const a = await consoleAccount(s, { email: opEmail, role: "operator" });
    op = a.browser;
    opId = a.me.account.id;
  });
  after(async () => {
    await Promise.all([receiver.close(), failing.close()]);
    await s?.close();
  });

  const tok = (u: AuthResponse) => ({ token: u.accessToken });
  async function group(_appId: string, people: AuthResponse[]): Promise<string> {
    const g = await s.api.post<{ conversation: Conversation }>("/conversations", {
      ...tok(people[0]!),
      body: { name: "Room", memberIds: people.slice(1).map((p) => p.user.id) },
    });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    return g.body.conversation.id;
  }
  async function send(u: AuthResponse | string, conversationId: string, text: string): Promise<void> {
    const r = await s.api.post(`/conversations/${conversationId}/messages`, { token: typeof u === "string" ? u : u.accessToken, body: { text } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const usageOf = async (b: ConsoleBrowser, path: string): Promise<ConsoleUsageResponse> => {
    const r = await b.get<ConsoleUsageResponse>(path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const today = (u: ConsoleUsageResponse): ConsoleUsageDay => u.series[u.series.length - 1]!;

  test("a seeded week shows its messages, daily and monthly active users exactly, per app and in all", async () => {
    const { id: appId } = await s.createTenant("Week");
    const emails = [0, 1, 2, 3].map((i) => `week${i}-${n()}@week.example`);
    const people = await Promise.all(emails.map((email) => s.api.register(appId, { email })));
    const conv = await group(appId, people);
    // Day by day, 6 days ago to today: who sends each message.
    const plan: number[][] = [[0, 1, 0], [], [2, 2, 3, 0, 1], [3], [1, 1, 1, 2], [0, 3], [0, 1, 2, 3, 0, 1]];
    const real = Date.now();
    const last = dayOf(real);
    const before7 = await usageOf(op, "/usage?days=7");

    mock.timers.enable({ apis: ["Date"], now: real });
    try {
      for (const [k, senders] of plan.entries()) {
        const day = daysBefore(last, 6 - k);
        mock.timers.setTime(Math.min(Date.parse(`${day}T12:00:00Z`), real));
        // A session of that day for each sender (the clock moved: yesterday's tokens have expired).
        const tokens = new Map<number, string>();
        for (const who of new Set(senders)) {
          const login = await s.api.post<AuthResponse>("/auth/login", { app: appId, body: { email: emails[who], password: "correct horse battery" } });
          assert.equal(login.status, 200, JSON.stringify(login.body));
          tokens.set(who, login.body.accessToken);
        }
        for (const [i, who] of senders.entries()) await send(tokens.get(who)!, conv, `day ${k} message ${i}`);
      }
    } finally {
      mock.timers.reset();
    }

    const week = await usageOf(op, `/apps/${appId}/usage?days=7`);
    assert.deepEqual([week.appId, week.days, week.from, week.to], [appId, 7, daysBefore(last, 6), last]);
    assert.deepEqual(
      week.series.map((d) => [d.day, d.messages, d.activeUsers]),
      plan.map((senders, k) => [daysBefore(last, 6 - k), senders.length, new Set(senders).size]),
    );
    const monthly = new Map<string, Set<number>>();
    plan.forEach((senders, k) => {
      const month = daysBefore(last, 6 - k).slice(0, 7);
      monthly.set(month, new Set([...(monthly.get(month) ?? []), ...senders]));
    });
    assert.deepEqual(
      week.months,
      [...monthly].map(([month, who]) => ({ month, activeUsers: who.size })),
    );
    // 30 and 90 days: the same days, the rest zeros.
    const quarter = await usageOf(op, `/apps/${appId}/usage?days=90`);
    assert.equal(quarter.series.length, 90);
    assert.deepEqual(quarter.series.slice(-7), week.series);
    assert.equal(
      quarter.series.slice(0, -7).reduce((sum, d) => sum + d.messages + d.activeUsers, 0),
      0,
    );
    assert.equal((await usageOf(op, `/apps/${appId}/usage`)).days, 30);
    // Every app together: this app's week added to what was there.
    const after7 = await usageOf(op, "/usage?days=7");
    assert.equal(after7.appId, null);
    assert.deepEqual(
      after7.series.map((d, i) => [d.messages - before7.series[i]!.messages, d.activeUsers - before7.series[i]!.activeUsers]),
      week.series.map((d) => [d.messages, d.activeUsers]),
    );
  });

  test("a usage page view makes the same queries for 10 and for 1,000 messages, none of them on messages", async () => {
    const { id: appId } = await s.createTenant("Busy");
    const [a, b] = [await s.api.register(appId), await s.api.register(appId)];
    const conv = await group(appId, [a, b]);
    for (let i = 0; i < 10; i++) await send(i % 2 ? a : b, conv, `m ${i}`);
    let last: ConsoleUsageResponse | undefined;
    const view = async () => {
      // The node's own work is done or paused (web pushes of the sends; the usage flush's timer),
      // so only the request's statements are counted.
      await s.services.pushNotifier.idle();
      await s.services.usage.stop();
      try {
        return await recordQueries(s.services, async () => {
          last = await usageOf(op, `/apps/${appId}/usage?days=90`);
        });
      } finally {
        s.services.usage.start();
      }
    };
    await view();
    const at10 = await view();
    assert.equal(today(last!).messages, 10);
    for (let i = 10; i < 1000; i += 45) await Promise.all(Array.from({ length: 45 }, (_, j) => send((i + j) % 2 ? a : b, conv, `m ${i + j}`)));
    const at1000 = await view();
    assert.equal(today(last!).messages, 1000);
    assert.equal(today(last!).activeUsers, 2);
    assert.deepEqual(
      at1000.map((q) => q.sql),
      at10.map((q) => q.sql),
      "the same statements",
    );
    assert.ok(at10.length <= 8, `${at10.length} statements: ${at10.map((q) => q.sql).join(" | ")}`);
    for (const q of at1000) assert.doesNotMatch(q.sql, /\b(FROM|JOIN)\s+[`"]?messages[`"]?\b/i, q.sql);
  });

  test("a sender is marked active by their first send of the day; their later sends write no mark, and the counts stay exact", async () => {
    const { id: appId } = await s.createTenant("Chatty");
    const [a, b] = [await s.api.register(appId), await s.api.register(appId)];
    const conv = await group(appId, [a, b]);
    const marks = (sends: () => Promise<unknown>) => recordQueries(s.services, sends, /usage_active_users/);
    // The first send of each: a mark for the day (and one for the month).
    assert.equal((await marks(() => send(a, conv, "first of a"))).length, 2);
    // Marked, as this node saw the send commit: a batch of later sends writes no mark (issue 34 step 11).
    assert.deepEqual(await marks(() => Promise.all([send(a, conv, "again"), send(a, conv, "and again")])), []);
    // Another sender in the same batch as a marked one: only theirs.
    const mixed = await marks(() => Promise.all([send(a, conv, "a once more"), send(b, conv, "first of b")]));
    assert.ok(mixed.length >= 1 && mixed.every((q) => q.params.includes(b.user.id) && !q.params.includes(a.user.id)), JSON.stringify(mixed));
    await s.services.usage.flush();
    const d = today(await usageOf(op, `/apps/${appId}/usage?days=7`));
    assert.deepEqual([d.messages, d.activeUsers], [5, 2]);
  });

  test("webhook outcomes, searches, live connections and socket peaks are counted; the figures /metrics has agree", async () => {
    const { id: appId } = await s.createTenant("Lively");
    const [alice, bob, carol] = [await s.api.register(appId), await s.api.register(appId), await s.api.register(appId)];
    const conv = await group(appId, [alice, bob, carol]);
    // Two endpoints: one answers 2xx, the other fails twice, then answers.
    failing.answer = () => (failing.received.length <= 2 ? 500 : 200);
    // Deliveries are signed with a server key of the app: without one they wait.
    assert.equal((await op.post(`/apps/${appId}/keys`, { name: "signing" })).status, 201);
    for (const url of [receiver.url, failing.url]) {
      const r = await op.post(`/apps/${appId}/webhooks`, { url, events: ["message.new"] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    await send(alice, conv, "hello webhooks");
    let seen: ConsoleUsageDay | undefined;
    await eventually(async () => {
      seen = today(await usageOf(op, `/apps/${appId}/usage?days=7`));
      return seen.webhooksDelivered === 2 && seen.webhooksFailed === 2;
    }, "two deliveries, after two failed attempts").catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(seen)}, ${receiver.received.length} and ${failing.received.length} requests`);
    });
    assert.equal(failing.received.length, 3);

    // Carol searches twice (searching is not activity); Alice opens two sockets, Bob one.
    for (const q of ["hello", "webhooks"]) assert.equal((await s.api.get(`/search?q=${q}`, tok(carol))).status, 200);
    const sockets: ClientSocket[] = [];
    for (const u of [alice, alice, bob]) sockets.push(await connect(s, u.accessToken, { origin: "https://site.example" }));
    const gauge = await metric(s, "parley_sockets_connected");
    sockets.pop()!.close();
    await eventually(async () => (await metric(s, "parley_sockets_connected")) === gauge - 1, "a socket closed");
    await s.services.usage.flush();
    const d = today(await usageOf(op, `/apps/${appId}/usage?days=7`));
    assert.deepEqual(
      { searches: d.searches, activeUsers: d.activeUsers, peakSockets: d.peakSockets, messages: d.messages },
      { searches: 2, activeUsers: 2, peakSockets: 3, messages: 1 },
    );
    // A reconnect the same day: no one new.
    sockets.push(await connect(s, bob.accessToken, { origin: "https://site.example" }));
    await s.services.usage.flush();
    assert.equal(today(await usageOf(op, `/apps/${appId}/usage?days=7`)).activeUsers, 2);
    for (const x of sockets) x.close();

    // /metrics: this node's gauge at its highest is its peak of every app; every message it stored is in the rollup.
    const all = await usageOf(op, "/usage?days=90");
    assert.equal(today(all).peakSockets, gauge);
    assert.equal(
      all.series.reduce((sum, x) => sum + x.messages, 0),
      await metric(s, "parley_messages_sent_total"),
    );
  });

  test("calls are counted once each, on the day they end, with the seconds of the answered ones (issue 53)", async () => {
    const { id: appId } = await s.createTenant("Talkative");
    const [ann, ben] = [await s.api.register(appId), await s.api.register(appId)];
    const conv = await dm(s, ann, ben);
    const opened: ClientSocket[] = [];
    const a: Party = await party(s, ann, opened);
    const b: Party = await party(s, ben, opened);
    try {
      // Declined: a call, no seconds.
      const first = ok(await cmd(a, "call.start", { conversationId: conv }));
      ok(await cmd(b, "call.decline", { callId: first.id }));
      // Answered, then hung up (and hung up again: still one call).
      const second = ok(await cmd(a, "call.start", { conversationId: conv, video: true }));
      ok(await cmd(b, "call.accept", { callId: second.id }));
      await new Promise((r) => setTimeout(r, 1100)); // a call of at least a second, so its seconds show
      const ended = ok(await cmd(b, "call.hangup", { callId: second.id }));
      await cmd(a, "call.hangup", { callId: second.id });
      // Ended by the host's backend while ringing.
      const third = ok(await cmd(a, "call.start", { conversationId: conv }));
      const key = await s.services.serverKeys.create(appId);
      const auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
      const end = await s.api.post(`/server/calls/${third.id}/end`, { headers: { Authorization: auth } });
      assert.equal(end.status, 200, JSON.stringify(end.body));
      const d = today(await usageOf(op, `/apps/${appId}/usage?days=7`));
      assert.equal(d.calls, 3);
      assert.equal(d.callSeconds, Math.round(ended.durationMs! / 1000));
      assert.ok(d.callSeconds >= 1, `${d.callSeconds} s`);
      // Every app together: at least these.
      assert.ok(today(await usageOf(op, "/usage?days=7")).calls >= 3);
    } finally {
      for (const x of opened) x.close();
    }
  });

  test("roles: viewers read an app's usage and audit log; moderators, other apps' people and non-operators do not", async () => {
    const { id: appId } = await s.createTenant("Roles");
    const { id: other } = await s.createTenant("Other");
    const viewer = (await consoleAccount(s, { email: `viewer-${n()}@roles.example`, role: "viewer", appId })).browser;
    const moderator = (await consoleAccount(s, { email: `mod-${n()}@roles.example`, role: "moderator", appId })).browser;
    const stranger = (await consoleAccount(s, { email: `owner-${n()}@roles.example`, role: "viewer", appId: other })).browser;
    for (const path of [`/apps/${appId}/usage?days=7`, `/apps/${appId}/audit`]) {
      assert.equal((await viewer.get(path)).status, 200, path);
      assert.equal((await op.get(path)).status, 200, path);
      assert.equal((await moderator.get(path)).status, 403, path);
      assert.equal((await stranger.get(path)).status, 404, path);
    }
    for (const path of ["/apps/app_missing0000000000000/usage", "/apps/app_missing0000000000000/audit"]) assert.equal((await op.get(path)).status, 404);
    for (const path of ["/usage?days=7", "/health", "/audit"]) {
      const r = await viewer.get(path);
      assert.equal(r.status, 403, path);
      assert.equal(r.body.error.code, "forbidden");
    }
    // No session: 401.
    assert.equal((await fetch(`${s.url}/v1/console/health`)).status, 401);
  });

  test("bad input is a 400 at its field, never a 500", async () => {
    const { id: appId } = await s.createTenant("Bad input");
    const cases: [string, string][] = [
      [`/apps/${appId}/usage?days=8`, "days"],
      [`/apps/${appId}/usage?days=abc`, "days"],
      [`/apps/${appId}/usage?days=7&days=30`, "days"],
      ["/usage?days=0", "days"],
      [`/apps/${appId}/audit?from=2025-02-30`, "from"],
      [`/apps/${appId}/audit?from=yesterday`, "from"],
      [`/apps/${appId}/audit?to=2025-01-01T10:00`, "to"],
      [`/apps/${appId}/audit?from=2025-03-02&to=2025-03-01`, "to"],
      [`/apps/${appId}/audit?limit=0`, "limit"],
      [`/apps/${appId}/audit?limit=101`, "limit"],
      [`/apps/${appId}/audit?action=`, "action"],
      [`/apps/${appId}/audit?action=${"x".repeat(49)}`, "action"],
      [`/apps/${appId}/audit?account=${"a".repeat(255)}`, "account"],
      [`/audit?app=${"a".repeat(33)}`, "app"],
    ];
    for (const [path, field] of cases) {
      const r = await op.get(path);
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "validation_failed");
      assert.deepEqual(fieldsOf(r), [field], path);
    }
    const cursor = await op.get(`/apps/${appId}/audit?cursor=not-a-cursor`);
    assert.equal(cursor.status, 400);
    // A whole day, and the same day as a range: fine.
    assert.equal((await op.get(`/apps/${appId}/audit?from=2025-03-01&to=2025-03-01`)).status, 200);
    assert.equal((await op.get(`/apps/${appId}/audit?from=2025-03-01T00:00:00Z&to=2025-03-01T10:00:00%2B02:00`)).status, 200);
  });

  test("health: readiness, database, Redis, migrations, the webhook backlog and this node", async () => {
    const r = await op.get<ConsoleHealthResponse>("/health");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const h = r.body;
    assert.equal(h.readiness.status, "ready", JSON.stringify(h.readiness));
    assert.deepEqual([h.database.dialect, h.database.state, h.database.writesFailingSince], [TEST_DB, "ok", null]);
    assert.ok(typeof h.database.latencyMs === "number" && h.database.latencyMs >= 0);
    assert.deepEqual(h.redis, { state: "off", latencyMs: null });
    assert.deepEqual(h.migrations, { applied: MIGRATIONS.length, pending: [] });
    assert.equal(h.webhooks.pendingCapped, false);
    assert.ok(h.webhooks.pending >= 0);
    const self = h.nodes.find((x) => x.self);
    assert.ok(self, JSON.stringify(h.nodes));
    assert.equal(self.node, h.node);
    assert.equal(r.headers.get("cache-control"), "no-store");
  });

  test("the audit log: newest first, filtered by action, account, app and time, keyset-paged", async () => {
    const op2Email = `op2-${n()}@ops.example`;
    const op2 = (await consoleAccount(s, { email: op2Email, role: "operator" })).browser;
    const made = await op.post<{ app: { id: string } }>("/apps", { name: "Audited", allowedOrigins: ["https://audited.example"] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const appId = made.body.app.id;
    const otherApp = (await op.post<{ app: { id: string } }>("/apps", { name: "Elsewhere", allowedOrigins: ["https://elsewhere.example"] })).body.app.id;
    for (let i = 0; i < 3; i++) assert.equal((await op.post(`/apps/${appId}/keys`, { name: `key ${i}` })).status, 201);
    assert.equal((await op2.post(`/apps/${appId}/keys`, { name: "theirs" })).status, 201);
    assert.equal((await op.post(`/apps/${otherApp}/keys`, { name: "elsewhere" })).status, 201);
    const viewer = (await consoleAccount(s, { email: `audit-viewer-${n()}@audit.example`, role: "viewer", appId })).browser;

    const all = await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?limit=100`);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const items = all.body.items;
    assert.ok(items.every((e) => e.appId === appId));
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1]!.at >= items[i]!.at, "newest first");
    assert.deepEqual(
      items.filter((e) => e.action === "key.created").map((e) => e.accountEmail),
      [op2Email, opEmail, opEmail, opEmail],
    );
    const created = items.find((e) => e.action === "app.created");
    assert.ok(created && created.accountId === opId && created.accountEmail === opEmail && created.ip.length > 0, JSON.stringify(created));

    // Filters.
    const keys = await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?action=key.created`);
    assert.deepEqual(
      keys.body.items.map((e) => e.action),
      ["key.created", "key.created", "key.created", "key.created"],
    );
    const byEmail = await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?account=${encodeURIComponent(op2Email.toUpperCase())}`);
    assert.deepEqual(
      byEmail.body.items.map((e) => [e.action, e.accountEmail]),
      [["key.created", op2Email]],
    );
    const byId = await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?account=${opId}&action=key.created`);
    assert.equal(byId.body.items.length, 3);
    assert.deepEqual((await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?account=nobody@audit.example`)).body, { items: [], nextCursor: null });
    const now = Date.now();
    assert.equal((await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?from=${dayOf(now + DAY)}`)).body.items.length, 0);
    assert.equal((await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?to=${dayOf(now - DAY)}`)).body.items.length, 0);
    assert.equal((await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?from=${dayOf(now - DAY)}&to=${dayOf(now)}`)).body.items.length, items.length);
    const since = new Date(Date.parse(keys.body.items[1]!.at)).toISOString();
    assert.ok((await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?action=key.created&from=${since}`)).body.items.length >= 2);

    // Keyset pages of 2: the same entries, once each, in the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const r: Answer<ConsoleAuditPage> = await viewer.get<ConsoleAuditPage>(`/apps/${appId}/audit?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(r.status, 200);
      assert.ok(r.body.items.length <= 2);
      paged.push(...r.body.items.map((e) => e.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      paged,
      items.map((e) => e.id),
    );

    // Operators across apps: one app, or an action everywhere.
    const elsewhere = await op.get<ConsoleAuditPage>(`/audit?app=${otherApp}`);
    assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
    assert.deepEqual(elsewhere.body.items.map((e) => e.action).sort(), ["app.created", "key.created"]);
    const everywhere = await op.get<ConsoleAuditPage>("/audit?action=app.created&limit=100");
    const apps = new Set(everywhere.body.items.map((e) => e.appId));
    assert.ok(apps.has(appId) && apps.has(otherApp));
    assert.equal((await viewer.get(`/apps/${otherApp}/audit`)).status, 404);
  });

  test("an account's deletion removes its activity marks; the day's counts stay", async () => {
    const { id: appId } = await s.createTenant("Forget");
    const [a, b] = [await s.api.register(appId), await s.api.register(appId)];
    const conv = await group(appId, [a, b]);
    await send(a, conv, "soon gone");
    await send(b, conv, "still here");
    const marks = async (userId: string): Promise<number> =>
      Number(
        ((await s.services.db.query("SELECT COUNT(*) AS n FROM usage_active_users WHERE appId = ? AND userId = ?", [appId, userId])) as { n: number }[])[0]!.n,
      );
    assert.equal(await marks(a.user.id), 2, "today and this month");
    const gone = await s.api.del("/me", { ...tok(a), body: { password: "correct horse battery" } });
    assert.ok(gone.status === 204 || gone.status === 200, JSON.stringify(gone.body));
    assert.equal(await marks(a.user.id), 0);
    assert.equal(await marks(b.user.id), 2);
    const d = today(await usageOf(op, `/apps/${appId}/usage?days=7`));
    assert.deepEqual([d.messages, d.activeUsers], [2, 2]);
  });
});
