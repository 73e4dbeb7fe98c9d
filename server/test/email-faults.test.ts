/**
 * E-mail for unread messages (issue 55, acceptance 3): an SMTP server that misbehaves, a real one
 * (helpers/smtp.ts, smtp-server) per app, each told what to do to each attempt. A 4xx is retried
 * with backoff and a 5xx ends it, at MAIL FROM or after the message; a connection closed in the
 * middle of the message is retried, delivered once the server behaves and given up after
 * EMAIL_MAX_ATTEMPTS otherwise; a slow server is waited for while each answer comes within
 * EMAIL_SMTP_TIMEOUT_SEC, given up on when one does not, and cut off when its answer never ends
 * (a tarpit); every e-mail given up is counted (usage, /metrics), and meanwhile nobody's sends and
 * reads are slowed. email.test.ts covers a server that is not there or refuses every attempt.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { ATTEMPT_TIMEOUTS } from "../src/email/email-notifier.js";
import type { ReqOptions } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { type Fault, SmtpSink } from "./helpers/smtp.js";
import { eventually, sleep } from "./helpers/sockets.js";

/** EMAIL_SMTP_TIMEOUT_SEC of this server. */
const TIMEOUT_MS = 1000;
/** EMAIL_RETRY_BASE_SEC: the first retry comes 75 to 125 ms after a failed attempt. */
const RETRY_MS = 100;
/**
 * A send or a read that took longer was slowed: half the shortest hold (the 3 s answer after the
 * message, the 4 s tarpit), so one that waited for e-mail cannot pass, and a loaded machine's
 * pauses (up to 1.5 s seen here at start-up) do not fail it.
 */
const PROMPT_MS = 1500;
const n = Math.random().toString(36).slice(2, 8);
const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });

let s: TestServer;
const sinks: SmtpSink[] = [];

before(async () => {
  s = await startServer({
    // No SMTP_URL: an app sends e-mail only to the server its test gives it.
    SMTP_FROM: "chat@example.com",
    EMAIL_WAIT_MINUTES: String(300 / 60_000),
    EMAIL_SWEEP_SEC: "0.1",
    EMAIL_RETRY_BASE_SEC: String(RETRY_MS / 1000),
    EMAIL_MAX_ATTEMPTS: "3",
    EMAIL_SMTP_TIMEOUT_SEC: String(TIMEOUT_MS / 1000),
    PRESENCE_GRACE_MS: "100",
    METRICS_PUBLIC: "1",
  });
  await warmUp();
});
after(async () => {
  await s?.close();
  for (const sink of sinks) await sink.close();
});

let seq = 0;
async function user(app: string, name: string): Promise<AuthResponse & { email: string }> {
  const email = `${name.toLowerCase()}-${n}-${++seq}@example.com`;
  return { ...(await s.api.register(app, { displayName: name, email, password: "correct horse battery" })), email };
}
async function direct(a: AuthResponse, b: AuthResponse): Promise<Conversation> {
  return (await s.api.post("/conversations/direct", { ...tok(a), body: { userId: b.user.id } })).body.conversation;
}
async function send(u: AuthResponse, c: Conversation, text: string): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${c.id}/messages`, { ...tok(u), body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** An app with an SMTP server of its own, and Ada and Hank in it. */
interface Case {
  app: string;
  sink: SmtpSink;
  ada: AuthResponse;
  hank: AuthResponse & { email: string };
}
/** An app whose server does `faults` to its first attempts, one each, then accepts. */
async function appWith(name: string, faults: Fault[]): Promise<Case> {
  const sink = new SmtpSink();
  sinks.push(sink);
  await sink.start();
  sink.faults.push(...faults);
  const app = (await s.createTenant(name)).id;
  const key = await s.services.serverKeys.create(app);
  const res = await s.api.put("/server/email/settings", {
    headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` },
    body: { smtp: { host: "127.0.0.1", port: sink.port } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { app, sink, ada: await user(app, "Ada"), hank: await user(app, "Hank") };
}
/** Ada writes to Hank, who is away: an e-mail for him is due after the wait. The send does not wait for it. */
async function writeToHank({ ada, hank }: Case): Promise<Conversation> {
  const c = await direct(ada, hank);
  const started = performance.now();
  await send(ada, c, "hello Hank");
  const took = performance.now() - started;
  assert.ok(took < PROMPT_MS, `a send does not wait for e-mail: ${Math.round(took)} ms`);
  return c;
}

interface OutboxRow {
  status: string;
  attempts: number;
  lastError: string | null;
}
async function outbox({ app, hank }: Case): Promise<OutboxRow[]> {
  const rows: { status: string; attempts: number | string; lastError: string | null }[] = await s.services.db.query(
    "SELECT status, attempts, lastError FROM email_outbox WHERE appId = ? AND userId = ?",
    [app, hank.user.id],
  );
  return rows.map((r) => ({ status: r.status, attempts: Number(r.attempts), lastError: r.lastError }));
}
/** Waits until Hank's e-mail is sent or given up, and returns its row. */
async function settled(c: Case): Promise<OutboxRow> {
  await eventually(async () => ["sent", "failed"].includes((await outbox(c))[0]?.status ?? ""), `${c.app}: sent or given up`, 30_000);
  const rows = await outbox(c);
  assert.equal(rows.length, 1, "one e-mail");
  return rows[0]!;
}
async function usage(app: string): Promise<{ sent: number; failed: number }> {
  const rows: { sent: number | string | null; failed: number | string | null }[] = await s.services.db.query(
    "SELECT SUM(emailsSent) AS sent, SUM(emailsFailed) AS failed FROM usage_daily WHERE appId = ?",
    [app],
  );
  return { sent: Number(rows[0]?.sent ?? 0), failed: Number(rows[0]?.failed ?? 0) };
}
/** The server's e-mails sent and given up so far, as /metrics counts them. */
async function counted(): Promise<{ sent: number; failed: number }> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const of = (outcome: string) => Number(new RegExp(`^parley_emails_total\\{outcome="${outcome}"\\} (\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { sent: of("sent"), failed: of("failed") };
}
/** Each path the tests time, once, untimed: the first send, read or e-mail of a process pays for loading code, not for e-mail. */
async function warmUp(): Promise<void> {
  const c = await appWith("Warm-up", []);
  const conversation = await direct(c.ada, c.hank);
  await send(c.ada, conversation, "hello");
  await s.api.get(`/conversations/${conversation.id}/messages`, tok(c.hank));
  await s.api.get("/conversations", tok(c.hank));
  assert.equal((await settled(c)).status, "sent");
}
/** Milliseconds between one attempt's start and the next's. */
const gaps = (sink: SmtpSink): number[] => sink.attempts.slice(1).map((t, i) => t - sink.attempts[i]!);
/** Two whole passes of the notifier (the first may be one under way): whatever was due has been tried. */
async function twoPasses(): Promise<void> {
  await s.services.emailNotifier.run();
  await s.services.emailNotifier.run();
}

describe(`an SMTP server that misbehaves, on ${TEST_DB}`, () => {
  test("4xx, then 5xx: retried after the 4xx with backoff, given up at the 5xx without another attempt, and counted", async () => {
    const before = await counted();
    const cases = [
      await appWith("At MAIL FROM", [{ refuse: 451 }, { refuse: 550 }]),
      await appWith("After the message", [
        { refuse: 452, at: "data" },
        { refuse: 554, at: "data" },
      ]),
    ];
    for (const c of cases) await writeToHank(c);
    for (const [c, code] of [
      [cases[0]!, 550],
      [cases[1]!, 554],
    ] as const) {
      const row = await settled(c);
      assert.deepEqual([row.status, row.attempts], ["failed", 2], `${c.app}: given up at the second attempt: ${JSON.stringify(row)}`);
      assert.match(row.lastError ?? "", new RegExp(`\\b${code}\\b`), "the 5xx is what ended it");
      assert.ok(
        gaps(c.sink).every((g) => g >= RETRY_MS * 0.7),
        `backoff after the 4xx: ${gaps(c.sink).join(", ")} ms`,
      );
      assert.equal(c.sink.received.length, 0, "nothing accepted");
      assert.deepEqual(await usage(c.app), { sent: 0, failed: 1 });
    }
    await twoPasses();
    for (const c of cases) assert.equal(c.sink.attempts.length, 2, `${c.app}: no attempt after the 5xx`);
    const now = await counted();
    assert.equal(now.failed - before.failed, 2, "/metrics counts both");
    assert.equal(now.sent, before.sent);
  });

  test("closed in the middle of the message: retried, delivered once the server behaves; given up after the attempts when it never does, and counted", async () => {
    const before = await counted();
    const once = await appWith("Dropped once", [{ drop: "mid-message" }]);
    const always = await appWith("Dropped always", [{ drop: "mid-message" }, { drop: "mid-message" }, { drop: "mid-message" }]);
    for (const c of [once, always]) await writeToHank(c);

    const delivered = await settled(once);
    assert.deepEqual([delivered.status, delivered.attempts], ["sent", 2], JSON.stringify(delivered));
    assert.equal(once.sink.to(once.hank.email).length, 1, "one e-mail, whole");
    assert.equal(once.sink.received[0]!.mail.subject, "New messages on Dropped once");
    assert.ok(gaps(once.sink)[0]! >= RETRY_MS * 0.7, `backoff: ${gaps(once.sink).join(", ")} ms`);
    assert.deepEqual(await usage(once.app), { sent: 1, failed: 0 });

    const lost = await settled(always);
    assert.deepEqual([lost.status, lost.attempts], ["failed", 3], JSON.stringify(lost));
    assert.match(lost.lastError ?? "", /closed/i);
    assert.equal(always.sink.attempts.length, 3);
    assert.equal(always.sink.received.length, 0);
    assert.deepEqual(await usage(always.app), { sent: 0, failed: 1 });

    await twoPasses();
    assert.deepEqual([once.sink.attempts.length, always.sink.attempts.length], [2, 3], "nothing after the end");
    const now = await counted();
    assert.deepEqual([now.sent - before.sent, now.failed - before.failed], [1, 1], "/metrics counts both ends");
  });

  test("a slow server: waited for while it answers within the timeout, given up when it does not, cut off when its answer never ends; nobody's sends and reads slow meanwhile", async () => {
    const before = await counted();
    // Every answer 300 ms late: the whole exchange takes longer than the timeout, no answer does.
    const slow = await appWith("Slow", [{ slow: 300 }]);
    // The answer to the message never comes within the timeout.
    const stalled = await appWith("Stalled", [
      { slow: TIMEOUT_MS * 3, at: "data" },
      { slow: TIMEOUT_MS * 3, at: "data" },
      { slow: TIMEOUT_MS * 3, at: "data" },
    ]);
    // A line of an answer every 200 ms, never the last: no timeout of the socket ever fires.
    const tarpit = await appWith("Tarpit", [{ tarpit: 200 }]);
    // People of an app without e-mail, and the stalled app's Ada: what they do must not wait.
    const quiet = (await s.createTenant("Quiet")).id;
    const [uma, val] = [await user(quiet, "Uma"), await user(quiet, "Val")];
    const talk = await direct(uma, val);
    const cases = [slow, stalled, tarpit];
    const conversations = new Map<Case, Conversation>();
    for (const c of cases) conversations.set(c, await writeToHank(c));

    const timed = async (what: string, call: () => Promise<{ status: number }>): Promise<void> => {
      const started = performance.now();
      const res = await call();
      const took = performance.now() - started;
      assert.ok(res.status < 300, `${what}: ${res.status}`);
      assert.ok(took < PROMPT_MS, `${what} took ${Math.round(took)} ms`);
    };
    let rounds = 0;
    let whileWithheld = 0;
    const done = async () => (await Promise.all(cases.map(async (c) => (await outbox(c))[0]?.status ?? "pending"))).every((x) => x !== "pending");
    const deadline = Date.now() + 30_000;
    while (!(await done())) {
      assert.ok(Date.now() < deadline, "every e-mail sent or given up within 30 s");
      const held = cases.some((c) => c.sink.withheld > 0);
      await timed("a send", () => s.api.post(`/conversations/${talk.id}/messages`, { ...tok(uma), body: { text: `round ${rounds}` } }));
      await timed("a read of messages", () => s.api.get(`/conversations/${talk.id}/messages`, tok(val)));
      await timed("a read of conversations", () => s.api.get("/conversations", tok(val)));
      await timed("a read in the stalled app", () => s.api.get(`/conversations/${conversations.get(stalled)!.id}/messages`, tok(stalled.ada)));
      rounds++;
      if (held && cases.some((c) => c.sink.withheld > 0)) whileWithheld++;
      await sleep(100);
    }
    assert.ok(whileWithheld >= 5, `${whileWithheld} of ${rounds} rounds while a server held its answer back`);

    const waited = await settled(slow);
    assert.deepEqual([waited.status, waited.attempts], ["sent", 1], "a slow server is waited for");
    const took = slow.sink.received[0]!.at - slow.sink.attempts[0]!;
    assert.ok(took >= 4 * 300 - 50 && took > TIMEOUT_MS, `the exchange took ${took} ms, each answer under the timeout`);

    const gaveUp = await settled(stalled);
    assert.deepEqual([gaveUp.status, gaveUp.attempts], ["failed", 3], JSON.stringify(gaveUp));
    assert.match(gaveUp.lastError ?? "", /timeout/i);
    await eventually(async () => stalled.sink.withheld === 0, "the stalled server's late answers");
    assert.equal(stalled.sink.received.length, 0, "a late answer accepts nothing");
    assert.deepEqual(await usage(stalled.app), { sent: 0, failed: 1 });
    assert.ok(
      gaps(stalled.sink).every((g) => g >= TIMEOUT_MS),
      `each attempt waited out the timeout: ${gaps(stalled.sink).join(", ")} ms`,
    );

    const cut = await settled(tarpit);
    assert.deepEqual([cut.status, cut.attempts], ["sent", 2], "cut off, then delivered");
    assert.ok(gaps(tarpit.sink)[0]! >= ATTEMPT_TIMEOUTS * TIMEOUT_MS, `cut off at the attempt's bound: ${gaps(tarpit.sink).join(", ")} ms`);
    assert.equal(tarpit.sink.to(tarpit.hank.email).length, 1);

    const now = await counted();
    assert.deepEqual([now.sent - before.sent, now.failed - before.failed], [2, 1], "/metrics: two sent, one given up");
  });
});
