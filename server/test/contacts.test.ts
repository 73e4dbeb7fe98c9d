import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, ChatEvent, ContactRequest, ContactsResponse, SyncResponse } from "@parley/sdk/protocol";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { recordQueries } from "./helpers/queries.js";

let s: TestServer;
let app: string;
let otherApp: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant()).id;
  otherApp = (await s.createTenant("Other site")).id;
});
after(() => s?.close());

const reg = (a = app): Promise<AuthResponse> => s.api.register(a);
const tok = (u: AuthResponse) => ({ token: u.accessToken });

function expectError(res: Res, status: number, code?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const c = errorCode(res);
  if (code) assert.equal(c, code);
}

const ask = (from: AuthResponse, to: AuthResponse) => s.api.post<ContactRequest>("/contacts/requests", { ...tok(from), body: { userId: to.user.id } });
const contactsOf = async (u: AuthResponse): Promise<ContactsResponse> => {
  const res = await s.api.get<ContactsResponse>("/contacts", tok(u));
  assert.equal(res.status, 200);
  return res.body;
};
const contactEvents = async (u: AuthResponse): Promise<ChatEvent[]> =>
  (await s.api.get<SyncResponse>("/sync?since=0&limit=1000", tok(u))).body.events.filter((e) => e.type === "contact.updated");

describe("contact requests", () => {
  test("request (201) then accept: both see each other as contacts, and both get contact.updated events", async () => {
    const a = await reg();
    const b = await reg();
    const req = await ask(a, b);
    assert.equal(req.status, 201);
    assert.equal(req.body.status, "pending");
    assert.equal(req.body.fromUserId, a.user.id);
    assert.equal(req.body.user.id, b.user.id, "user is the other party");
    const bView = await contactsOf(b);
    assert.equal(bView.incoming.length, 1);
    assert.equal(bView.incoming[0]!.user.id, a.user.id);
    assert.equal((await contactsOf(a)).outgoing.length, 1);

    const acc = await s.api.post<ContactRequest>(`/contacts/requests/${req.body.id}/accept`, tok(b));
    assert.equal(acc.status, 200);
    assert.equal(acc.body.status, "accepted");
    assert.ok(acc.body.respondedAt);
    const aView = await contactsOf(a);
    assert.deepEqual(
      aView.contacts.map((c) => c.user.id),
      [b.user.id],
    );
    assert.equal(aView.contacts[0]!.online, false);
    assert.ok(aView.contacts[0]!.since);
    assert.equal(aView.outgoing.length, 0);
    assert.deepEqual(
      (await contactsOf(b)).contacts.map((c) => c.user.id),
      [a.user.id],
    );

    const evA = await contactEvents(a);
    assert.deepEqual(
      evA.map((e) => (e.data as { status: string }).status),
      ["pending", "accepted"],
    );
    for (const e of evA) assert.equal(e.conversationId, null);
    assert.equal((evA[1]!.data as { userId: string }).userId, b.user.id, "data.userId is the other party");
    const evB = await contactEvents(b);
    assert.equal(evB.length, 2);
    assert.equal((evB[1]!.data as { userId: string; request: ContactRequest }).request.user.id, a.user.id);
  });

  test("decline by the recipient; cancel by the sender; nobody else can (404); answered again is 409", async () => {
    const a = await reg();
    const b = await reg();
    const c = await reg();
    const r1 = await ask(a, b);
    expectError(await s.api.post(`/contacts/requests/${r1.body.id}/accept`, tok(a)), 404, "not_found");
    expectError(await s.api.post(`/contacts/requests/${r1.body.id}/decline`, tok(c)), 404, "not_found");
    expectError(await s.api.post(`/contacts/requests/${r1.body.id}/cancel`, tok(b)), 404, "not_found");
    const dec = await s.api.post<ContactRequest>(`/contacts/requests/${r1.body.id}/decline`, tok(b));
    assert.equal(dec.status, 200);
    assert.equal(dec.body.status, "declined");
    expectError(await s.api.post(`/contacts/requests/${r1.body.id}/accept`, tok(b)), 409, "conflict");
    assert.equal((await contactsOf(a)).contacts.length, 0);

    const r2 = await ask(a, b);
    assert.equal(r2.status, 201, "a declined request can be followed by a new one");
    const can = await s.api.post<ContactRequest>(`/contacts/requests/${r2.body.id}/cancel`, tok(a));
    assert.equal(can.status, 200);
    assert.equal(can.body.status, "cancelled");
    assert.equal((await contactsOf(b)).incoming.length, 0);
    expectError(await s.api.post("/contacts/requests/crq_nope/accept", tok(b)), 404, "not_found");
  });

  test("to yourself 400; unknown or other-app user 404; duplicate pending 409; already contacts 409", async () => {
    const a = await reg();
    const b = await reg();
    const foreign = await reg(otherApp);
    expectError(await ask(a, a), 400, "validation_failed");
    expectError(await ask(a, foreign), 404, "not_found");
    expectError(await s.api.post("/contacts/requests", { ...tok(a), body: { userId: "usr_nope" } }), 404, "not_found");
    const r = await ask(a, b);
    expectError(await ask(a, b), 409, "conflict");
    await s.api.post(`/contacts/requests/${r.body.id}/accept`, tok(b));
    expectError(await ask(a, b), 409, "conflict");
    expectError(await ask(b, a), 409, "conflict");
  });

  test("asking someone who already asked you accepts their request (200)", async () => {
    const a = await reg();
    const b = await reg();
    const r = await ask(a, b);
    const back = await ask(b, a);
    assert.equal(back.status, 200);
    assert.equal(back.body.id, r.body.id);
    assert.equal(back.body.status, "accepted");
    assert.deepEqual(
      (await contactsOf(a)).contacts.map((c) => c.user.id),
      [b.user.id],
    );
    assert.deepEqual(
      (await contactsOf(b)).contacts.map((c) => c.user.id),
      [a.user.id],
    );
  });

  test("a foreign app's user cannot see or answer requests (404)", async () => {
    const a = await reg();
    const b = await reg();
    const foreign = await reg(otherApp);
    const r = await ask(a, b);
    for (const action of ["accept", "decline", "cancel"]) {
      expectError(await s.api.post(`/contacts/requests/${r.body.id}/${action}`, tok(foreign)), 404, "not_found");
    }
    const fv = await contactsOf(foreign);
    assert.deepEqual(fv, { contacts: [], incoming: [], outgoing: [] });
  });
});

describe("removing contacts", () => {
  test("DELETE /contacts/:userId removes both directions (204); again or a stranger is 404", async () => {
    const a = await reg();
    const b = await reg();
    const c = await reg();
    const r = await ask(a, b);
    await s.api.post(`/contacts/requests/${r.body.id}/accept`, tok(b));
    assert.equal((await s.api.del(`/contacts/${b.user.id}`, tok(a))).status, 204);
    assert.equal((await contactsOf(a)).contacts.length, 0);
    assert.equal((await contactsOf(b)).contacts.length, 0);
    expectError(await s.api.del(`/contacts/${b.user.id}`, tok(a)), 404, "not_found");
    expectError(await s.api.del(`/contacts/${c.user.id}`, tok(a)), 404, "not_found");
    const ev = (await contactEvents(b)).at(-1)!;
    assert.deepEqual(ev.data, { request: null, userId: a.user.id, status: "removed" });
    assert.equal((await ask(a, b)).status, 201, "they can become contacts again");
  });
});

describe("blocks", () => {
  test("blocking removes the contact, cancels pending requests, and stops requests and DMs from the blocked user (403)", async () => {
    const a = await reg();
    const b = await reg();
    const r = await ask(a, b);
    await s.api.post(`/contacts/requests/${r.body.id}/accept`, tok(b));
    const pending = await ask(b, await reg());
    assert.equal(pending.status, 201);
    const r2 = await s.api.post("/blocks", { ...tok(b), body: { userId: a.user.id } });
    assert.equal(r2.status, 204);
    assert.equal((await contactsOf(a)).contacts.length, 0);
    assert.equal((await contactsOf(b)).contacts.length, 0);
    expectError(await ask(a, b), 403, "forbidden");
    expectError(await s.api.post("/conversations/direct", { ...tok(a), body: { userId: b.user.id } }), 403, "forbidden");
    expectError(await ask(b, a), 403, "forbidden"); // the blocker must unblock first
    // The blocked user is told "removed", never "blocked".
    assert.equal(((await contactEvents(a)).at(-1)!.data as { status: string }).status, "removed");
    assert.equal(((await contactEvents(b)).at(-1)!.data as { status: string }).status, "blocked");
    assert.equal((await s.api.post("/blocks", { ...tok(b), body: { userId: a.user.id } })).status, 204, "blocking twice is fine");
  });

  test("blocking cancels pending requests in both directions", async () => {
    const a = await reg();
    const b = await reg();
    const r = await ask(a, b);
    await s.api.post("/blocks", { ...tok(b), body: { userId: a.user.id } });
    assert.equal((await contactsOf(a)).outgoing.length, 0);
    assert.equal((await contactsOf(b)).incoming.length, 0);
    expectError(await s.api.post(`/contacts/requests/${r.body.id}/accept`, tok(b)), 409, "conflict");
  });

  test("unblock (204) lets requests through again; unblocking a non-blocked user is 404", async () => {
    const a = await reg();
    const b = await reg();
    await s.api.post("/blocks", { ...tok(b), body: { userId: a.user.id } });
    assert.equal((await s.api.del(`/blocks/${a.user.id}`, tok(b))).status, 204);
    expectError(await s.api.del(`/blocks/${a.user.id}`, tok(b)), 404, "not_found");
    assert.equal((await ask(a, b)).status, 201);
    assert.equal((await s.api.post("/conversations/direct", { ...tok(a), body: { userId: b.user.id } })).status, 201);
  });

  test("blocking yourself is 400, an unknown or other-app user 404", async () => {
    const a = await reg();
    const foreign = await reg(otherApp);
    expectError(await s.api.post("/blocks", { ...tok(a), body: { userId: a.user.id } }), 400, "validation_failed");
    expectError(await s.api.post("/blocks", { ...tok(a), body: { userId: foreign.user.id } }), 404, "not_found");
    expectError(await s.api.post("/blocks", { ...tok(a), body: { userId: "usr_nope" } }), 404, "not_found");
  });
});

describe("contacts list", () => {
  test("uses the same number of queries for 1 and 30 contacts", async () => {
    const big = await reg();
    const small = await reg();
    const others = await Promise.all(Array.from({ length: 30 }, () => reg()));
    for (const o of others) {
      const r = await ask(o, big);
      await s.api.post(`/contacts/requests/${r.body.id}/accept`, tok(big));
    }
    const r = await ask(others[0]!, small);
    await s.api.post(`/contacts/requests/${r.body.id}/accept`, tok(small));
    await ask(others[1]!, small); // and one incoming
    await ask(small, others[2]!); // and one outgoing
    await ask(big, await reg());

    let bigView!: Awaited<ReturnType<typeof contactsOf>>;
    let smallView!: Awaited<ReturnType<typeof contactsOf>>;
    const bigCount = (await recordQueries(s.services, async () => (bigView = await contactsOf(big)))).length;
    const smallCount = (await recordQueries(s.services, async () => (smallView = await contactsOf(small)))).length;
    assert.equal(bigView.contacts.length, 30);
    assert.equal(bigView.outgoing.length, 1);
    assert.equal(smallView.contacts.length, 1);
    assert.equal(smallView.incoming.length, 1);
    assert.equal(smallView.outgoing.length, 1);
    console.log(`queries: ${bigCount} for 30 contacts, ${smallCount} for 1`);
    assert.equal(bigCount, smallCount);
  });
});

describe("bad input never 500s", () => {
  test("every contacts and blocks route answers 4xx with an error body", async () => {
    const a = await reg();
    const long = "x".repeat(5000);
    const cases: [string, string, unknown][] = [
      ["POST", "/contacts/requests", {}],
      ["POST", "/contacts/requests", { userId: 1 }],
      ["POST", "/contacts/requests", { userId: "" }],
      ["POST", "/contacts/requests", { userId: "x".repeat(100_000) }],
      ["POST", "/contacts/requests", [1]],
      ["POST", "/contacts/requests", null],
      ["POST", `/contacts/requests/${long}/accept`, undefined],
      ["POST", `/contacts/requests/${long}/decline`, undefined],
      ["POST", `/contacts/requests/${long}/cancel`, undefined],
      ["DELETE", `/contacts/${long}`, undefined],
      ["POST", "/blocks", {}],
      ["POST", "/blocks", { userId: false }],
      ["POST", "/blocks", { userId: long }],
      ["DELETE", `/blocks/${long}`, undefined],
      ["DELETE", "/blocks/usr_nope", undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await s.api.req(method, path, { ...tok(a), ...(body === undefined ? {} : { body }) });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path.slice(0, 60)}: ${res.status}`);
      errorCode(res);
    }
    expectError(await s.api.post("/blocks", { ...tok(a), raw: "{", contentType: "application/json" }), 400, "invalid_json");
    for (const [m, p] of [
      ["GET", "/contacts"],
      ["POST", "/contacts/requests"],
      ["POST", "/blocks"],
      ["DELETE", "/blocks/x"],
    ] as const) {
      assert.equal((await s.api.req(m, p)).status, 401, `${m} ${p}`);
    }
  });
});
