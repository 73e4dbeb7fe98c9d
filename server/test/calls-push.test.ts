/**
 * A call that rings a user with no tab open (issue 53, acceptance 6), server side, against a real
 * server (both databases) and a local push service (helpers/push.ts: real P-256 keys, what the
 * server POSTs decrypted here): one push per device of an invitee with no socket, saying who calls,
 * how and where; none to an invitee whose socket is connected (it rings there); one after the
 * presence grace to an invitee whose last socket closed just before; none in a conversation they
 * muted. A call nobody answered then replaces the ring's notification with "Missed video call from
 * …" (the entry's push, tagged like it), and nothing else.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, PushPayload } from "@parley/sdk/protocol";
import { cmd, dm, ok, party, type Party } from "./helpers/calls.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { type Delivered, type PushDevice, PushReceiver } from "./helpers/push.js";
import type { ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
let app: string;
const r = new PushReceiver();
const sockets: ClientSocket[] = [];
let seq = 0;

before(async () => {
  // A grace long enough that a socket closed just before a ring still counts as online then.
  s = await startServer({ PUSH_ALLOW_PRIVATE: "1", PRESENCE_GRACE_MS: "1500" });
  await r.start();
  app = (await s.createTenant("Call pushes")).id;
});
after(async () => {
  for (const so of sockets) so.close();
  await s?.close();
  await r.close();
});

const user = (name: string): Promise<AuthResponse> =>
  s.api.register(app, { displayName: name, email: `${name.toLowerCase()}-${++seq}-${Date.now()}@example.com` });
async function subscribe(u: AuthResponse): Promise<PushDevice> {
  const device = r.device();
  const res = await s.api.post("/push/subscriptions", { token: u.accessToken, body: device.subscription() });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return device;
}
const open = (d: Delivered, device: PushDevice): PushPayload => JSON.parse(device.decrypt(d.body)) as PushPayload;
/** Every push the server has to send so far has been sent, including those waiting out the presence grace. */
const settled = (): Promise<void> => s.services.pushNotifier.idle();

describe(`a ring reaches a closed tab by web push (${TEST_DB})`, () => {
  test("a call to a user with no socket sends one push naming the caller, the kind and the call; an unanswered one is then replaced by 'Missed video call'", async () => {
    const ann: Party = await party(s, await user("Ann"), sockets);
    const bob = await user("Bob");
    const bobPhone = await subscribe(bob);
    const annLaptop = await subscribe(ann.auth);
    const c = await dm(s, ann.auth, bob);

    const call = ok(await cmd(ann, "call.start", { conversationId: c, video: true }));
    const [d] = await r.until(bobPhone, 1);
    assert.deepEqual(open(d!, bobPhone), {
      title: "Ann is calling",
      body: "Incoming video call",
      conversationId: c,
      call: { id: call.id, kind: "video" },
      appId: app,
    } satisfies PushPayload);
    assert.equal(d!.headers["urgency"], "high");
    assert.equal(d!.headers["ttl"], "60", "a ring's push is worth nothing once the ring is over");
    await settled();
    assert.equal(r.of(bobPhone).length, 1, "exactly one push for the ring");

    // Ann gives up before Bob answers: the entry's push replaces the ring's notification (the same tag: the conversation).
    ok(await cmd(ann, "call.hangup", { callId: call.id }));
    const [, missed] = await r.until(bobPhone, 2);
    const p = open(missed!, bobPhone);
    assert.equal(p.title, "Missed video call from Ann");
    assert.equal(p.conversationId, c);
    assert.equal(p.call, undefined);
    assert.ok(p.messageId, "the entry's message");
    await settled();
    assert.equal(r.of(bobPhone).length, 2, "nothing more");
    assert.equal(r.of(annLaptop).length, 0, "the caller hears nothing of her own call");
  });

  test("an invitee with a connected socket gets no push (the call rings there); one whose tab closed just before gets one after the grace", async () => {
    const ann = await party(s, await user("Ann"), sockets);
    const cat = await party(s, await user("Cat"), sockets);
    const catPhone = await subscribe(cat.auth);
    const toCat = await dm(s, ann.auth, cat.auth);
    const ringing = ok(await cmd(ann, "call.start", { conversationId: toCat }));
    await settled();
    assert.equal(r.of(catPhone).length, 0, "Cat's socket is connected: her tab rings, no push");
    ok(await cmd(ann, "call.hangup", { callId: ringing.id }));

    // Dan's last tab closes just before the ring: counted online then, pushed once the grace has passed.
    const dan = await party(s, await user("Dan"), sockets);
    const danPhone = await subscribe(dan.auth);
    const toDan = await dm(s, ann.auth, dan.auth);
    dan.socket.close();
    const call = ok(await cmd(ann, "call.start", { conversationId: toDan }));
    const [d] = await r.until(danPhone, 1);
    assert.deepEqual(open(d!, danPhone).call, { id: call.id, kind: "audio" });
    assert.equal(open(d!, danPhone).body, "Incoming voice call");
    await settled();
    assert.equal(r.of(danPhone).length, 1);
    ok(await cmd(ann, "call.hangup", { callId: call.id }));
  });

  test("a conversation the invitee muted rings no push", async () => {
    const ann = await party(s, await user("Ann"), sockets);
    const eve = await user("Eve");
    const evePhone = await subscribe(eve);
    const c = await dm(s, ann.auth, eve);
    assert.equal((await s.api.put(`/conversations/${c}/mute`, { token: eve.accessToken })).status, 200);
    const call = ok(await cmd(ann, "call.start", { conversationId: c, video: true }));
    await settled();
    assert.equal(r.of(evePhone).length, 0);
    ok(await cmd(ann, "call.hangup", { callId: call.id }));
    await settled();
    assert.equal(r.of(evePhone).length, 0, "nor the entry of the call");
  });
});
