/**
 * Pins (issue 33): who may pin (a group's owner, admins and the app's moderators; either member of
 * a direct conversation; the host's backend), the limit per conversation, idempotence, the list
 * newest first, `pin.updated` and `message.updated` to every member, a message's `pinned` in
 * history and sync, a pinned message's deletion (by its sender, a moderator, an account deletion)
 * taking its pin, and the webhook. Real HTTP, real sockets, both databases.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message, Pin, PinsResponse, SyncResponse } from "@parley/sdk/protocol";
import { PIN_LIMITS } from "../src/pins/pins.schema.js";
import { assertClientError } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, type ClientSocket } from "./helpers/sockets.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

let s: TestServer;
let app: string;
let auth: string;
const sockets: ClientSocket[] = [];
const tok = (u: AuthResponse) => ({ token: u.accessToken });
const srv = (body?: unknown) => ({ headers: { Authorization: auth }, ...(body === undefined ? {} : { body }) });
const reg = (a = app): Promise<AuthResponse> => s.api.register(a);

async function group(owner: AuthResponse, members: AuthResponse[]): Promise<string> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations", {
    ...tok(owner),
    body: { name: "Team", memberIds: members.map((m) => m.user.id) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}

async function send(u: AuthResponse, conversationId: string, text: string, extra: Record<string, unknown> = {}): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${conversationId}/messages`, { ...tok(u), body: { text, ...extra } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** The pin, or an error body (`error.details.reason`). */
const pin = (u: AuthResponse, id: string) => s.api.put<Pin & { error: { details: { reason?: string; limit?: number } } }>(`/messages/${id}/pin`, tok(u));
const unpin = (u: AuthResponse, id: string) => s.api.del(`/messages/${id}/pin`, tok(u));
async function pins(u: AuthResponse, conversationId: string): Promise<Pin[]> {
  const res = await s.api.get<PinsResponse>(`/conversations/${conversationId}/pins`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.pins;
}
async function historyOf(u: AuthResponse, conversationId: string): Promise<Message[]> {
  const res = await s.api.get<{ items: Message[] }>(`/conversations/${conversationId}/messages`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}
async function recorder(u: AuthResponse): Promise<Recorder> {
  const so = await connect(s, u.accessToken);
  sockets.push(so);
  return new Recorder(so);
}

let receiver: WebhookReceiver;

before(async () => {
  s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_POLL_MS: "20" });
  app = (await s.createTenant("Pins")).id;
  const key = await s.services.serverKeys.create(app);
  auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  receiver = await new WebhookReceiver().start();
  const hook = await s.api.post("/server/webhooks", srv({ url: receiver.url, events: ["pin.updated"] }));
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
});

after(async () => {
  for (const so of sockets) so.close();
  await receiver?.close();
  await s?.close();
});

describe("pins", () => {
  test("a group's owner, admins and moderators pin; a plain member may not; every member hears of it", async () => {
    const [owner, admin, member, mod] = await Promise.all([reg(), reg(), reg(), reg()]);
    const g = await group(owner, [admin, member, mod]);
    assert.equal((await s.api.put(`/conversations/${g}/members/${admin.user.id}/role`, { ...tok(owner), body: { role: "admin" } })).status, 200);
    await s.services.moderation.setModerator({ appId: app, server: "test" } as never, { userId: mod.user.id, moderator: true });
    const [a, b, c] = await Promise.all([send(member, g, "first"), send(member, g, "second"), send(member, g, "third")]);
    const live = await Promise.all([recorder(owner), recorder(member)]);

    const refused = await pin(member, a.id);
    assertClientError(refused, { status: 403, code: "forbidden" });
    assert.equal(refused.body.error.details?.reason, "role");

    const byOwner = await pin(owner, a.id);
    assert.equal(byOwner.status, 200, JSON.stringify(byOwner.body));
    assert.equal(byOwner.body.by, owner.user.id);
    assert.equal(byOwner.body.message.id, a.id);
    assert.deepEqual(byOwner.body.message.pinned, { by: owner.user.id, at: byOwner.body.at });
    assert.equal((await pin(admin, b.id)).status, 200);
    assert.equal((await pin(mod, c.id)).status, 200, "an app moderator who is a member pins");

    for (const rec of live) {
      const e = await rec.wait("pin.updated", (p) => p.data.messageId === a.id);
      assert.equal(e.conversationId, g);
      assert.equal(e.data.pin.by, owner.user.id);
      const updated = await rec.wait("message.updated", (p) => p.data.message.id === a.id);
      assert.equal(updated.data.message.pinned.by, owner.user.id);
    }
    // Newest pin first; the message's `pinned` in history too, for every member.
    assert.deepEqual(
      (await pins(member, g)).map((p) => p.message.id),
      [c.id, b.id, a.id],
    );
    const history = await historyOf(member, g);
    assert.equal(history.find((m) => m.id === a.id)?.pinned?.by, owner.user.id);
    assert.equal(history.find((m) => m.id === b.id)?.pinned?.by, admin.user.id);

    // Idempotent: pinning again answers the pin and tells nobody.
    const before = live[1]!.events.filter((e) => e.name === "pin.updated").length;
    const again = await pin(admin, a.id);
    assert.equal(again.status, 200);
    assert.equal(again.body.by, owner.user.id, "the first pin stays");

    assertClientError(await unpin(member, a.id), { status: 403, code: "forbidden" });
    assert.equal((await unpin(admin, a.id)).status, 204);
    assert.equal((await unpin(admin, a.id)).status, 204, "unpinning an unpinned message is a no-op");
    const gone = await live[1]!.wait("pin.updated", (p) => p.data.messageId === a.id && p.data.pin === null);
    assert.equal(gone.conversationId, g);
    assert.equal(live[1]!.events.filter((e) => e.name === "pin.updated").length, before + 1, "one event: the unpin");
    assert.deepEqual(
      (await pins(owner, g)).map((p) => p.message.id),
      [c.id, b.id],
    );
    assert.equal((await historyOf(owner, g)).find((m) => m.id === a.id)?.pinned, undefined);
  });

  test("in a direct conversation either member pins; outsiders and other apps see a 404", async () => {
    const [x, y, outsider] = await Promise.all([reg(), reg(), reg()]);
    const other = await reg((await s.createTenant("Elsewhere")).id);
    const dm = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(x), body: { userId: y.user.id } });
    const m = await send(x, dm.body.conversation.id, "pin me");
    assert.equal((await pin(y, m.id)).status, 200, "the recipient pins");
    assertClientError(await pin(outsider, m.id), { status: 404, code: "not_found" });
    assertClientError(await pin(other, m.id), { status: 404, code: "not_found" });
    assertClientError(await s.api.get(`/conversations/${dm.body.conversation.id}/pins`, tok(outsider)), { status: 404 });
    assertClientError(await pin(x, "999999999"), { status: 404 });
    assertClientError(await pin(x, "not-an-id"), { status: 404 });
    assert.equal((await pins(x, dm.body.conversation.id))[0]?.by, y.user.id);
  });

  test(`a conversation keeps at most ${PIN_LIMITS.perConversation} pins; thread replies are not pinned`, async () => {
    const [x, y] = await Promise.all([reg(), reg()]);
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(x), body: { userId: y.user.id } })).body.conversation.id;
    const sent: Message[] = [];
    for (let i = 0; i <= PIN_LIMITS.perConversation; i++) sent.push(await send(x, dm, `m${i}`));
    for (const m of sent.slice(0, PIN_LIMITS.perConversation)) assert.equal((await pin(x, m.id)).status, 200);
    const over = await pin(y, sent[PIN_LIMITS.perConversation]!.id);
    assertClientError(over, { status: 409, code: "conflict" });
    assert.equal(over.body.error.details.reason, "pin_limit");
    assert.equal(over.body.error.details.limit, PIN_LIMITS.perConversation);
    assert.equal((await pins(y, dm)).length, PIN_LIMITS.perConversation);
    assert.equal((await unpin(y, sent[0]!.id)).status, 204);
    assert.equal((await pin(y, sent[PIN_LIMITS.perConversation]!.id)).status, 200, "room again after an unpin");

    const reply = await send(y, dm, "a reply", { threadId: sent[1]!.id });
    const refused = await pin(x, reply.id);
    assertClientError(refused, { status: 409, code: "conflict" });
    assert.equal(refused.body.error.details.reason, "thread_reply");
  });

  test("a pinned message's deletion takes its pin: by its sender, by a moderator, by an account deletion", async () => {
    const [owner, member, gone] = await Promise.all([reg(), reg(), reg()]);
    const g = await group(owner, [member, gone]);
    const [m1, m2, m3, m4] = [await send(member, g, "one"), await send(member, g, "two"), await send(gone, g, "three"), await send(owner, g, "four")];
    for (const m of [m1, m2, m3]) assert.equal((await pin(owner, m.id)).status, 200);
    // The user about to be deleted pins someone else's message: that pin stays, naming them.
    assert.equal((await s.api.put(`/conversations/${g}/members/${gone.user.id}/role`, { ...tok(owner), body: { role: "admin" } })).status, 200);
    assert.equal((await pin(gone, m4.id)).status, 200);
    const rec = await recorder(owner);

    assert.equal((await s.api.del(`/messages/${m1.id}`, tok(member))).status, 204);
    await rec.wait("pin.updated", (p) => p.data.messageId === m1.id && p.data.pin === null);
    const moderated = await s.api.del(`/server/messages/${m2.id}`, srv());
    assert.equal(moderated.status, 204);
    await rec.wait("pin.updated", (p) => p.data.messageId === m2.id && p.data.pin === null);
    assert.equal((await s.api.del("/me", { ...tok(gone), body: { password: "correct horse battery" } })).status, 204);

    const left = await pins(owner, g);
    assert.deepEqual(
      left.map((p) => p.message.id),
      [m4.id],
      "only the pin of the live message stays",
    );
    assert.equal(left[0]!.by, gone.user.id, "a deleted user's pin of another's message stays");
    const history = await historyOf(owner, g);
    for (const m of [m1, m2, m3]) assert.equal(history.find((h) => h.id === m.id)?.pinned, undefined, `tombstone ${m.text} carries no pin`);
    assertClientError(await pin(owner, m1.id), { status: 404 });
  });

  test("the host's backend pins and lists through the server API; a sync from before shows the message pinned; the webhook is sent", async () => {
    const [x, y] = await Promise.all([reg(), reg()]);
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(x), body: { userId: y.user.id } })).body.conversation.id;
    const head = await s.api.get<{ lastSeq: number }>("/sync/head", tok(y));
    const m = await send(x, dm, "server pin");
    const res = await s.api.put<Pin>(`/server/messages/${m.id}/pin`, srv());
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.by, null, "the host's backend pins as nobody");
    const listed = await s.api.get<PinsResponse>(`/server/conversations/${dm}/pins`, srv());
    assert.deepEqual(
      listed.body.pins.map((p) => p.message.id),
      [m.id],
    );
    assertClientError(await s.api.get(`/server/conversations/cnv_nope/pins`, srv()), { status: 404 });

    const sync = await s.api.get<SyncResponse>(`/sync?since=${head.body.lastSeq}`, tok(y));
    const created = sync.body.events.find((e) => e.type === "message.new" && e.data.message.id === m.id);
    assert.ok(created && created.type === "message.new");
    assert.equal(created.data.message.pinned?.by, null, "the stored event was rewritten: a late client sees the pin");
    assert.ok(sync.body.events.some((e) => e.type === "pin.updated" && e.data.messageId === m.id));

    await receiver.until((all) => all.some((r) => r.body.type === "pin.updated" && r.body.data.messageId === m.id), "the pin's webhook");
    const hook = receiver.received.find((r) => r.body.type === "pin.updated" && r.body.data.messageId === m.id)!;
    assert.equal(hook.body.data.pin.message.text, "server pin");
    assert.equal((await s.api.del(`/server/messages/${m.id}/pin`, srv())).status, 204);
  });
});
