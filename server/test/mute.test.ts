/**
 * Per-conversation mute (issue 31): `PUT`/`DELETE /v1/conversations/:id/mute` set the caller's own
 * flag on their membership. Every device of theirs reads it (get, list) and hears
 * `conversation.muted` live and from /sync; nobody else sees it, not even in the events about
 * the conversation that others receive. Real HTTP and sockets, both databases.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, SyncResponse } from "@parley/sdk/protocol";
import { assertClientError } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, type ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
let app: string;
let ada: AuthResponse, ben: AuthResponse, cy: AuthResponse;
let group: string;
const sockets: ClientSocket[] = [];
const tok = (u: AuthResponse) => ({ token: u.accessToken });

async function conversationOf(u: AuthResponse, id: string): Promise<Conversation> {
  const res = await s.api.get<{ conversation: Conversation }>(`/conversations/${id}`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.conversation;
}

async function listed(u: AuthResponse, id: string): Promise<Conversation | undefined> {
  const res = await s.api.get<{ items: Conversation[] }>("/conversations?limit=100", tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.find((c) => c.id === id);
}

async function mute(u: AuthResponse, id: string, muted: boolean): Promise<Conversation> {
  const res = await (muted ? s.api.put : s.api.del)<{ conversation: Conversation }>(`/conversations/${id}/mute`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.conversation;
}

async function recorder(u: AuthResponse): Promise<Recorder> {
  const so = await connect(s, u.accessToken);
  sockets.push(so);
  return new Recorder(so);
}

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Mute")).id;
  [ada, ben, cy] = await Promise.all([s.api.register(app), s.api.register(app), s.api.register(app)]);
  // Ada and Ben are contacts, so Ben is added to her group (not invited).
  const req = await s.api.post("/contacts/requests", { ...tok(ada), body: { userId: ben.user.id } });
  assert.equal(req.status, 201, JSON.stringify(req.body));
  assert.equal((await s.api.post(`/contacts/requests/${req.body.id}/accept`, tok(ben))).status, 200);
  const g = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(ada), body: { name: "Quiet", memberIds: [ben.user.id] } });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  group = g.body.conversation.id;
  assert.ok(
    g.body.conversation.members.some((m) => m.userId === ben.user.id),
    "Ben is a member",
  );
});

after(async () => {
  for (const so of sockets) so.close();
  await s?.close();
});

describe("per-conversation mute", () => {
  test("muting is the caller's own: every device of theirs reads it and hears of it, nobody else", async () => {
    assert.equal((await conversationOf(ada, group)).muted, undefined, "not muted to begin with");
    const adaPhone = await recorder(ada);
    const benSocket = await recorder(ben);

    const answered = await mute(ada, group, true);
    assert.equal(answered.muted, true);
    const event = await adaPhone.wait("conversation.muted", (p) => p.data.conversationId === group);
    assert.deepEqual(event.data, { conversationId: group, muted: true });
    assert.equal(event.conversationId, null, "told to Ada only, not to the conversation");
    assert.equal(event.userId, ada.user.id);

    assert.equal((await conversationOf(ada, group)).muted, true);
    assert.equal((await listed(ada, group))?.muted, true, "the list says so too");
    assert.equal((await conversationOf(ben, group)).muted, undefined, "Ben does not see Ada's mute");

    // An event about the conversation that Ben receives carries no one's mute.
    assert.equal((await s.api.patch(`/conversations/${group}`, { ...tok(ada), body: { name: "Quieter" } })).status, 200);
    const updated = await benSocket.wait("conversation.updated", (p) => p.data.conversation.id === group);
    assert.equal(updated.data.conversation.muted, undefined, "Ada's mute is not in the event Ben gets");
    assert.ok(!benSocket.names().includes("conversation.muted"), "Ben never hears of Ada's mute");

    const unmuted = await mute(ada, group, false);
    assert.equal(unmuted.muted, undefined);
    await adaPhone.wait("conversation.muted", (p) => p.data.conversationId === group && p.data.muted === false);
    assert.equal((await conversationOf(ada, group)).muted, undefined);
  });

  test("a device that was away gets it from /sync; setting it again changes nothing and tells no one", async () => {
    const head = await s.api.get<{ lastSeq: number }>("/sync/head", tok(ada));
    assert.equal(head.status, 200);
    await mute(ada, group, true);
    await mute(ada, group, true);
    const sync = await s.api.get<SyncResponse>(`/sync?since=${head.body.lastSeq}`, tok(ada));
    assert.equal(sync.status, 200, JSON.stringify(sync.body));
    const mutes = sync.body.events.filter((e) => e.type === "conversation.muted");
    assert.deepEqual(
      mutes.map((e) => e.data),
      [{ conversationId: group, muted: true }],
      "one event for two identical requests",
    );
    const benSync = await s.api.get<SyncResponse>(`/sync?since=${head.body.lastSeq}`, tok(ben));
    assert.ok(!benSync.body.events.some((e) => e.type === "conversation.muted"), "not in Ben's catch-up");
    await mute(ada, group, false);
  });

  test("only members: another user, another app, a malformed id are the 404 of a missing conversation", async () => {
    for (const method of ["PUT", "DELETE"]) {
      assertClientError(await s.api.req(method, `/conversations/${group}/mute`, tok(cy)), { status: 404, code: "not_found" });
      assertClientError(await s.api.req(method, "/conversations/nope/mute", tok(ada)), { status: 404, code: "not_found" });
      assertClientError(await s.api.req(method, `/conversations/${"x".repeat(300)}/mute`, tok(ada)), { status: [400, 404] });
      assertClientError(await s.api.req(method, `/conversations/${group}/mute`), { status: 401 });
    }
    const other = (await s.createTenant("Elsewhere")).id;
    const stranger = await s.api.register(other);
    assertClientError(await s.api.put(`/conversations/${group}/mute`, tok(stranger)), { status: 404, code: "not_found" });
    assert.equal((await conversationOf(ada, group)).muted, undefined, "nothing changed for Ada");
  });

  test("leaving forgets the mute: a member who comes back starts unmuted", async () => {
    const pub = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(ada), body: { name: "Open", memberIds: [], isPublic: true } });
    assert.equal(pub.status, 201, JSON.stringify(pub.body));
    const id = pub.body.conversation.id;
    assert.equal((await s.api.post(`/conversations/${id}/join`, tok(cy))).status, 200);
    assert.equal((await mute(cy, id, true)).muted, true);
    assert.equal((await s.api.del(`/conversations/${id}/members/${cy.user.id}`, tok(cy))).status, 204);
    assert.equal((await s.api.post(`/conversations/${id}/join`, tok(cy))).status, 200);
    assert.equal((await conversationOf(cy, id)).muted, undefined);
  });
});
