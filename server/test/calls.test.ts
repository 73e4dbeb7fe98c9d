/**
 * Calls (issue 53), the state machine over real Socket.IO on a real server (both databases): what
 * each client sees, in order, as a call rings, is answered, signalled and hung up (a third member of
 * the group sees the call's state, never its signalling); decline, cancel, the ring timeout (missed),
 * a second call in a conversation (409, and two racing starts: one wins); each finished call's
 * system entry (history, sync, `Message.call`); `call.started`/`call.ended` webhooks; every payload
 * checked against the AsyncAPI document.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Call, Message, Page, SyncResponse } from "@parley/sdk/protocol";
import {
  asyncApiChecker,
  CANDIDATE,
  callEvent,
  callTrail,
  cmd,
  dm,
  entryEvent,
  group,
  ok,
  party,
  refused,
  SDP_ANSWER,
  SDP_OFFER,
  type Party,
} from "./helpers/calls.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import type { ClientSocket } from "./helpers/sockets.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

let s: TestServer;
/** A server whose ring times out after a second: nobody answers there. */
let quick: TestServer;
let app: string;
let receiver: WebhookReceiver;
let check: (event: string, payload: unknown) => void;
const sockets: ClientSocket[] = [];
const reg = (node = s, id = app): Promise<AuthResponse> => node.api.register(id);
const join = (auth: AuthResponse, node = s): Promise<Party> => party(node, auth, sockets);

before(async () => {
  s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_POLL_MS: "20" });
  quick = await startServer({ CALL_RING_TIMEOUT_SEC: "1" });
  app = (await s.createTenant("Calls")).id;
  const key = await s.services.serverKeys.create(app);
  receiver = await new WebhookReceiver().start();
  const auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  const hook = await s.api.post("/server/webhooks", { headers: { Authorization: auth }, body: { url: receiver.url, events: ["call.started", "call.ended"] } });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  check = await asyncApiChecker(s);
});

after(async () => {
  for (const so of sockets) so.close();
  await receiver?.close();
  await quick?.close();
  await s?.close();
});

/** Every call event and ack a party received, against the AsyncAPI document. */
function checkAll(...parties: Party[]): void {
  for (const p of parties) for (const e of p.rec.events) if (e.name.startsWith("call.") || e.name === "message.new") check(e.name, e.payload);
}

describe("calls", () => {
  test("ring, answer, signal and hang up in a group: each client's events in order; the member not in the call gets no signalling", async () => {
    const [ann, bob, cat] = await Promise.all([join(await reg()), join(await reg()), join(await reg())]);
    const g = await group(s, ann.auth, [bob.auth, cat.auth]);

    const started = ok(await cmd(ann, "call.start", { conversationId: g, video: true, invite: [bob.id] }));
    check("CallAck", { ok: true, data: started });
    assert.deepEqual(
      { state: started.state, kind: started.kind, mode: started.mode, startedBy: started.startedBy, answeredAt: started.answeredAt },
      { state: "ringing", kind: "video", mode: "p2p", startedBy: ann.id, answeredAt: null },
    );
    assert.deepEqual(
      started.participants.map((p) => [p.userId, p.state]),
      [
        [ann.id, "joined"],
        [bob.id, "invited"],
      ],
    );
    const id = started.id;
    await Promise.all([ann, bob, cat].map((p) => callEvent(p, "call.started", id)));

    assert.equal(ok(await cmd<null>(bob, "call.ring", { callId: id })), null);
    await Promise.all([ann, bob, cat].map((p) => callEvent(p, "call.updated", id, (c) => c.participants[1]!.state === "ringing")));
    // A second device saying it rings changes nothing, and tells nobody.
    assert.equal(ok(await cmd<null>(bob, "call.ring", { callId: id })), null);

    const answered = ok(await cmd(bob, "call.accept", { callId: id }));
    assert.equal(answered.state, "active");
    assert.ok(answered.answeredAt);
    await Promise.all([ann, bob, cat].map((p) => callEvent(p, "call.updated", id, (c) => c.state === "active")));

    // Signalling: only between the two joined devices, never to Cat.
    assert.equal(ok(await cmd<null>(ann, "call.signal", { callId: id, to: bob.id, type: "offer", sdp: SDP_OFFER })), null);
    const offer = await bob.rec.wait("call.signal", (e) => e.type === "offer");
    assert.deepEqual(offer, { callId: id, from: ann.id, type: "offer", sdp: SDP_OFFER });
    ok(await cmd<null>(bob, "call.signal", { callId: id, to: ann.id, type: "answer", sdp: SDP_ANSWER }));
    assert.equal((await ann.rec.wait("call.signal", (e) => e.type === "answer")).sdp, SDP_ANSWER);
    ok(await cmd<null>(ann, "call.signal", { callId: id, to: bob.id, type: "candidate", candidate: CANDIDATE }));
    assert.deepEqual((await bob.rec.wait("call.signal", (e) => e.type === "candidate")).candidate, CANDIDATE);
    ok(await cmd<null>(bob, "call.signal", { callId: id, to: ann.id, type: "candidate", candidate: null }));
    assert.equal((await ann.rec.wait("call.signal", (e) => e.type === "candidate")).candidate, null);
    // Cat is a member of the conversation, not of the call: 404, like a call that does not exist.
    assert.equal(refused(await cmd(cat, "call.signal", { callId: id, to: bob.id, type: "offer", sdp: SDP_OFFER })).code, "not_found");
    // Signalling oneself, or someone not in the call, is refused.
    assert.equal(refused(await cmd(ann, "call.signal", { callId: id, to: ann.id, type: "offer", sdp: SDP_OFFER })).code, "validation_failed");
    assert.equal(refused(await cmd(ann, "call.signal", { callId: id, to: cat.id, type: "offer", sdp: SDP_OFFER })).code, "validation_failed");

    const ended = ok(await cmd(ann, "call.hangup", { callId: id }));
    assert.equal(ended.state, "ended");
    assert.equal(ended.endReason, "completed");
    assert.equal(ended.durationMs, Date.parse(ended.endedAt!) - Date.parse(ended.answeredAt!));
    await Promise.all([ann, bob, cat].map((p) => entryEvent(p, id)));

    const ringing = "call.updated:ringing:joined,ringing";
    const active = "call.updated:active:joined,joined";
    const end = "call.ended:completed:left,left";
    assert.deepEqual(callTrail(ann, id), [
      "call.started:ringing:joined,invited",
      ringing,
      active,
      "call.signal:answer",
      "call.signal:candidate-end",
      end,
      "entry:completed",
    ]);
    assert.deepEqual(callTrail(bob, id), [
      "call.started:ringing:joined,invited",
      ringing,
      active,
      "call.signal:offer",
      "call.signal:candidate",
      end,
      "entry:completed",
    ]);
    assert.deepEqual(callTrail(cat, id), ["call.started:ringing:joined,invited", ringing, active, end, "entry:completed"]);
    assert.ok(!cat.rec.names().includes("call.signal"), "Cat never got signalling");
    checkAll(ann, bob, cat);

    // The entry: a system message, in the history with its call, in everyone's sync.
    const history = await s.api.get<Page<Message>>(`/conversations/${g}/messages`, { token: cat.auth.accessToken });
    const entry = history.body.items.find((m) => m.call?.callId === id)!;
    assert.equal(entry.senderId, null);
    assert.match(entry.text!, /^Video call · \d+ s$/);
    assert.deepEqual(entry.call, { callId: id, kind: "video", endReason: "completed", startedBy: ann.id, durationMs: ended.durationMs });
    const sync = await s.api.get<SyncResponse>("/sync?since=0&limit=1000", { token: cat.auth.accessToken });
    assert.deepEqual(
      sync.body.events.filter((e) => e.type.startsWith("call.")).map((e) => e.type),
      ["call.started", "call.updated", "call.updated", "call.ended"],
    );
    const listed = await s.api.get<Page<Call>>(`/conversations/${g}/calls`, { token: bob.auth.accessToken });
    assert.deepEqual(
      listed.body.items.map((c) => [c.id, c.endReason, c.durationMs]),
      [[id, "completed", ended.durationMs]],
    );
    // Done is done: answering or hanging up again changes nothing.
    assert.equal(refused(await cmd(bob, "call.accept", { callId: id })).details.reason, "call_ended");
    assert.equal(ok(await cmd(bob, "call.hangup", { callId: id })).endReason, "completed");
  });

  test("declined: the call ends for both, with its entry; the webhooks say call.started and call.ended", async () => {
    const [ann, bob] = await Promise.all([join(await reg()), join(await reg())]);
    const conv = await dm(s, ann.auth, bob.auth);
    const { id } = ok(await cmd(ann, "call.start", { conversationId: conv }));
    await callEvent(bob, "call.started", id);
    const declined = ok(await cmd(bob, "call.decline", { callId: id }));
    assert.deepEqual([declined.state, declined.endReason, declined.durationMs], ["ended", "declined", null]);
    assert.deepEqual(
      declined.participants.map((p) => [p.state, p.joinedAt === null]),
      [
        ["left", false],
        ["declined", true],
      ],
    );
    const [seen] = await Promise.all([entryEvent(ann, id), entryEvent(bob, id)]);
    assert.equal(seen.data.message.text, "Declined audio call");
    assert.deepEqual(callTrail(ann, id), ["call.started:ringing:joined,invited", "call.ended:declined:left,declined", "entry:declined"]);
    await receiver.until((all) => all.some((r) => r.body.type === "call.ended" && r.body.data.call.id === id), "call.ended webhook");
    const hooks = receiver.received.filter((r) => r.body.data.call?.id === id);
    assert.deepEqual(
      hooks.map((r) => [r.body.type, r.headers["parley-event"], r.body.data.call.state]),
      [
        ["call.started", "call.started", "ringing"],
        ["call.ended", "call.ended", "ended"],
      ],
    );
    assert.ok(hooks.every((r) => /^t=\d+,kid=[^,]+,v1=[0-9a-f]{64}$/.test(String(r.headers["parley-signature"]))));
    checkAll(ann, bob);
  });

  test("cancelled: the caller hangs up before an answer", async () => {
    const [ann, bob] = await Promise.all([join(await reg()), join(await reg())]);
    const conv = await dm(s, ann.auth, bob.auth);
    const { id } = ok(await cmd(ann, "call.start", { conversationId: conv, video: true }));
    await callEvent(bob, "call.started", id);
    const cancelled = ok(await cmd(ann, "call.hangup", { callId: id }));
    assert.equal(cancelled.endReason, "cancelled");
    assert.equal((await entryEvent(bob, id)).data.message.text, "Cancelled video call");
    assert.deepEqual(callTrail(bob, id), ["call.started:ringing:joined,invited", "call.ended:cancelled:left,left", "entry:cancelled"]);
    // The conversation is free again: a new call starts.
    const again = ok(await cmd(bob, "call.start", { conversationId: conv }));
    assert.equal(ok(await cmd(bob, "call.hangup", { callId: again.id, reason: "failed" })).endReason, "failed");
  });

  test("missed: nobody answers within the ring timeout; the call ends by itself, with its entry", async () => {
    const tenant = (await quick.createTenant("Quick")).id;
    const [ann, bob] = await Promise.all([join(await reg(quick, tenant), quick), join(await reg(quick, tenant), quick)]);
    const conv = await dm(quick, ann.auth, bob.auth);
    const { id } = ok(await cmd(ann, "call.start", { conversationId: conv }));
    ok(await cmd<null>(bob, "call.ring", { callId: id }));
    const ended = await callEvent(ann, "call.ended", id, () => true, 20_000);
    assert.equal(ended.data.call.endReason, "missed");
    assert.deepEqual(
      (ended.data.call as Call).participants.map((p) => [p.state, p.joinedAt === null]),
      [
        ["left", false],
        ["left", true],
      ],
    );
    assert.equal((await entryEvent(bob, id)).data.message.text, "Missed audio call");
    assert.deepEqual(callTrail(bob, id), [
      "call.started:ringing:joined,invited",
      "call.updated:ringing:joined,ringing",
      "call.ended:missed:left,left",
      "entry:missed",
    ]);
    assert.equal(refused(await cmd(bob, "call.accept", { callId: id })).details.reason, "call_ended");
  });

  test("one live call per conversation: a second start is 409 with the live call's id; of two racing starts one wins", async () => {
    const [ann, bob] = await Promise.all([join(await reg()), join(await reg())]);
    const conv = await dm(s, ann.auth, bob.auth);
    const first = ok(await cmd(ann, "call.start", { conversationId: conv }));
    const second = refused(await cmd(bob, "call.start", { conversationId: conv, video: true }));
    assert.equal(second.code, "conflict");
    assert.deepEqual(second.details, { reason: "call_in_progress", callId: first.id });
    ok(await cmd(ann, "call.hangup", { callId: first.id }));

    const [a, b] = await Promise.all([cmd(ann, "call.start", { conversationId: conv }), cmd(bob, "call.start", { conversationId: conv })]);
    const winners = [a, b].filter((x) => x.ok);
    assert.equal(winners.length, 1, JSON.stringify([a, b]));
    const loser = refused([a, b].find((x) => !x.ok)!);
    assert.deepEqual(loser.details, { reason: "call_in_progress", callId: (winners[0] as { data: Call }).data.id });
    const rows = (await s.services.db.query("SELECT COUNT(*) AS n FROM calls WHERE conversationId = ? AND liveKey IS NOT NULL", [conv])) as { n: number }[];
    assert.equal(Number(rows[0]!.n), 1);
  });
});
