/**
 * Bad input for the thread routes (`/v1/messages/:id/thread…`) and the new fields of a send
 * (`threadId`, `mentions`) over HTTP and the socket: malformed JSON, wrong types, oversized and
 * hostile values, unknown and foreign ids, bad credentials. Each answer is a 4xx with the one
 * error body whose code matches its status; never a 5xx. Afterwards nothing changed: the thread,
 * its follows and the timeline are as they were.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Message, ThreadPage } from "@parley/sdk/protocol";
import type { Case, Route } from "./helpers/bad-input-table.js";
import { basic, framingCases, HOSTILE, hasBody, runTable, sendCase, signIn } from "./helpers/bad-input-table.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, request, type ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
let member: AuthResponse;
let outsider: AuthResponse;
let foreign: AuthResponse;
let convId: string;
let rootId: string;
let replyId: string;
let socket: ClientSocket;
let snapshot_: unknown;

/** What must not change: the thread as the member sees it, their follow, and the timeline. */
async function snapshot() {
  const thread = (await s.api.get<ThreadPage>(`/messages/${rootId}/thread`, { token: member.accessToken })).body;
  const timeline = (await s.api.get<{ items: Message[] }>(`/conversations/${convId}/messages`, { token: member.accessToken })).body;
  return { thread, timeline: timeline.items.map((m) => [m.id, m.text, m.thread]) };
}

before(async () => {
  s = await startServer();
  const app = (await s.createTenant("Bad thread input")).id;
  const other = (await s.createTenant("Other")).id;
  const key = await s.services.serverKeys.create(app);
  const foreignKey = await s.services.serverKeys.create(other);
  const auth = basic(key.id, key.secret);
  member = await signIn(s, auth, app, "member-1");
  const friend = await signIn(s, auth, app, "member-2");
  outsider = await signIn(s, auth, app, "outsider");
  foreign = await signIn(s, basic(foreignKey.id, foreignKey.secret), other, "foreign");
  const conv = await s.api.post("/server/conversations", {
    headers: { Authorization: auth },
    body: { kind: "group", name: "G", users: ["member-1", "member-2"] },
  });
  convId = conv.body.conversation.id;
  rootId = (await s.api.post(`/conversations/${convId}/messages`, { token: member.accessToken, body: { text: "root" } })).body.id;
  replyId = (await s.api.post(`/conversations/${convId}/messages`, { token: friend.accessToken, body: { text: "reply", threadId: rootId } })).body.id;
  socket = await connect(s, member.accessToken);
  snapshot_ = await snapshot();
});
after(async () => {
  socket?.close();
  await s?.close();
});

/** Who sends a case; default: "member". */
type As = "member" | "outsider" | "foreign" | "none" | "bad";

/** What every route gets: credentials, framing, and the ids of its path. */
function common(r: Route<As>): Case<As>[] {
  const out: Case<As>[] = [
    { name: "no token", as: "none", expect: { status: 401 } },
    { name: "a forged token", as: "bad", expect: { status: 401 } },
    { name: "a member of the app, not of the conversation", as: "outsider", body: { text: "x", messageId: "REPLY" }, expect: { status: 404 } },
    { name: "another app's user", as: "foreign", body: { text: "x", messageId: "REPLY" }, expect: { status: 404 } },
  ];
  out.push(...framingCases(r.method, ["POST"]));
  if (r.path.includes(":m")) {
    // With a body the route would take: the path's 404 is the answer, not a 400 about the body.
    const ok = { messageId: "REPLY" };
    out.push(
      { name: "an unknown message", body: ok, path: r.path.replace(":m", "999999999"), expect: { status: 404 } },
      { name: "a reply's id (threads do not nest)", body: ok, path: r.path.replace(":m", "REPLY"), expect: { status: 404 } },
      { name: "zero", body: ok, path: r.path.replace(":m", "0"), expect: { status: 404 } },
      { name: "a negative id", body: ok, path: r.path.replace(":m", "-1"), expect: { status: 404 } },
      { name: "an over-long id", body: ok, path: r.path.replace(":m", "9".repeat(300)), expect: { status: 404 } },
      { name: "a hostile id", body: ok, path: r.path.replace(":m", encodeURIComponent("' OR 1=1 --")), expect: { status: 404 } },
      { name: "a fractional id", body: ok, path: r.path.replace(":m", "1.5"), expect: { status: 404 } },
    );
  }
  return out;
}

/** Paths hold `:m` the thread's root, `:c` the conversation. */
const ROUTES: Route<As>[] = [
  {
    method: "GET",
    path: "/messages/:m/thread",
    cases: [
      { name: "limit 0", query: "limit=0", expect: { status: 400 } },
      { name: "limit too high", query: "limit=101", expect: { status: 400 } },
      { name: "limit not a number", query: "limit=many", expect: { status: 400 } },
      { name: "before not an id", query: "before=abc", expect: { status: 400 } },
      { name: "after negative", query: "after=-5", expect: { status: 400 } },
      { name: "before hostile", query: `before=${encodeURIComponent("1; DROP TABLE messages")}`, expect: { status: 400 } },
      { name: "before repeated", query: "before=1&before=2", expect: { status: 400 } },
    ],
  },
  { method: "PUT", path: "/messages/:m/thread/follow", cases: [] },
  { method: "DELETE", path: "/messages/:m/thread/follow", cases: [] },
  {
    method: "POST",
    path: "/messages/:m/thread/read",
    cases: [
      { name: "no body", expect: { status: 400 } },
      { name: "no messageId", body: {}, expect: { status: 400 } },
      { name: "messageId a number", body: { messageId: 5 }, expect: { status: 400 } },
      { name: "messageId not an id", body: { messageId: "abc" }, expect: { status: 400 } },
      { name: "messageId of the root itself", body: { messageId: "ROOT" }, expect: { status: 400 } },
      { name: "messageId of no message", body: { messageId: "999999999" }, expect: { status: 400 } },
      ...HOSTILE.map((h, i) => ({ name: `a hostile messageId #${i + 1}`, body: { messageId: h }, expect: { status: 400 } })),
    ],
  },
  {
    method: "POST",
    path: "/conversations/:c/messages",
    cases: [
      { name: "threadId a number", body: { text: "x", threadId: 5 }, expect: { status: 400 } },
      { name: "threadId empty", body: { text: "x", threadId: "" }, expect: { status: 400 } },
      { name: "threadId of a reply", body: { text: "x", threadId: "REPLY" }, expect: { status: 400 } },
      { name: "threadId of no message", body: { text: "x", threadId: "999999999" }, expect: { status: 400 } },
      { name: "threadId null", body: { text: "x", threadId: null }, expect: { status: 400 } },
      ...HOSTILE.map((h, i) => ({ name: `a hostile threadId #${i + 1}`, body: { text: "x", threadId: h }, expect: { status: 400 } })),
      { name: "mentions not an array", body: { text: "x", mentions: "usr_1" }, expect: { status: 400 } },
      { name: "mentions of numbers", body: { text: "x", mentions: [1, 2] }, expect: { status: 400 } },
      { name: "mentions of an empty id", body: { text: "x", mentions: [""] }, expect: { status: 400 } },
      { name: "mentions twice the same user", body: { text: "x", mentions: ["ME", "ME"] }, expect: { status: 400 } },
      { name: "51 mentions", body: { text: "x", mentions: Array.from({ length: 51 }, (_, i) => `usr_${i}`) }, expect: { status: 400 } },
      { name: "a mention of an app user who is not a member", body: { text: "x", mentions: ["OUTSIDER"] }, expect: { status: 400 } },
      { name: "a mention of another app's user", body: { text: "x", mentions: ["FOREIGN"] }, expect: { status: 400 } },
      { name: "a mention of an over-long id", body: { text: "x", mentions: ["u".repeat(300)] }, expect: { status: 400 } },
      { name: "a hostile mention", body: { text: "x", mentions: ["' OR 1=1 --"] }, expect: { status: 400 } },
      { name: "mentions an object", body: { text: "x", mentions: { 0: "ME" } }, expect: { status: 400 } },
    ],
  },
];
for (const r of ROUTES) r.cases.push(...common(r));

/** Placeholders in paths and bodies, filled once the fixtures exist. */
function fill(text: string): string {
  return text
    .replaceAll(":m", rootId)
    .replaceAll(":c", convId)
    .replaceAll("REPLY", replyId)
    .replaceAll("ROOT", rootId)
    .replaceAll("OUTSIDER", outsider.user.id)
    .replaceAll("FOREIGN", foreign.user.id)
    .replaceAll('"ME"', JSON.stringify(member.user.id));
}

/** The credentials each caller sends. */
function caller(as: As) {
  if (as === "bad") return { headers: { Authorization: "Bearer not.a.token" } };
  return { token: { member, outsider, foreign, none: undefined }[as]?.accessToken };
}

runTable(
  ROUTES,
  (r, c) => {
    const body = c.body === undefined || !hasBody(r.method) ? undefined : JSON.parse(fill(JSON.stringify(c.body)));
    return sendCase(s.api, r.method, fill(c.path ?? r.path), caller(c.as ?? "member"), c, body);
  },
  "/v1",
);

describe("socket message.send with threads and mentions", () => {
  const cases: [string, unknown][] = [
    ["threadId of a reply", { conversationId: "CONV", text: "x", threadId: "REPLY" }],
    ["threadId a number", { conversationId: "CONV", text: "x", threadId: 7 }],
    ["threadId hostile", { conversationId: "CONV", text: "x", threadId: "' OR 1=1 --" }],
    ["a mention of a non-member", { conversationId: "CONV", text: "x", mentions: ["OUTSIDER"] }],
    ["a mention of another app's user", { conversationId: "CONV", text: "x", mentions: ["FOREIGN"] }],
    ["mentions not an array", { conversationId: "CONV", text: "x", mentions: "x" }],
    ["51 mentions", { conversationId: "CONV", text: "x", mentions: Array.from({ length: 51 }, (_, i) => `usr_${i}`) }],
  ];
  for (const [name, payload] of cases) {
    test(name, async () => {
      const filled = JSON.parse(fill(JSON.stringify(payload)).replace('"CONV"', JSON.stringify(convId)));
      const ack = await request<unknown>(socket, "message.send", filled);
      assert.equal(ack.ok, false);
      assert.equal(!ack.ok && ack.error.code, "validation_failed");
    });
  }
});

describe("after the whole table", () => {
  test("every route has a table of many cases", () => {
    for (const r of ROUTES) assert.ok(r.cases.length >= 8, `${r.method} ${r.path} has only ${r.cases.length} cases`);
  });

  test("nothing changed: the thread, the member's follow and the timeline", async () => {
    assert.deepEqual(await snapshot(), snapshot_);
  });
});
