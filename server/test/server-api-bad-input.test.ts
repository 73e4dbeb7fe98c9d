/**
 * Bad input for every server API route (`/v1/server/…`): malformed JSON, wrong types, oversized
 * and hostile strings, unknown ids and subs, wrong content types and bad credentials. Each answer
 * is a 4xx with the one error body whose code matches its status; never a 5xx. Afterwards the
 * stored data is unchanged.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Case, Route } from "./helpers/bad-input-table.js";
import { basic, framingCases, HOSTILE, hasBody, pathIdCases, runTable, sendCase, serverKeyCases } from "./helpers/bad-input-table.js";
import { startServer, type TestServer } from "./helpers/harness.js";

let s: TestServer;
let auth: string;
let foreignAuth: string;
let convId: string;
let msgId: string;
const SUB = "seller-1";

before(async () => {
  s = await startServer();
  const app = (await s.createTenant("Bad server input")).id;
  const other = (await s.createTenant("Other")).id;
  const key = await s.services.serverKeys.create(app);
  const foreign = await s.services.serverKeys.create(other);
  auth = basic(key.id, key.secret);
  foreignAuth = basic(foreign.id, foreign.secret);
  const h = { Authorization: auth };
  for (const sub of [SUB, "buyer-1"]) assert.equal((await s.api.post("/server/users", { headers: h, body: { sub, name: sub } })).status, 201);
  const conv = await s.api.post("/server/conversations", { headers: h, body: { kind: "group", name: "Order", users: [SUB, "buyer-1"], key: "order-1" } });
  convId = conv.body.conversation.id;
  msgId = (await s.api.post(`/server/conversations/${convId}/messages`, { headers: h, body: { text: "original" } })).body.id;
});
after(() => s?.close());

/** `as`: "none" sends no credentials, "foreign" another app's key; default: this app's key. */
type As = "none" | "foreign";
/** Paths with `:c` (conversation), `:m` (message), `:u` (sub) filled from the fixtures. */
const fill = (p: string): string => p.replace(":c", convId).replace(":m", msgId).replace(":u", encodeURIComponent(SUB));
/** The table's hostile strings and a lone surrogate. */
const hostile = [...HOSTILE, "\uD800"];

/** What every route gets: credentials and, for routes with a body, the body's framing. */
function common(r: Route<As>): Case<As>[] {
  return [
    ...serverKeyCases(),
    ...framingCases(r.method),
    ...(hasBody(r.method)
      ? [
          { name: "JSON null", raw: "null", contentType: "application/json", expect: { status: 400 } },
          { name: "an empty object", body: {}, expect: { status: [400, 404] } },
        ]
      : []),
    ...pathIdCases(r.path),
  ];
}

const big = { v: "x".repeat(5000) };
const dataCases = (make: (data: unknown) => unknown): Case<As>[] => [
  { name: "data over 4,096 bytes", body: make(big), expect: { status: 413, code: "payload_too_large" } },
  { name: "data an array", body: make([1, 2]), expect: { status: 400 } },
  { name: "data a string", body: make("x"), expect: { status: 400 } },
  { name: "data a number", body: make(1), expect: { status: 400 } },
];

const ROUTES: Route<As>[] = [
  {
    method: "POST",
    path: "/server/users",
    cases: [
      { name: "no sub", body: { name: "X" }, expect: { status: 400 } },
      { name: "a blank sub", body: { sub: "   ", name: "X" }, expect: { status: 400 } },
      { name: "a sub of 192 characters", body: { sub: "s".repeat(192), name: "X" }, expect: { status: 400 } },
      { name: "a lone surrogate in sub", body: { sub: "\uD800", name: "X" }, expect: { status: 400 } },
      { name: "a numeric sub", body: { sub: 42, name: "X" }, expect: { status: 400 } },
      { name: "no name", body: { sub: "new-1" }, expect: { status: 400 } },
      { name: "a javascript: avatar", body: { sub: "new-1", name: "X", avatarUrl: "javascript:alert(1)" }, expect: { status: 400 } },
      { name: "a bad email", body: { sub: "new-1", name: "X", email: "not an email" }, expect: { status: 400 } },
      ...hostile
        .slice(0, 3)
        .map((h): Case<As> => ({ name: `a hostile name ${h.slice(0, 10)}`, body: { sub: "new-1", name: h, data: big }, expect: { status: [400, 413] } })),
      ...dataCases((data) => ({ sub: "new-1", name: "X", data })),
    ],
  },
  {
    method: "POST",
    path: "/server/tokens",
    cases: [
      { name: "no sub", body: {}, expect: { status: 400 } },
      { name: "an unknown sub", body: { sub: "nobody" }, expect: { status: 404 } },
      { name: "ttl too short", body: { sub: SUB, ttlSec: 1 }, expect: { status: 400 } },
      { name: "ttl too long", body: { sub: SUB, ttlSec: 10_000_000 }, expect: { status: 400 } },
      { name: "ttl a string", body: { sub: SUB, ttlSec: "60" }, expect: { status: 400 } },
      { name: "ttl fractional", body: { sub: SUB, ttlSec: 60.5 }, expect: { status: 400 } },
      ...hostile.map((h): Case<As> => ({ name: `a hostile sub ${JSON.stringify(h.slice(0, 10))}`, body: { sub: h }, expect: { status: [400, 404] } })),
    ],
  },
  {
    method: "POST",
    path: "/server/conversations",
    cases: [
      { name: "no kind", body: { users: [SUB] }, expect: { status: 400 } },
      { name: "an unknown kind", body: { kind: "channel", users: [SUB] }, expect: { status: 400 } },
      { name: "users not an array", body: { kind: "group", users: SUB }, expect: { status: 400 } },
      { name: "a direct with one user", body: { kind: "direct", users: [SUB] }, expect: { status: 400 } },
      { name: "a direct with the same user twice", body: { kind: "direct", users: [SUB, SUB] }, expect: { status: 400 } },
      { name: "an unknown sub", body: { kind: "group", users: ["ghost"] }, expect: { status: 404 } },
      { name: "a key of 129 characters", body: { kind: "group", users: [SUB], key: "k".repeat(129) }, expect: { status: 400 } },
      { name: "a key with edge spaces", body: { kind: "group", users: [SUB], key: " k " }, expect: { status: 400 } },
      { name: "a name of 10,000 characters", body: { kind: "group", users: [SUB], name: "n".repeat(10_000) }, expect: { status: 400 } },
      { name: "isPublic a string", body: { kind: "group", users: [SUB], isPublic: "yes" }, expect: { status: 400 } },
      ...dataCases((data) => ({ kind: "group", users: [SUB], data })),
    ],
  },
  {
    method: "GET",
    path: "/server/conversations",
    cases: [
      { name: "limit 0", query: "limit=0", expect: { status: 400 } },
      { name: "limit huge", query: "limit=100000", expect: { status: 400 } },
      { name: "a junk cursor", query: "cursor=junk", expect: { status: 400 } },
      { name: "a key of 129 characters", query: `key=${"k".repeat(129)}`, expect: { status: 400 } },
      { name: "a filter not on data", query: "filter[orderId]=1", expect: { status: 400 } },
      { name: "a filter field too long", query: `filter[data.${"f".repeat(65)}]=1`, expect: { status: 400 } },
      { name: "a filter value too long", query: `filter[data.orderId]=${"v".repeat(192)}`, expect: { status: 400 } },
      { name: "a repeated filter", query: "filter[data.a]=1&filter[data.a]=2", expect: { status: 400 } },
      { name: "too many filters", query: "filter[data.a]=1&filter[data.b]=1&filter[data.c]=1&filter[data.d]=1&filter[data.e]=1", expect: { status: 400 } },
      { name: "a bare filter", query: "filter=1", expect: { status: 400 } },
    ],
  },
  {
    method: "GET",
    path: "/server/conversations/:c",
    cases: [
      { name: "another app's key", as: "foreign", expect: { status: 404 } },
      { name: "the id in upper case", path: "/server/conversations/CNV_X", expect: { status: 404 } },
    ],
  },
  {
    method: "PATCH",
    path: "/server/conversations/:c",
    cases: [
      { name: "a name of 10,000 characters", body: { name: "n".repeat(10_000) }, expect: { status: 400 } },
      { name: "a name a number", body: { name: 1 }, expect: { status: 400 } },
      { name: "another app's key", body: { name: "Hijack" }, as: "foreign", expect: { status: 404 } },
      ...dataCases((data) => ({ data })),
    ],
  },
  {
    method: "POST",
    path: "/server/conversations/:c/members",
    cases: [
      { name: "no users", body: { users: [] }, expect: { status: 400 } },
      { name: "users not strings", body: { users: [1, 2] }, expect: { status: 400 } },
      { name: "an unknown sub", body: { users: ["ghost"] }, expect: { status: 404 } },
      { name: "another app's key", body: { users: [SUB] }, as: "foreign", expect: { status: 404 } },
      ...hostile.map((h): Case<As> => ({ name: `a hostile sub ${JSON.stringify(h.slice(0, 10))}`, body: { users: [h] }, expect: { status: [400, 404] } })),
    ],
  },
  {
    method: "DELETE",
    path: "/server/conversations/:c/members/:u",
    cases: [
      { name: "an unknown sub", path: "/server/conversations/:c/members/ghost", expect: { status: 404 } },
      { name: "an over-long sub", path: `/server/conversations/:c/members/${"s".repeat(500)}`, expect: { status: 404 } },
      { name: "a hostile sub", path: `/server/conversations/:c/members/${encodeURIComponent("' OR 1=1 --")}`, expect: { status: 404 } },
      { name: "a malformed escape", path: "/server/conversations/:c/members/%E0%A4%A", expect: { status: [400, 404] } },
      { name: "another app's key", as: "foreign", expect: { status: 404 } },
    ],
  },
  {
    method: "POST",
    path: "/server/conversations/:c/messages",
    cases: [
      { name: "no text", body: {}, expect: { status: 400 } },
      { name: "blank text", body: { text: "   " }, expect: { status: 400 } },
      { name: "text of 100,000 characters", body: { text: "t".repeat(100_000) }, expect: { status: 400 } },
      { name: "text a number", body: { text: 1 }, expect: { status: 400 } },
      { name: "an unknown from", body: { text: "x", from: "ghost" }, expect: { status: 404 } },
      { name: "a malformed replyToId", body: { text: "x", replyToId: "abc" }, expect: { status: 400 } },
      { name: "a replyToId of nothing", body: { text: "x", replyToId: "999999999" }, expect: { status: 400 } },
      { name: "a clientMessageId with edge spaces", body: { text: "x", clientMessageId: " a " }, expect: { status: 400 } },
      { name: "another app's key", body: { text: "intrusion" }, as: "foreign", expect: { status: 404 } },
      ...dataCases((data) => ({ text: "x", data })),
    ],
  },
  {
    method: "GET",
    path: "/server/conversations/:c/messages",
    cases: [
      { name: "limit 0", query: "limit=0", expect: { status: 400 } },
      { name: "before not an id", query: "before=abc", expect: { status: 400 } },
      { name: "after negative", query: "after=-1", expect: { status: 400 } },
      { name: "another app's key", as: "foreign", expect: { status: 404 } },
    ],
  },
  {
    method: "PATCH",
    path: "/server/messages/:m",
    cases: [
      { name: "blank text", body: { text: "  " }, expect: { status: 400 } },
      { name: "text of 100,000 characters", body: { text: "t".repeat(100_000) }, expect: { status: 400 } },
      { name: "text an object", body: { text: { a: 1 } }, expect: { status: 400 } },
      { name: "another app's key", body: { text: "Hijack" }, as: "foreign", expect: { status: 404 } },
      ...dataCases((data) => ({ data })),
    ],
  },
  {
    method: "DELETE",
    path: "/server/messages/:m",
    cases: [
      { name: "another app's key", as: "foreign", expect: { status: 404 } },
      { name: "a message id with a sign", path: "/server/messages/+1", expect: { status: 404 } },
    ],
  },
];

for (const r of ROUTES) r.cases.push(...common(r));

/** The credentials each caller sends. */
const caller = (as?: As) => (as === "none" ? {} : { headers: { Authorization: as === "foreign" ? foreignAuth : auth } });
runTable(ROUTES, (r, c) => sendCase(s.api, r.method, fill(c.path ?? r.path), caller(c.as), c, c.body));

describe("after the whole table", () => {
  test("every server route has a table of many cases", () => {
    assert.deepEqual(
      ROUTES.map((r) => `${r.method} ${r.path}`),
      [
        "POST /server/users",
        "POST /server/tokens",
        "POST /server/conversations",
        "GET /server/conversations",
        "GET /server/conversations/:c",
        "PATCH /server/conversations/:c",
        "POST /server/conversations/:c/members",
        "DELETE /server/conversations/:c/members/:u",
        "POST /server/conversations/:c/messages",
        "GET /server/conversations/:c/messages",
        "PATCH /server/messages/:m",
        "DELETE /server/messages/:m",
      ],
    );
    for (const r of ROUTES) assert.ok(r.cases.length >= 10, `${r.method} ${r.path} has only ${r.cases.length} cases`);
  });

  test("the stored data is unchanged", async () => {
    const h = { Authorization: auth };
    const conv = await s.api.get(`/server/conversations/${convId}`, { headers: h });
    assert.equal(conv.body.conversation.name, "Order");
    assert.equal(conv.body.conversation.members.length, 2);
    assert.equal("data" in conv.body.conversation, false);
    const hist = await s.api.get(`/server/conversations/${convId}/messages`, { headers: h });
    assert.deepEqual(
      hist.body.items.map((m: { text: string }) => m.text),
      ["original"],
    );
    const list = await s.api.get("/server/conversations", { headers: h });
    assert.equal(list.body.items.length, 1);
  });
});
