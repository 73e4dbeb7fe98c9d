/**
 * E-mail for unread messages (issue 55), server side, against a real server, real Socket.IO
 * clients and a real SMTP server (helpers/smtp.ts, smtp-server), the e-mails parsed as a mail
 * client would (mailparser). A user away past the wait window with something unread gets one
 * e-mail per quiet period (List-Unsubscribe + List-Unsubscribe-Post, text and HTML, the link);
 * a connected user, a read within the window, the `never` preference get none; muted
 * conversations and blocked senders are never mentioned; the text only with the app's opt-in;
 * the one-click unsubscribe works without a session and refuses a forged token; an SMTP server
 * that refuses or is not there is retried with backoff, then given up and counted, and sends are
 * not slowed; the SMTP password is never answered; bad input is a 4xx naming the field.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import type { ReqOptions } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { SmtpSink, type Received } from "./helpers/smtp.js";
import { connect, eventually, sleep } from "./helpers/sockets.js";

const PASSWORD = "correct horse battery";
/** EMAIL_WAIT_MINUTES of this server: 0.6 s. */
const WAIT_MS = 600;
const PUBLIC_URL = "https://chat.example";
const n = Math.random().toString(36).slice(2, 8);
const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });

let s: TestServer;
const smtp = new SmtpSink();
const refusing = new SmtpSink();

before(async () => {
  await smtp.start();
  await refusing.start();
  refusing.refuse = 451;
  s = await startServer({
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    SMTP_FROM: "chat@example.com",
    EMAIL_WAIT_MINUTES: String(WAIT_MS / 60_000),
    EMAIL_SWEEP_SEC: "0.1",
    EMAIL_RETRY_BASE_SEC: "0.1",
    EMAIL_MAX_ATTEMPTS: "3",
    EMAIL_SMTP_TIMEOUT_SEC: "2",
    PUBLIC_URL,
    PRESENCE_GRACE_MS: "100",
    METRICS_PUBLIC: "1",
  });
});
after(async () => {
  await s?.close();
  await smtp.close();
  await refusing.close();
});

let seq = 0;
async function user(app: string, name: string): Promise<AuthResponse & { email: string }> {
  const email = `${name.toLowerCase()}-${n}-${++seq}@example.com`;
  return { ...(await s.api.register(app, { displayName: name, email, password: PASSWORD })), email };
}
async function direct(a: AuthResponse, b: AuthResponse): Promise<Conversation> {
  return (await s.api.post("/conversations/direct", { ...tok(a), body: { userId: b.user.id } })).body.conversation;
}
async function group(owner: AuthResponse, name: string, members: AuthResponse[]): Promise<Conversation> {
  const res = await s.api.post("/conversations", { ...tok(owner), body: { name, memberIds: members.map((m) => m.user.id) } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation;
}
async function send(u: AuthResponse, c: Conversation, text: string): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${c.id}/messages`, { ...tok(u), body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
async function serverKey(app: string): Promise<ReqOptions> {
  const key = await s.services.serverKeys.create(app);
  return { headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` } };
}
/** The first e-mail to `address` (waits for it). */
async function mailTo(address: string): Promise<Received> {
  await eventually(async () => smtp.to(address).length > 0, `an e-mail to ${address}`, 10_000);
  return smtp.to(address)[0]!;
}
/** Long enough for any e-mail that was going to be sent: the window, several sweeps and a send. */
const quietly = (): Promise<void> => sleep(WAIT_MS * 3 + 500);
/** A header's value as it came (unfolded), not as mailparser reads it. */
const header = (r: Received, name: string): string => {
  const line = r.mail.headerLines.find((h) => h.key === name)?.line ?? "";
  return line
    .slice(line.indexOf(":") + 1)
    .replace(/\r?\n[ \t]+/g, " ")
    .trim();
};
/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
async function outbox(app: string, userId: string): Promise<{ status: string; attempts: number }[]> {
  const rows: { status: string; attempts: number | string }[] = await s.services.db.query(
    "SELECT status, attempts FROM email_outbox WHERE appId = ? AND userId = ?",
    [app, userId],
  );
  return rows.map((r) => ({ status: r.status, attempts: Number(r.attempts) }));
}

describe(`e-mail for unread messages on ${TEST_DB}`, () => {
  let shop: string;
  before(async () => {
    shop = (await s.createTenant("Shop", ["https://shop.example"])).id;
  });

  test("away past the window: one e-mail (headers, text, HTML, link); a second message in the same quiet period adds none; unsubscribe by one click", async () => {
    const ada = await user(shop, "Ada");
    const bob = await user(shop, "Bob");
    // Bob was here, and left.
    const sock = await connect(s, bob.accessToken);
    sock.close();
    const c = await direct(ada, bob);
    await send(ada, c, "Secret <b>plans</b> for Bob");
    const got = await mailTo(bob.email);
    assert.equal(got.mail.subject, "New messages on Shop");
    assert.match(header(got, "from"), /chat@example\.com/);
    const unsubscribe = /^<(https:\/\/chat\.example\/v1\/email\/unsubscribe\?token=[\w.-]+)>$/.exec(header(got, "list-unsubscribe"));
    assert.ok(unsubscribe, header(got, "list-unsubscribe"));
    assert.equal(header(got, "list-unsubscribe-post"), "List-Unsubscribe=One-Click");
    const link = `https://shop.example/?parley-conversation=${c.id}`;
    assert.match(got.mail.text ?? "", /Hi Bob, messages arrived while you were away:/);
    assert.match(got.mail.text ?? "", /\* Ada\n {2}From Ada/);
    assert.ok(got.mail.text?.includes(link), got.mail.text);
    assert.ok(typeof got.mail.html === "string" && got.mail.html.includes(`href="${link}"`), "the HTML part links to the conversation");
    // No text without the app's opt-in.
    assert.ok(!got.mail.text?.includes("plans") && !String(got.mail.html).includes("plans"));
    // A second message in the same quiet period: no second e-mail.
    await send(ada, c, "Are you there?");
    await quietly();
    assert.equal(smtp.to(bob.email).length, 1);
    assert.ok(!smtp.to(ada.email).length, "the sender gets nothing");

    // The one-click unsubscribe, as a mail client posts it: no session, a form body.
    const path = new URL(unsubscribe[1]!).pathname + new URL(unsubscribe[1]!).search;
    const forged = path.replace(/.$/, (ch) => (ch === "A" ? "B" : "A"));
    const bad = await fetch(s.url + forged, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(bad.status, 403);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, "forbidden");
    const before = await fetch(s.url + path);
    assert.deepEqual(await before.json(), { unsubscribed: false }, "a GET changes nothing");
    const res = await fetch(s.url + path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { unsubscribed: true });
    assert.equal((await s.api.get("/me/email", tok(bob))).body.preference, "never");
    // Usage and /metrics count it.
    const usage: { n: number | string }[] = await s.services.db.query("SELECT SUM(emailsSent) AS n FROM usage_daily WHERE appId = ?", [shop]);
    assert.ok(Number(usage[0]?.n) >= 1);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /parley_emails_total\{outcome="sent"\} [1-9]/);
    // Deleting the account takes its e-mails and wishes with it.
    assert.equal((await s.api.del("/me", { ...tok(bob), body: { password: PASSWORD } })).status, 204);
    assert.deepEqual(await outbox(shop, bob.user.id), []);
    const wishes: unknown[] = await s.services.db.query("SELECT userId FROM email_recipients WHERE appId = ? AND userId = ?", [shop, bob.user.id]);
    assert.deepEqual(wishes, []);
  });

  test("a connected user, a read within the window and the preference never: no e-mail", async () => {
    const ada = await user(shop, "Ada");
    const carol = await user(shop, "Carol");
    const dave = await user(shop, "Dave");
    const gina = await user(shop, "Gina");
    const online = await connect(s, carol.accessToken);
    assert.equal((await s.api.put("/me/email", { ...tok(gina), body: { preference: "never" } })).body.preference, "never");
    const toDave = await direct(ada, dave);
    await send(ada, await direct(ada, carol), "hi Carol");
    const m = await send(ada, toDave, "hi Dave");
    await send(ada, await direct(ada, gina), "hi Gina");
    assert.equal((await s.api.post(`/conversations/${toDave.id}/read`, { ...tok(dave), body: { messageId: m.id } })).status < 300, true);
    await quietly();
    online.close();
    for (const u of [carol, dave, gina]) assert.equal(smtp.to(u.email).length, 0, `${u.user.displayName} got none`);
  });

  test("quiet hours in the user's time zone: no e-mail in them, the same e-mail once they are over; bad hours and zones refused at their field", async () => {
    const ada = await user(shop, "Ada");
    const kenji = await user(shop, "Kenji");
    // Now in Tokyo, and quiet hours around it: an hour before to an hour after.
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Tokyo", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(Date.now());
    const local = Number(parts.find((p) => p.type === "hour")!.value) * 60 + Number(parts.find((p) => p.type === "minute")!.value);
    const clock = (m: number) =>
      `${String(Math.floor((((m % 1440) + 1440) % 1440) / 60)).padStart(2, "0")}:${String((((m % 1440) + 1440) % 1440) % 60).padStart(2, "0")}`;
    const quietHours = { from: clock(local - 60), to: clock(local + 60) };
    const set = await s.api.put("/me/email", { ...tok(kenji), body: { quietHours, timeZone: "Asia/Tokyo" } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual([set.body.quietHours, set.body.timeZone], [quietHours, "Asia/Tokyo"]);
    assert.deepEqual((await s.api.get("/me/email", tok(kenji))).body.quietHours, quietHours);
    (await connect(s, kenji.accessToken)).close();
    await send(ada, await direct(ada, kenji), "for Kenji, in the morning");
    await quietly();
    assert.equal(smtp.to(kenji.email).length, 0, "none in his quiet hours");
    assert.deepEqual(await outbox(shop, kenji.user.id), []);
    // Quiet hours over (here: removed): the e-mail he was owed, once.
    assert.equal((await s.api.put("/me/email", { ...tok(kenji), body: { quietHours: null } })).body.quietHours, null);
    const got = await mailTo(kenji.email);
    assert.match(got.mail.text ?? "", /Ada/);
    await quietly();
    assert.equal(smtp.to(kenji.email).length, 1);

    for (const [body, path] of [
      [{ quietHours: { from: "25:00", to: "07:00" } }, "quietHours.from"],
      [{ quietHours: { from: "22:00", to: "22:00" } }, "quietHours.to"],
      [{ quietHours: { from: "22:00" } }, "quietHours.to"],
      [{ timeZone: "Mars/Olympus_Mons" }, "timeZone"],
    ] as const) {
      const bad = await s.api.put("/me/email", { ...tok(kenji), body });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.error.details[0].path, path, JSON.stringify(bad.body));
    }
    assert.deepEqual((await s.api.get("/me/email", tok(kenji))).body.timeZone, "Asia/Tokyo", "nothing changed by a refusal");
  });

  test("daily: one e-mail per calendar day in the user's time zone, however many quiet periods", async () => {
    const ada = await user(shop, "Ada");
    const dora = await user(shop, "Dora");
    const zone = "Pacific/Kiritimati"; // UTC+14: its day is not UTC's for ten hours of every day
    const started = Date.now();
    assert.equal((await s.api.put("/me/email", { ...tok(dora), body: { preference: "daily", timeZone: zone } })).status, 200);
    (await connect(s, dora.accessToken)).close();
    const c = await direct(ada, dora);
    const first = await send(ada, c, "first news");
    await mailTo(dora.email);
    // She reads it; a new quiet period begins, and with every-time e-mail would bring another.
    assert.ok((await s.api.post(`/conversations/${c.id}/read`, { ...tok(dora), body: { messageId: first.id } })).status < 300);
    await send(ada, c, "second news");
    await quietly();
    assert.equal(smtp.to(dora.email).length, 1, "one a day");
    const keys: { periodKey: string }[] = await s.services.db.query("SELECT periodKey FROM email_outbox WHERE appId = ? AND userId = ?", [shop, dora.user.id]);
    assert.equal(keys.length, 1);
    // Her day when the test began or now (should it have turned meanwhile), not UTC's.
    const days = [started, Date.now()].map(
      (t) => `d:${new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(t)}`,
    );
    assert.ok(days.includes(keys[0]!.periodKey), `${keys[0]!.periodKey} in ${days.join(", ")}`);
  });

  test("muted conversations and blocked senders are never mentioned", async () => {
    const ada = await user(shop, "Ada");
    const erin = await user(shop, "Erin");
    const mallory = await user(shop, "Mallory");
    const muted = await group(ada, "Muted room", [erin]);
    const garden = await group(mallory, "Garden", [erin]);
    assert.equal((await s.api.put(`/conversations/${muted.id}/mute`, tok(erin))).status < 300, true);
    assert.equal((await s.api.post("/blocks", { ...tok(erin), body: { userId: mallory.user.id } })).status < 300, true);
    await send(ada, muted, "in the muted room");
    await send(mallory, garden, "from Mallory");
    await send(ada, await direct(ada, erin), "hi Erin");
    const got = await mailTo(erin.email);
    const all = `${got.mail.text}\n${String(got.mail.html)}`;
    assert.match(all, /From Ada/);
    for (const never of ["Muted room", "Mallory", "Garden"]) assert.ok(!all.includes(never), `${never} is not mentioned`);
  });

  test("the text only with the app's opt-in, escaped in HTML; in the user's language", async () => {
    const opted = (await s.createTenant("Café <Ünïcode>", ["https://cafe.example"])).id;
    const key = await serverKey(opted);
    const put = await s.api.put("/server/email/settings", { ...key, body: { includeText: true, link: "https://cafe.example/chat/{conversationId}" } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.includeText, true);
    assert.equal(put.body.source, "environment");
    const ada = await user(opted, "Ada");
    const frank = await user(opted, "Frank");
    assert.equal((await s.api.put("/me/email", { ...tok(frank), body: { locale: "de" } })).body.locale, "de");
    const c = await direct(ada, frank);
    await send(ada, c, `<script>alert("x")</script> & hi`);
    const got = await mailTo(frank.email);
    assert.equal(got.mail.subject, "Neue Nachrichten auf Café <Ünïcode>");
    assert.ok(got.mail.text?.includes(`> <script>alert("x")</script> & hi`), got.mail.text);
    assert.ok(got.mail.text?.includes(`https://cafe.example/chat/${c.id}`));
    const html = String(got.mail.html);
    assert.ok(!html.includes("<script>"), "no markup from a message");
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; hi"), html);
    assert.ok(html.includes("Café &lt;Ünïcode&gt;"));
    assert.match(html, /lang="de"/);
  });

  test("SMTP not there, or refusing: retried with backoff, then given up and counted; sends are not slowed", async () => {
    const down = (await s.createTenant("Down")).id;
    const refused = (await s.createTenant("Refused")).id;
    const port = await closedPort();
    for (const [app, p] of [
      [down, port],
      [refused, refusing.port],
    ] as const) {
      const res = await s.api.put("/server/email/settings", { ...(await serverKey(app)), body: { smtp: { host: "127.0.0.1", port: p } } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.source, "app");
    }
    const people = await Promise.all([down, refused].map(async (app) => ({ app, ada: await user(app, "Ada"), hank: await user(app, "Hank") })));
    for (const { ada, hank } of people) {
      const c = await direct(ada, hank);
      const started = performance.now();
      await send(ada, c, "hello");
      assert.ok(performance.now() - started < 1000, "a send does not wait for e-mail");
    }
    for (const { app, hank } of people) await eventually(async () => (await outbox(app, hank.user.id))[0]?.status === "failed", `${app}: given up`, 15_000);
    for (const { app, hank } of people) assert.deepEqual(await outbox(app, hank.user.id), [{ status: "failed", attempts: 3 }]);
    assert.equal(refusing.attempts.length, 3, "three attempts at the refusing server");
    const gaps = refusing.attempts.slice(1).map((t, i) => t - refusing.attempts[i]!);
    assert.ok(
      gaps.every((g) => g >= 70),
      `backoff between attempts: ${gaps.join(", ")} ms`,
    );
    for (const { app } of people) {
      const usage: { n: number | string }[] = await s.services.db.query("SELECT SUM(emailsFailed) AS n FROM usage_daily WHERE appId = ?", [app]);
      assert.equal(Number(usage[0]?.n), 1);
    }
    assert.equal((await fetch(`${s.url}/v1/healthz`)).status, 200, "no crash");
  });

  test("settings: the password is never answered; bad input is a 4xx naming the field", async () => {
    const app = (await s.createTenant("Settings")).id;
    const key = await serverKey(app);
    const put = await s.api.put("/server/email/settings", {
      ...key,
      body: { smtp: { host: "smtp.example.com", port: 587, user: "mailer", password: "hunter2-very-secret" }, from: "team@example.com", waitMinutes: 30 },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.smtp, { host: "smtp.example.com", port: 587, secure: false, user: "mailer", password: { set: true } });
    const again = await s.api.put("/server/email/settings", { ...key, body: { includeText: false } });
    const get = await s.api.get("/server/email/settings", key);
    for (const r of [put, again, get]) assert.ok(!JSON.stringify(r.body).includes("hunter2"), "no password in any answer");
    assert.equal(get.body.smtp.password.set, true, "kept when left out");
    const cases: [string, string, unknown, string][] = [
      ["put", "/server/email/settings", { smtp: { host: "smtp.example.com", port: "x" } }, "smtp.port"],
      ["put", "/server/email/settings", { link: "ftp://x.example/{conversationId}" }, "link"],
      ["put", "/server/email/settings", { from: "not an address" }, "from"],
      ["put", "/server/email/settings", { waitMinutes: 0 }, "waitMinutes"],
      ["put", "/server/email/settings", { surprise: 1 }, ""],
      ["put", "/server/email/recipients", { sub: "u1", email: "nope" }, "email"],
      ["put", "/server/email/recipients", { sub: "u1", preference: "sometimes" }, "preference"],
    ];
    for (const [, path, body, field] of cases) {
      const res = await s.api.put(path, { ...key, body });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "validation_failed");
      if (field)
        assert.ok(
          (res.body.error.details as { path: string }[]).some((d) => d.path === field),
          JSON.stringify(res.body.error.details),
        );
    }
    const u = await user(app, "Ivy");
    const bad = await s.api.put("/me/email", { ...tok(u), body: { preference: "sometimes" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details[0].path, "preference");
    assert.equal((await s.api.put("/me/email", { ...tok(u), raw: "preference=never", contentType: "application/x-www-form-urlencoded" })).status, 415);
    assert.equal((await s.api.put("/server/email/recipients", { ...key, body: { sub: "nobody", email: "a@example.com" } })).status, 404);
    assert.equal((await s.api.get("/server/email/settings")).status, 401);
    assert.equal((await fetch(`${s.url}/v1/email/unsubscribe?token=abc.def`, { method: "POST" })).status, 403);
    assert.equal((await fetch(`${s.url}/v1/email/unsubscribe`, { method: "POST" })).status, 400);
    // Forgetting the settings: the deployment's apply again.
    assert.equal((await s.api.del("/server/email/settings", key)).status, 204);
    assert.equal((await s.api.get("/server/email/settings", key)).body.source, "environment");
  });

  test("a host-signed user gets e-mail at the address the host's backend set", async () => {
    const app = (await s.createTenant("Hosted", ["https://hosted.example"])).id;
    const key = await serverKey(app);
    for (const sub of ["h-ann", "h-ben"]) {
      const res = await s.api.post("/server/users", { ...key, body: { sub, name: sub === "h-ann" ? "Ann" : "Ben" } });
      assert.ok(res.status === 201, JSON.stringify(res.body));
    }
    const address = `ben-${n}@hosted.example`;
    const set = await s.api.put("/server/email/recipients", { ...key, body: { sub: "h-ben", email: address, locale: "ja" } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body, { email: address, preference: "every", locale: "ja", sending: true, quietHours: null, timeZone: null });
    const conv = await s.api.post("/server/conversations", { ...key, body: { kind: "direct", users: ["h-ann", "h-ben"] } });
    assert.ok(conv.status < 300, JSON.stringify(conv.body));
    const id = (conv.body.conversation ?? conv.body).id as string;
    const sent = await s.api.post(`/server/conversations/${id}/messages`, { ...key, body: { from: "h-ann", text: "hello Ben" } });
    assert.ok(sent.status < 300, JSON.stringify(sent.body));
    const got = await mailTo(address);
    assert.equal(got.mail.subject, "Hosted に新しいメッセージがあります");
  });
});
