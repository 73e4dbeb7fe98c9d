/**
 * Bad input for every moderation route (`/v1/reports`, `/v1/moderation/…` with a moderator's
 * token, `/v1/server/moderation/…` and `/v1/server/moderators/…` with a server key) and for the
 * socket send that moderation now checks: malformed JSON, wrong types, oversized and hostile
 * strings, unknown and foreign ids, wrong content types and bad credentials. Each answer is a 4xx
 * with the one error body whose code matches its status; never a 5xx. Afterwards nothing changed:
 * the audit log, the word filter and the report queue are as they were.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse } from "@parley/sdk/protocol";
import type { Case, Route } from "./helpers/bad-input-table.js";
import { basic, framingCases, HOSTILE, hasBody, pathIdCases, runTable, sendCase, serverKeyCases, signIn } from "./helpers/bad-input-table.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, request, type ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
let serverAuth: string;
let foreignAuth: string;
let mod: AuthResponse;
let member: AuthResponse;
let foreignMod: AuthResponse;
let convId: string;
let msgId: string;
let reportId: string;
let socket: ClientSocket;
let before_: { audit: unknown; filter: unknown; reports: unknown };
const SUB = "member-1";

async function snapshot() {
  const h = { headers: { Authorization: serverAuth } };
  return {
    audit: (await s.api.get("/server/moderation/audit?limit=100", h)).body,
    filter: (await s.api.get("/server/moderation/word-filter", h)).body,
    reports: (await s.api.get("/server/moderation/reports?status=all", h)).body,
  };
}

before(async () => {
  s = await startServer();
  const app = (await s.createTenant("Bad moderation input")).id;
  const other = (await s.createTenant("Other")).id;
  const key = await s.services.serverKeys.create(app);
  const foreign = await s.services.serverKeys.create(other);
  serverAuth = basic(key.id, key.secret);
  foreignAuth = basic(foreign.id, foreign.secret);
  mod = await signIn(s, serverAuth, app, "mod-1");
  member = await signIn(s, serverAuth, app, SUB);
  foreignMod = await signIn(s, foreignAuth, other, "fmod-1");
  assert.equal((await s.api.put("/server/moderators/mod-1", { headers: { Authorization: serverAuth } })).status, 204);
  assert.equal((await s.api.put("/server/moderators/fmod-1", { headers: { Authorization: foreignAuth } })).status, 204);
  const conv = await s.api.post("/server/conversations", { headers: { Authorization: serverAuth }, body: { kind: "group", name: "G", users: ["mod-1", SUB] } });
  convId = conv.body.conversation.id;
  msgId = (await s.api.post(`/conversations/${convId}/messages`, { token: member.accessToken, body: { text: "hello" } })).body.id;
  reportId = (await s.api.post("/reports", { token: mod.accessToken, body: { messageId: msgId, reason: "spam" } })).body.report.id;
  await s.api.put("/server/moderation/word-filter", { headers: { Authorization: serverAuth }, body: { words: [{ word: "forbidden", action: "block" }] } });
  socket = await connect(s, member.accessToken);
  before_ = await snapshot();
});
after(async () => {
  socket?.close();
  await s?.close();
});

/** Who sends a case; default: "server" on server routes, else "mod" (this app's moderator). */
type As = "server" | "foreignServer" | "mod" | "none" | "member" | "foreignMod" | "bad";

/** Paths hold `:c` conversation, `:m` message, `:u` user (id, or sub on server routes), `:r` report. */
interface ModRoute extends Route<As> {
  /** Called with a server key, else with a moderator's token. */
  server: boolean;
}

/** What every route gets: credentials, framing, and the ids of its path. */
function common(r: ModRoute): Case<As>[] {
  const out: Case<As>[] = r.server
    ? serverKeyCases()
    : [
        { name: "no token", as: "none", expect: { status: 401 } },
        { name: "a forged token", as: "bad", expect: { status: 401 } },
        // With a body the route would take: the refusal is the 403, not a 400 about the body.
        { name: "a plain member", as: "member", ...(hasBody(r.method) ? { body: validBodyFor(r) } : {}), expect: { status: 403, code: "forbidden" } },
      ];
  out.push(...framingCases(r.method));
  if (r.method === "DELETE") {
    out.push(
      { name: "a reason that is a number", body: { reason: 42 }, expect: { status: [400, 404] } },
      { name: "a reason too long", body: { reason: "r".repeat(501) }, expect: { status: [400, 404] } },
      { name: "not JSON", raw: "a=b", contentType: "text/plain", expect: { status: 415 } },
    );
  }
  if (r.path.includes(":u")) {
    out.push(
      { name: "an unknown user", path: r.path.replace(":u", "usr_nobody"), expect: { status: [400, 404] } },
      { name: "an over-long user", path: r.path.replace(":u", "u".repeat(300)), expect: { status: [400, 404] } },
      { name: "a hostile user", path: r.path.replace(":u", encodeURIComponent("../../etc/passwd")), expect: { status: [400, 404] } },
    );
  }
  if (r.path.includes(":r")) {
    out.push(
      { name: "an unknown report", path: r.path.replace(":r", "rep_missing"), body: { status: "resolved" }, expect: { status: [400, 404] } },
      { name: "an over-long report id", path: r.path.replace(":r", "r".repeat(300)), body: { status: "resolved" }, expect: { status: [400, 404] } },
    );
  }
  out.push(...pathIdCases(r.path));
  if (/:[cmur]/.test(r.path)) {
    out.push({ name: "another app's moderator or key", as: r.server ? "foreignServer" : "foreignMod", body: validBodyFor(r), expect: { status: 404 } });
  }
  return out;
}

/** A body the route would accept, to prove a foreign caller gets the 404 and not a 400. */
function validBodyFor(r: ModRoute): unknown {
  if (r.path.endsWith("/mutes/:u") && r.method === "PUT") return { durationSec: 60 };
  if (r.path.endsWith("/slow-mode")) return { seconds: 10 };
  if (r.path.endsWith("/resolve")) return { status: "dismissed" };
  if (r.path.endsWith("/word-filter")) return { words: [] };
  return { reason: "r" };
}

const muteCases: Case<As>[] = [
  { name: "neither until nor duration", body: {}, expect: { status: 400 } },
  { name: "both until and duration", body: { until: new Date(Date.now() + 60_000).toISOString(), durationSec: 60 }, expect: { status: 400 } },
  { name: "until in the past", body: { until: "2001-01-01T00:00:00Z" }, expect: { status: 400 } },
  { name: "until over a year", body: { until: "2999-01-01T00:00:00Z" }, expect: { status: 400 } },
  { name: "until not a date", body: { until: "tomorrow" }, expect: { status: 400 } },
  { name: "a zero duration", body: { durationSec: 0 }, expect: { status: 400 } },
  { name: "a fractional duration", body: { durationSec: 1.5 }, expect: { status: 400 } },
  { name: "a duration as a string", body: { durationSec: "60" }, expect: { status: 400 } },
  { name: "a reason too long", body: { durationSec: 60, reason: "r".repeat(501) }, expect: { status: 400 } },
];
const reasonCases: Case<As>[] = [
  { name: "a reason that is an object", body: { reason: { x: 1 } }, expect: { status: 400 } },
  { name: "a reason too long", body: { reason: "r".repeat(501) }, expect: { status: 400 } },
  ...HOSTILE.slice(5).map((h): Case<As> => ({ name: "a huge reason", body: { reason: h }, expect: { status: [400, 413] } })),
];
const slowCases: Case<As>[] = [
  { name: "no seconds", body: {}, expect: { status: 400 } },
  { name: "negative seconds", body: { seconds: -1 }, expect: { status: 400 } },
  { name: "over an hour", body: { seconds: 3601 }, expect: { status: 400 } },
  { name: "fractional seconds", body: { seconds: 0.5 }, expect: { status: 400 } },
  { name: "seconds as a string", body: { seconds: "10" }, expect: { status: 400 } },
];
const filterCases: Case<As>[] = [
  { name: "no words", body: {}, expect: { status: 400 } },
  { name: "words not an array", body: { words: "darn" }, expect: { status: 400 } },
  { name: "an empty word", body: { words: [{ word: "  ", action: "block" }] }, expect: { status: 400 } },
  { name: "a word of punctuation only", body: { words: [{ word: "!!!", action: "block" }] }, expect: { status: 400 } },
  { name: "a control character", body: { words: [{ word: "a\u0000b", action: "block" }] }, expect: { status: 400 } },
  { name: "a word too long", body: { words: [{ word: "w".repeat(65), action: "block" }] }, expect: { status: 400 } },
  { name: "an unknown action", body: { words: [{ word: "darn", action: "shout" }] }, expect: { status: 400 } },
  {
    name: "a duplicate word",
    body: {
      words: [
        { word: "Darn", action: "block" },
        { word: "darn", action: "mask" },
      ],
    },
    expect: { status: 400 },
  },
  { name: "too many words", body: { words: Array.from({ length: 501 }, (_, i) => ({ word: `w${i}`, action: "mask" })) }, expect: { status: 400 } },
  { name: "a huge body", body: { words: [{ word: "x".repeat(200_000), action: "mask" }] }, expect: { status: [400, 413] } },
];
const resolveCases: Case<As>[] = [
  { name: "no status", body: {}, expect: { status: 400 } },
  { name: "an unknown status", body: { status: "open" }, expect: { status: 400 } },
  { name: "a note too long", body: { status: "resolved", note: "n".repeat(501) }, expect: { status: 400 } },
  { name: "a note that is a number", body: { status: "resolved", note: 5 }, expect: { status: 400 } },
];
const pageCases: Case<As>[] = [
  { name: "a limit of 0", query: "limit=0", expect: { status: 400 } },
  { name: "a limit over 100", query: "limit=1000", expect: { status: 400 } },
  { name: "a non-numeric limit", query: "limit=ten", expect: { status: 400 } },
  { name: "a garbage cursor", query: "cursor=%%%", expect: { status: 400 } },
  { name: "a cursor of the wrong shape", query: `cursor=${Buffer.from(JSON.stringify({ x: 1 })).toString("base64url")}`, expect: { status: 400 } },
  { name: "an over-long cursor", query: `cursor=${"c".repeat(500)}`, expect: { status: 400 } },
];

function moderationRoutes(prefix: string, server: boolean): ModRoute[] {
  const r = (method: ModRoute["method"], path: string, cases: Case<As>[]): ModRoute => ({ method, path: `${prefix}${path}`, server, cases: [...cases] });
  return [
    r("GET", "/audit", pageCases),
    r("GET", "/reports", [...pageCases, { name: "an unknown status", query: "status=closed", expect: { status: 400 } }]),
    r("POST", "/reports/:r/resolve", resolveCases),
    r("PUT", "/conversations/:c/mutes/:u", muteCases),
    r("DELETE", "/conversations/:c/mutes/:u", []),
    r("PUT", "/conversations/:c/bans/:u", reasonCases),
    r("DELETE", "/conversations/:c/bans/:u", []),
    r("PUT", "/bans/:u", reasonCases),
    r("DELETE", "/bans/:u", []),
    r("PUT", "/conversations/:c/slow-mode", slowCases),
    r("GET", "/word-filter", [
      {
        name: "a token for this app naming another one",
        headers: server ? { Authorization: "Basic !!!" } : { "X-Parley-App": "app_other" },
        expect: { status: 401 },
      },
      { name: "a query of another app's id", query: "appId=app_other", ...(server ? { as: "none" } : {}), expect: { status: 401 } },
    ]),
    r("PUT", "/word-filter", filterCases),
    r("DELETE", "/messages/:m", [{ name: "a message id with a sign", path: `${prefix}/messages/+1`, expect: { status: 404 } }]),
  ];
}

const ROUTES: ModRoute[] = [
  {
    method: "POST",
    path: "/reports",
    server: false,
    cases: [
      { name: "no reason", body: { messageId: "1" }, expect: { status: 400 } },
      { name: "an unknown reason", body: { userId: "usr_x", reason: "boring" }, expect: { status: 400 } },
      { name: "neither message nor user", body: { reason: "spam" }, expect: { status: 400 } },
      { name: "both message and user", body: { messageId: "1", userId: "usr_x", reason: "spam" }, expect: { status: 400 } },
      { name: "a non-numeric message id", body: { messageId: "abc", reason: "spam" }, expect: { status: 400 } },
      { name: "an unknown message", body: { messageId: "999999999", reason: "spam" }, expect: { status: 404 } },
      { name: "an unknown user", body: { userId: "usr_nobody", reason: "spam" }, expect: { status: 404 } },
      { name: "a note too long", body: { userId: "usr_x", reason: "spam", note: "n".repeat(1001) }, expect: { status: 400 } },
      { name: "a note that is an array", body: { userId: "usr_x", reason: "spam", note: ["x"] }, expect: { status: 400 } },
      { name: "a hostile user id", body: { userId: "' OR 1=1 --", reason: "spam" }, expect: { status: 404 } },
      { name: "a foreign app's user (by its moderator)", as: "foreignMod", body: { messageId: "MSG", reason: "spam" }, expect: { status: 404 } },
      { name: "no token", as: "none", body: { userId: "usr_x", reason: "spam" }, expect: { status: 401 } },
      { name: "malformed JSON", raw: "{not json", contentType: "application/json", expect: { status: 400 } },
      { name: "not JSON", raw: "a=b", contentType: "application/x-www-form-urlencoded", expect: { status: 415 } },
    ],
  },
  ...moderationRoutes("/moderation", false),
  ...moderationRoutes("/server/moderation", true),
  { method: "GET", path: "/server/moderators", server: true, cases: [] },
  {
    method: "PUT",
    path: "/server/moderators/:u",
    server: true,
    cases: [{ name: "a reason too long", body: { reason: "r".repeat(501) }, expect: { status: 400 } }],
  },
  { method: "DELETE", path: "/server/moderators/:u", server: true, cases: [] },
];
for (const r of ROUTES) if (r.path !== "/reports") r.cases.push(...common(r));

const fill = (p: string, server: boolean): string =>
  p
    .replace(":c", convId)
    .replace(":m", msgId)
    .replace(":u", server ? SUB : member.user.id)
    .replace(":r", reportId);

/** The credentials each caller sends. */
function caller(as: As) {
  if (as === "server") return { headers: { Authorization: serverAuth } };
  if (as === "foreignServer") return { headers: { Authorization: foreignAuth } };
  if (as === "bad") return { headers: { Authorization: "Bearer not.a.token" } };
  return { token: { mod, member, foreignMod, none: undefined }[as]?.accessToken };
}

runTable(
  ROUTES,
  (r, c) => {
    const body = c.body === undefined ? undefined : JSON.parse(JSON.stringify(c.body).replace('"MSG"', JSON.stringify(msgId)));
    return sendCase(s.api, r.method, fill(c.path ?? r.path, r.server), caller(c.as ?? (r.server ? "server" : "mod")), c, body);
  },
  "/v1",
);

describe("socket message.send under moderation", () => {
  const cases: [string, unknown, string][] = [
    ["blocked text", { conversationId: "CONV", text: "this is forbidden" }, "content_blocked"],
    ["blocked text in another case", { conversationId: "CONV", text: "FORBIDDEN!" }, "content_blocked"],
    ["a conversation of no one", { conversationId: "cnv_missing00000000000000", text: "hi" }, "not_found"],
    ["no text", { conversationId: "CONV" }, "validation_failed"],
    ["a text that is an object", { conversationId: "CONV", text: { forbidden: true } }, "validation_failed"],
    ["not an object", "forbidden", "validation_failed"],
  ];
  for (const [name, payload, code] of cases) {
    test(name, async () => {
      const filled = typeof payload === "object" ? JSON.parse(JSON.stringify(payload).replace('"CONV"', JSON.stringify(convId))) : payload;
      const ack = await request<unknown>(socket, "message.send", filled);
      assert.equal(ack.ok, false);
      assert.equal(!ack.ok && ack.error.code, code);
    });
  }
});

describe("after the whole table", () => {
  test("every moderation route has a table of many cases", () => {
    assert.equal(ROUTES.length, 30);
    for (const r of ROUTES) assert.ok(r.cases.length >= 5, `${r.method} ${r.path} has only ${r.cases.length} cases`);
  });

  test("nothing changed: the audit log, the word filter and the report queue", async () => {
    assert.deepEqual(await snapshot(), before_);
  });
});
