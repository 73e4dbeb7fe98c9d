/**
 * Moderation, third round of red-team findings, through real HTTP:
 * - G2: a server API send `from` a user is that user's message — refused for an app or a
 *   conversation ban and for a mute, filtered by the word filter — unless the request says
 *   `moderation: "bypass"`, which the audit log records; system messages stay unfiltered; the
 *   server API cannot put an app-banned user into a new conversation.
 * - G4: a repeated open report answers the existing one (no new row, no new webhook), and each
 *   reporter files at most REPORTS_PER_HOUR new reports an hour (429 with Retry-After).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuditEntry, AuthResponse, Message, Report } from "@parley/sdk/protocol";
import { assertClientError } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

interface Person extends AuthResponse {
  sub: string;
}

const REPORTS_PER_HOUR = 3;

let s: TestServer;
let app: string;
let keyId: string;
let auth: string;
let receiver: WebhookReceiver;
const n = Math.random().toString(36).slice(2, 8);

const srv = (body?: unknown) => ({ headers: { Authorization: auth }, ...(body === undefined ? {} : { body }) });

/** A user of the host (by sub), signed in through a host token the server API issued. */
async function person(sub: string): Promise<Person> {
  const up = await s.api.post("/server/users", srv({ sub, name: sub }));
  assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
  const tok = await s.api.post("/server/tokens", srv({ sub }));
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  const session = await s.api.post<AuthResponse>("/auth/host-token", { app, body: { token: tok.body.hostToken } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return { ...session.body, sub };
}

async function newGroup(subs: string[]): Promise<string> {
  const res = await s.api.post("/server/conversations", srv({ kind: "group", name: `Group ${Math.random()}`, users: subs }));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}

/** `POST /v1/server/conversations/:id/messages` (the body: a Message, or an error). */
const serverSend = (conversationId: string, body: Record<string, unknown>) => s.api.post(`/server/conversations/${conversationId}/messages`, srv(body));

async function texts(conversationId: string): Promise<string[]> {
  const res = await s.api.get<{ items: Message[] }>(`/server/conversations/${conversationId}/messages?limit=100`, srv());
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.map((m) => m.text ?? "");
}

async function audit(action: string): Promise<AuditEntry[]> {
  const res = await s.api.get("/server/moderation/audit?limit=100", srv());
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.items as AuditEntry[]).filter((e) => e.action === action);
}

const report = (p: Person, body: Record<string, unknown>) => s.api.post<{ report: Report }>("/reports", { token: p.accessToken, body });

before(async () => {
  s = await startServer({
    WEBHOOK_ALLOW_PRIVATE: "1",
    WEBHOOK_POLL_MS: "20",
    WEBHOOK_ENDPOINT_CACHE_MS: "0",
    WEBHOOK_UNREAD_POLL_MS: "600000",
    REPORTS_PER_HOUR: String(REPORTS_PER_HOUR),
  });
  app = (await s.createTenant("Round 3")).id;
  const key = await s.services.serverKeys.create(app);
  keyId = key.id;
  auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  receiver = await new WebhookReceiver().start();
  const hook = await s.api.post("/server/webhooks", srv({ url: receiver.url, events: ["report.created"] }));
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
});

after(async () => {
  await receiver?.close();
  await s?.close();
});

describe("the server API speaks for a user only as that user could (G2)", () => {
  let alice: Person, banned: Person, outcast: Person, muted: Person;
  let group: string;

  before(async () => {
    alice = await person(`alice-${n}`);
    banned = await person(`banned-${n}`);
    outcast = await person(`outcast-${n}`);
    muted = await person(`muted-${n}`);
    group = await newGroup([alice.sub, banned.sub, outcast.sub, muted.sub]);
    assert.equal((await s.api.put(`/server/moderation/bans/${banned.sub}`, srv({ reason: "fraud" }))).status, 200);
    assert.equal((await s.api.put(`/server/moderation/conversations/${group}/bans/${outcast.sub}`, srv({ reason: "spam" }))).status, 200);
    assert.equal((await s.api.put(`/server/moderation/conversations/${group}/mutes/${muted.sub}`, srv({ durationSec: 3600 }))).status, 200);
    const filter = await s.api.put(
      "/server/moderation/word-filter",
      srv({
        words: [
          { word: "spamlink", action: "block" },
          { word: "darn", action: "mask" },
        ],
      }),
    );
    assert.equal(filter.status, 200, JSON.stringify(filter.body));
  });

  test("a send from an app-banned user is refused with 403 banned, and nothing is stored", async () => {
    const res = await serverSend(group, { from: banned.sub, text: "as the banned one" });
    assertClientError(res, { status: 403, code: "banned" });
    assert.ok(!(await texts(group)).includes("as the banned one"));
  });

  test("a send from a user banned from the conversation is refused with 403 banned (not a 404)", async () => {
    const res = await serverSend(group, { from: outcast.sub, text: "as the outcast" });
    assertClientError(res, { status: 403, code: "banned" });
    assert.deepEqual(res.body.error.details.userIds, [outcast.user.id]);
    assert.ok(!(await texts(group)).includes("as the outcast"));
  });

  test("a send from a muted member is refused with 403 muted and the mute's end", async () => {
    const res = await serverSend(group, { from: muted.sub, text: "as the muted one" });
    assertClientError(res, { status: 403, code: "muted" });
    assert.ok(Date.parse(res.body.error.details.until) > Date.now());
    assert.ok(!(await texts(group)).includes("as the muted one"));
  });

  test("the word filter applies as to the user's own send: a blocked word is content_blocked, a masked one masked", async () => {
    const blocked = await serverSend(group, { from: alice.sub, text: "visit SpamLink now" });
    assertClientError(blocked, { status: 400, code: "content_blocked" });
    assert.deepEqual(blocked.body.error.details.words, ["spamlink"]);
    const masked = await serverSend(group, { from: alice.sub, text: "Darn it" });
    assert.equal(masked.status, 201, JSON.stringify(masked.body));
    assert.equal(masked.body.text, "**** it");
    assert.equal(masked.body.senderId, alice.user.id);
  });

  test('moderation: "bypass" sends anyway, unfiltered, and the audit log names the server key', async () => {
    const sent = await serverSend(group, { from: banned.sub, text: "spamlink, darn", moderation: "bypass" });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal(sent.body.senderId, banned.user.id);
    assert.equal(sent.body.text, "spamlink, darn");
    const fromMuted = await serverSend(group, { from: muted.sub, text: "muted, but relayed", moderation: "bypass" });
    assert.equal(fromMuted.status, 201, JSON.stringify(fromMuted.body));

    const entries = await audit("message.bypass");
    const entry = entries.find((e) => e.messageId === sent.body.id);
    assert.ok(entry, JSON.stringify(entries));
    assert.equal(entry.actorServerKey, keyId);
    assert.equal(entry.actorUserId, null);
    assert.equal(entry.targetUserId, banned.user.id);
    assert.equal(entry.conversationId, group);
    assert.ok(entries.some((e) => e.messageId === fromMuted.body.id && e.targetUserId === muted.user.id));
  });

  test("a retry of a bypassing send (same clientMessageId) answers the message and writes no second audit entry", async () => {
    const body = { from: alice.sub, text: "once", moderation: "bypass", clientMessageId: `cm-${n}` };
    const first = await serverSend(group, body);
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await serverSend(group, body);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.body.id);
    assert.equal((await audit("message.bypass")).filter((e) => e.messageId === first.body.id).length, 1);
  });

  test("a system message (no from) is not filtered and needs no bypass", async () => {
    const sent = await serverSend(group, { text: "Order shipped: spamlink tracking, darn fast" });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal(sent.body.senderId, null);
    assert.equal(sent.body.text, "Order shipped: spamlink tracking, darn fast");
  });

  test("the server API cannot put an app-banned user into a new conversation (403 banned, naming them), nor add them to one", async () => {
    const key = `with-banned-${n}`;
    for (const body of [
      { kind: "group", name: "With the banned one", users: [alice.sub, banned.sub], key },
      { kind: "direct", users: [alice.sub, banned.sub] },
    ]) {
      const res = await s.api.post("/server/conversations", srv(body));
      assertClientError(res, { status: 403, code: "banned" });
      assert.deepEqual(res.body.error.details.userIds, [banned.user.id]);
    }
    const listed = await s.api.get(`/server/conversations?key=${key}`, srv());
    assert.deepEqual(listed.body.items, [], "no conversation was created");
    const other = await newGroup([alice.sub]);
    assertClientError(await s.api.post(`/server/conversations/${other}/members`, srv({ users: [banned.sub] })), { status: 403, code: "banned" });
  });

  test("the OpenAPI document describes the moderation field of the send", async () => {
    const doc = (await (await fetch(`${s.url}/v1/openapi.json`)).json()) as any;
    const field = doc.components.schemas.ServerSendMessageRequest.properties.moderation;
    assert.deepEqual(field.const ?? field.enum?.[0], "bypass");
    assert.match(String(field.description), /audit/i);
  });
});

describe("reports are not unlimited (G4)", () => {
  let target: Person, r1: Person, r2: Person, r3: Person, r4: Person, r5: Person;
  let room: string;
  const said: string[] = [];

  before(async () => {
    target = await person(`target-${n}`);
    [r1, r2, r3, r4, r5] = [await person(`r1-${n}`), await person(`r2-${n}`), await person(`r3-${n}`), await person(`r4-${n}`), await person(`r5-${n}`)];
    room = await newGroup([target.sub, r1.sub, r2.sub, r3.sub, r4.sub, r5.sub]);
    for (let i = 0; i < REPORTS_PER_HOUR + 1; i++) {
      const sent = await s.api.post<Message>(`/conversations/${room}/messages`, { token: target.accessToken, body: { text: `rude ${i}` } });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      said.push(sent.body.id);
    }
  });

  test("the same open report again answers the existing one (200, same id): no new row, no new webhook", async () => {
    const first = await report(r1, { messageId: said[0], reason: "spam" });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await report(r1, { messageId: said[0], reason: "harassment", note: "again!" });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.report.id, first.body.report.id);
    assert.equal(again.body.report.reason, "spam", "the existing report, unchanged");

    const aboutUser = await report(r1, { userId: target.user.id, reason: "harassment" });
    assert.equal(aboutUser.status, 201, JSON.stringify(aboutUser.body));
    const aboutUserAgain = await report(r1, { userId: target.user.id, reason: "harassment" });
    assert.equal(aboutUserAgain.status, 200, JSON.stringify(aboutUserAgain.body));
    assert.equal(aboutUserAgain.body.report.id, aboutUser.body.report.id);

    // Another reporter's report of the same message is theirs: a new one.
    const fence = await report(r2, { messageId: said[0], reason: "spam" });
    assert.equal(fence.status, 201, JSON.stringify(fence.body));
    assert.notEqual(fence.body.report.id, first.body.report.id);

    // Webhooks go out in order: once the last report's arrived, a second one of the first would have too.
    await receiver.until((all) => all.some((r) => r.body.type === "report.created" && r.body.data.id === fence.body.report.id), "the fence's report.created");
    const created = receiver.of("report.created").map((b) => b.data.id as string);
    assert.equal(created.filter((id) => id === first.body.report.id).length, 1);
    assert.equal(created.filter((id) => id === aboutUser.body.report.id).length, 1);

    const queue = await s.api.get<{ items: Report[] }>("/server/moderation/reports?status=open&limit=100", srv());
    assert.equal(queue.body.items.filter((r) => r.reporterId === r1.user.id && r.messageId === said[0]).length, 1);

    // Once resolved, the same report is a new one.
    const resolved = await s.api.post(`/server/moderation/reports/${first.body.report.id}/resolve`, srv({ status: "dismissed" }));
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    const anew = await report(r1, { messageId: said[0], reason: "spam" });
    assert.equal(anew.status, 201, JSON.stringify(anew.body));
    assert.notEqual(anew.body.report.id, first.body.report.id);
  });

  test("the same report sent several times at once is filed once", async () => {
    const answers = await Promise.all(Array.from({ length: REPORTS_PER_HOUR }, () => report(r5, { messageId: said[1], reason: "spam" })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 201].slice(-REPORTS_PER_HOUR), JSON.stringify(answers.map((a) => a.body)));
    assert.equal(new Set(answers.map((a) => a.body.report.id)).size, 1);
  });

  test("past REPORTS_PER_HOUR new reports in an hour, a reporter gets 429 with Retry-After; repeats and other reporters are not held back", async () => {
    for (let i = 0; i < REPORTS_PER_HOUR; i++) {
      const res = await report(r3, { messageId: said[i], reason: "spam" });
      assert.equal(res.status, 201, `report ${i + 1}: ${JSON.stringify(res.body)}`);
    }
    const over = await report(r3, { messageId: said[REPORTS_PER_HOUR], reason: "spam" });
    assertClientError(over, { status: 429, code: "rate_limited" });
    const retryAfter = Number(over.headers.get("retry-after"));
    assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After: ${over.headers.get("retry-after")}`);
    assert.equal((await report(r3, { messageId: said[0], reason: "spam" })).status, 200, "a repeat answers the open report");
    assert.equal((await report(r4, { messageId: said[REPORTS_PER_HOUR], reason: "spam" })).status, 201);
  });
});
