/**
 * Calls (issue 53): the rules messages follow hold for calls, and a call never outlives the people
 * in it. Blocked, banned and muted callers cannot ring; call invites have a quota per user and per
 * app; a member removed from the conversation, banned from the app, signed out, gone for the grace
 * or deleted is dropped (a device that comes back in time carries on); a user's export lists their
 * calls; account deletion leaves the call history and takes the participant rows. Real HTTP and
 * Socket.IO, both databases.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Call } from "@parley/sdk/protocol";
import { callEvent, cmd, dm, entryEvent, group, ok, party, refused, SDP_OFFER, type Party } from "./helpers/calls.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, eventually, Recorder, type ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
/** Small invite quotas and a short grace for a device that is gone. */
let strict: TestServer;
let app: string;
const sockets: ClientSocket[] = [];
const reg = (node = s, id = app): Promise<AuthResponse> => node.api.register(id);
const join = (auth: AuthResponse, node = s): Promise<Party> => party(node, auth, sockets);
const tok = (a: AuthResponse) => ({ token: a.accessToken });

before(async () => {
  // A long grace here: a drop that happens is not the grace's doing.
  s = await startServer({ CALL_DROP_GRACE_SEC: "600" });
  strict = await startServer({ RATE_LIMIT_CALLS_PER_USER: "2", RATE_LIMIT_CALLS_PER_APP: "3", CALL_DROP_GRACE_SEC: "0.3" });
  app = (await s.createTenant("Call rules")).id;
});

after(async () => {
  for (const so of sockets) so.close();
  await strict?.close();
  await s?.close();
});

/** Ann calls Bob in `conversationId` and Bob answers: the active call. */
async function answered(ann: Party, bob: Party, conversationId: string, invite?: string[]): Promise<Call> {
  const started = ok(await cmd(ann, "call.start", { conversationId, ...(invite ? { invite } : {}) }));
  await callEvent(bob, "call.started", started.id);
  return ok(await cmd(bob, "call.accept", { callId: started.id }));
}

const liveCalls = async (node: TestServer, conversationId: string): Promise<number> =>
  Number(
    (
      (await node.services.db.query("SELECT COUNT(*) AS n FROM calls WHERE conversationId = ? AND liveKey IS NOT NULL", [conversationId])) as { n: number }[]
    )[0]!.n,
  );

describe("who may ring", () => {
  test("a caller the callee blocked is refused (403) and nothing rings", async () => {
    const [ann, bob] = await Promise.all([join(await reg()), join(await reg())]);
    const conv = await dm(s, ann.auth, bob.auth);
    assert.equal((await s.api.post("/blocks", { ...tok(bob.auth), body: { userId: ann.id } })).status, 204);
    const no = refused(await cmd(ann, "call.start", { conversationId: conv, video: true }));
    assert.equal(no.code, "forbidden");
    assert.equal(await liveCalls(s, conv), 0);
    assert.ok(!bob.rec.names().includes("call.started"));
    // The one who blocked may still call (as they may still write).
    const { id } = ok(await cmd(bob, "call.start", { conversationId: conv }));
    ok(await cmd(bob, "call.hangup", { callId: id }));
  });

  test("a member muted in the conversation, or banned from it, cannot ring; a stranger gets the 404 of a missing one", async () => {
    const [owner, ben, cat, eve] = await Promise.all([join(await reg()), join(await reg()), join(await reg()), join(await reg())]);
    const g = await group(s, owner.auth, [ben.auth, cat.auth]);
    const everyone = refused(await cmd(owner, "call.start", { conversationId: g, invite: [ben.id, cat.id] }));
    assert.deepEqual([everyone.code, everyone.details[0].path, everyone.details[0].issue], ["validation_failed", "invite", "sfu_not_configured"]);
    assert.equal((await s.api.put(`/moderation/conversations/${g}/mutes/${ben.id}`, { ...tok(owner.auth), body: { durationSec: 600 } })).status, 200);
    const muted = refused(await cmd(ben, "call.start", { conversationId: g, invite: [owner.id] }));
    assert.equal(muted.code, "muted");
    assert.ok(muted.details.until);
    assert.equal((await s.api.put(`/moderation/conversations/${g}/bans/${cat.id}`, { ...tok(owner.auth), body: {} })).status, 200);
    assert.equal(refused(await cmd(cat, "call.start", { conversationId: g, invite: [owner.id] })).code, "banned");
    assert.equal(refused(await cmd(eve, "call.start", { conversationId: g, invite: [owner.id] })).code, "not_found");
    assert.equal(refused(await cmd(eve, "call.start", { conversationId: "cnv_missing", invite: [owner.id] })).code, "not_found");
    // Nor may anyone ring someone who is not a member, or the whole group at once (that needs the SFU).
    assert.equal(refused(await cmd(owner, "call.start", { conversationId: g, invite: [eve.id] })).code, "validation_failed");
    assert.equal(await liveCalls(s, g), 0);
  });

  test("call invites over the quota: 429 rate_limited with retryAfterSec, per user and per app", async () => {
    const tenant = (await strict.createTenant("Quota")).id;
    const [ann, bob, cat] = await Promise.all([
      join(await reg(strict, tenant), strict),
      join(await reg(strict, tenant), strict),
      join(await reg(strict, tenant), strict),
    ]);
    const conv = await dm(strict, ann.auth, bob.auth);
    for (let i = 0; i < 2; i++) {
      const { id } = ok(await cmd(ann, "call.start", { conversationId: conv }));
      ok(await cmd(ann, "call.hangup", { callId: id }));
    }
    const limited = refused(await cmd(ann, "call.start", { conversationId: conv }));
    assert.equal(limited.code, "rate_limited");
    assert.ok(limited.details.retryAfterSec > 0);
    assert.equal(await liveCalls(strict, conv), 0);
    // The app's third invite passes (Cat's first), its fourth does not, whoever makes it.
    const other = await dm(strict, cat.auth, bob.auth);
    const { id } = ok(await cmd(cat, "call.start", { conversationId: other }));
    ok(await cmd(cat, "call.hangup", { callId: id }));
    assert.equal(refused(await cmd(cat, "call.start", { conversationId: other })).code, "rate_limited");
  });
});

describe("who is dropped", () => {
  test("a member removed from the group is dropped from its call; they hear it ended too", async () => {
    const [ann, bob, cat] = await Promise.all([join(await reg()), join(await reg()), join(await reg())]);
    const g = await group(s, ann.auth, [bob.auth, cat.auth]);
    const call = await answered(ann, bob, g, [bob.id]);
    assert.equal((await s.api.del(`/conversations/${g}/members/${bob.id}`, tok(ann.auth))).status, 204);
    const [forAnn, forBob] = await Promise.all([callEvent(ann, "call.ended", call.id), callEvent(bob, "call.ended", call.id)]);
    assert.equal(forAnn.data.call.endReason, "dropped");
    assert.equal(forBob.data.call.endReason, "dropped");
    await entryEvent(ann, call.id);
    // Out of the conversation, Bob cannot take the call (or a new one) back.
    assert.equal(refused(await cmd(bob, "call.accept", { callId: call.id })).code, "conflict");
    assert.equal(refused(await cmd(bob, "call.start", { conversationId: g, invite: [ann.id] })).code, "not_found");
  });

  test("a member invited to a ringing call who leaves the group: the call ends (nobody left to ring)", async () => {
    const [ann, bob, cat] = await Promise.all([join(await reg()), join(await reg()), join(await reg())]);
    const g = await group(s, ann.auth, [bob.auth, cat.auth]);
    const { id } = ok(await cmd(ann, "call.start", { conversationId: g, invite: [bob.id] }));
    await callEvent(bob, "call.started", id);
    assert.equal((await s.api.del(`/conversations/${g}/members/${bob.id}`, tok(bob.auth))).status, 204);
    const ended = await callEvent(ann, "call.ended", id);
    assert.deepEqual(
      (ended.data.call as Call).participants.map((p) => p.state),
      ["left", "left"],
    );
  });

  test("banned from the app, or signed out: dropped at once, whatever the grace", async () => {
    const [mod, ann, bob, cat] = await Promise.all([join(await reg()), join(await reg()), join(await reg()), join(await reg())]);
    await s.services.moderation.setModerator({ appId: app, server: "test" }, { userId: mod.id, moderator: true });
    const call = await answered(ann, bob, await dm(s, ann.auth, bob.auth));
    assert.equal((await s.api.put(`/moderation/bans/${bob.id}`, { ...tok(mod.auth), body: { reason: "abuse" } })).status, 200);
    assert.equal((await callEvent(ann, "call.ended", call.id)).data.call.endReason, "dropped");

    const second = await answered(ann, cat, await dm(s, ann.auth, cat.auth));
    assert.equal((await s.api.post("/auth/logout", { app, body: { refreshToken: cat.auth.refreshToken } })).status, 204);
    assert.equal((await callEvent(ann, "call.ended", second.id)).data.call.endReason, "dropped");
  });

  test("a device gone past the grace is dropped; one that comes back in time (accepting again) carries on", async () => {
    const tenant = (await strict.createTenant("Grace")).id;
    const [ann, bob] = await Promise.all([join(await reg(strict, tenant), strict), join(await reg(strict, tenant), strict)]);
    const conv = await dm(strict, ann.auth, bob.auth);
    const call = await answered(ann, bob, conv);
    bob.socket.close();
    const ended = await callEvent(ann, "call.ended", call.id);
    assert.equal(ended.data.call.endReason, "dropped");
    assert.match((await entryEvent(ann, call.id)).data.message.text, /^Audio call · \d+ s \(connection lost\)$/);

    // On a server with a long grace, Bob's reload: a new socket accepts again, and signalling follows it.
    const [amy, ben] = await Promise.all([join(await reg()), join(await reg())]);
    const again = await answered(amy, ben, await dm(s, amy.auth, ben.auth));
    ben.socket.close();
    const reloaded = new Recorder(await connect(s, ben.auth.accessToken));
    sockets.push(reloaded.socket);
    const moved = ok(await cmd({ socket: reloaded.socket }, "call.accept", { callId: again.id }));
    assert.equal(moved.state, "active");
    ok(await cmd<null>(amy, "call.signal", { callId: again.id, to: ben.id, type: "offer", sdp: SDP_OFFER }));
    assert.equal((await reloaded.wait("call.signal")).type, "offer");
    // The old socket's grace would drop nobody: the call is carried by the new one.
    await s.services.calls.sweep();
    assert.equal(ok(await cmd({ socket: reloaded.socket }, "call.hangup", { callId: again.id })).endReason, "completed");
  });

  test("account deletion: the call ends (dropped), the history stays, the participant rows go", async () => {
    const [ann, bob] = await Promise.all([join(await reg()), join(await reg())]);
    const conv = await dm(s, ann.auth, bob.auth);
    const earlier = ok(await cmd(bob, "call.start", { conversationId: conv }));
    ok(await cmd(ann, "call.decline", { callId: earlier.id }));
    const call = await answered(ann, bob, conv);
    // Before: Bob's export lists both calls, and how he took part.
    const exported = await s.api.get(`/me/export`, tok(bob.auth));
    assert.deepEqual(
      exported.body.calls.map((c: { id: string; state: string; startedBy: string; endReason: string | null }) => [c.id, c.state, c.startedBy, c.endReason]),
      [
        [earlier.id, "left", bob.id, "declined"],
        [call.id, "joined", ann.id, null],
      ],
    );
    assert.equal((await s.api.del("/me", { ...tok(bob.auth), body: { password: "correct horse battery" } })).status, 204);
    assert.equal((await callEvent(ann, "call.ended", call.id)).data.call.endReason, "dropped");
    await entryEvent(ann, call.id);
    const rows = (await s.services.db.query("SELECT COUNT(*) AS n FROM call_participants WHERE userId = ?", [bob.id])) as { n: number }[];
    assert.equal(Number(rows[0]!.n), 0);
    const history = await s.api.get(`/conversations/${conv}/calls`, tok(ann.auth));
    assert.deepEqual(
      history.body.items.map((c: Call) => [c.id, c.startedBy, c.participants.map((p) => p.userId)]),
      [
        [call.id, ann.id, [ann.id]],
        [earlier.id, bob.id, [ann.id]],
      ],
    );
  });
});

describe("timers that outlive their node", () => {
  const stateOf = async (node: TestServer, id: string) =>
    (
      (await node.services.db.query("SELECT state, endReason, messageId FROM calls WHERE id = ?", [id])) as {
        state: string;
        endReason: string | null;
        messageId: unknown;
      }[]
    )[0]!;
  const entryText = async (node: TestServer, id: string) =>
    ((await node.services.db.query("SELECT text FROM messages WHERE clientMessageId = ?", [`call:${id}`])) as { text: string }[])[0]?.text;

  test("a ring whose node never times it out: another node's sweep ends it missed, with its entry", async () => {
    // Node A rings (its own timer would wait ten minutes); node B, on the same database, sweeps.
    const a = await startServer({ CALL_RING_TIMEOUT_SEC: "600" }, { keepData: true });
    let b: TestServer | undefined;
    try {
      b = await startServer({ CALL_RING_TIMEOUT_SEC: "1", CALL_DROP_GRACE_SEC: "600", CALL_SWEEP_INTERVAL_SEC: "0.2" }, { reuse: a, keepData: true });
      const tenant = (await a.createTenant("Two nodes")).id;
      const [ann, bob] = await Promise.all([1, 2].map(async () => party(a, await a.api.register(tenant), sockets)));
      const { id } = ok(await cmd(ann!, "call.start", { conversationId: await dm(a, ann!.auth, bob!.auth) }));
      const node = b;
      await eventually(async () => (await stateOf(node, id)).messageId !== null, "the call ended by node B's sweep, and its entry");
      assert.equal((await stateOf(node, id)).endReason, "missed");
      assert.equal(await entryText(node, id), "Missed audio call");
    } finally {
      await b?.close();
      await a.close();
      await a.dropData();
    }
  });

  test("a restarted node's first sweeps drop the calls whose devices died with it, entries and all", async () => {
    const first = await startServer({}, { keepData: true });
    let second: TestServer | undefined;
    try {
      const tenant = (await first.createTenant("Restart")).id;
      const opened: ClientSocket[] = [];
      const [ann, bob, cat, dan] = await Promise.all([1, 2, 3, 4].map(async () => party(first, await first.api.register(tenant), opened)));
      const ringing = ok(await cmd(ann!, "call.start", { conversationId: await dm(first, ann!.auth, bob!.auth) }));
      const active = await answered(cat!, dan!, await dm(first, cat!.auth, dan!.auth));
      await first.close();
      for (const so of opened) so.close();
      second = await startServer({ CALL_DROP_GRACE_SEC: "0", CALL_SWEEP_INTERVAL_SEC: "0.2" }, { reuse: first });
      const node = second;
      await eventually(
        async () => (await stateOf(node, ringing.id)).messageId !== null && (await stateOf(node, active.id)).messageId !== null,
        "both calls ended by the sweep, with their entries",
      );
      assert.deepEqual([(await stateOf(node, ringing.id)).endReason, (await stateOf(node, active.id)).endReason], ["dropped", "dropped"]);
      assert.equal(await entryText(node, ringing.id), "Audio call lost");
      assert.match((await entryText(node, active.id)) ?? "", /^Audio call · \d+ s \(connection lost\)$/);
    } finally {
      await second?.close();
      if (!second) await first.dropData();
    }
  });
});

describe("bad input", () => {
  test("malformed commands are refused with validation_failed (never internal, never a crash) and change nothing", async () => {
    const [ann, bob, cat] = await Promise.all([join(await reg()), join(await reg()), join(await reg())]);
    const conv = await dm(s, ann.auth, bob.auth);
    const payloads: [string, unknown][] = [
      ["call.start", undefined],
      ["call.start", null],
      ["call.start", 42],
      ["call.start", "cnv"],
      ["call.start", []],
      ["call.start", { conversationId: 5 }],
      ["call.start", { conversationId: conv, video: "yes" }],
      ["call.start", { conversationId: conv, invite: "everyone" }],
      ["call.start", { conversationId: conv, invite: [] }],
      ["call.start", { conversationId: conv, invite: [bob.id, bob.id] }],
      ["call.start", { conversationId: conv, invite: ["x".repeat(65)] }],
      ["call.accept", {}],
      ["call.accept", { callId: 7 }],
      ["call.decline", { callId: null }],
      ["call.hangup", { callId: "x", reason: "bored" }],
      ["call.ring", "call"],
      ["call.signal", { callId: "x", to: bob.id, type: "offer" }],
      ["call.signal", { callId: "x", to: bob.id, type: "offer", sdp: "hello" }],
      ["call.signal", { callId: "x", to: bob.id, type: "offer", sdp: "v=0\r\n\u0000" }],
      ["call.signal", { callId: "x", to: bob.id, type: "offer", sdp: `v=0\r\n${"a".repeat(40_000)}` }],
      ["call.signal", { callId: "x", to: bob.id, type: "answer", sdp: SDP_OFFER, candidate: null }],
      ["call.signal", { callId: "x", to: bob.id, type: "candidate" }],
      ["call.signal", { callId: "x", to: bob.id, type: "candidate", candidate: { candidate: "not a candidate" } }],
      ["call.signal", { callId: "x", to: bob.id, type: "candidate", candidate: { candidate: "candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=evil" } }],
      ["call.signal", { callId: "x", to: bob.id, type: "candidate", candidate: { candidate: "candidate:1", sdpMLineIndex: -1 } }],
      ["call.signal", { callId: "x", to: bob.id, type: "candidate", candidate: { candidate: "candidate:1", extra: true } }],
      ["call.signal", { callId: "x", to: bob.id, type: "shout", sdp: SDP_OFFER }],
      ["call.signal", { callId: "x", type: "offer", sdp: SDP_OFFER }],
    ];
    for (const [event, payload] of payloads) {
      const no = refused(await cmd(ann, event as "call.start", payload));
      assert.equal(no.code, "validation_failed", `${event} ${JSON.stringify(payload)?.slice(0, 80)}: ${JSON.stringify(no)}`);
    }
    // Well-formed, but naming nothing this user may touch: the 404 of a missing call.
    const { id } = ok(await cmd(ann, "call.start", { conversationId: conv }));
    for (const [event, payload] of [
      ["call.accept", { callId: "call_missing" }],
      ["call.accept", { callId: id.toUpperCase() }],
      ["call.decline", { callId: id }],
      ["call.signal", { callId: id, to: ann.id, type: "offer", sdp: SDP_OFFER }],
    ] as const) {
      const who = event === "call.accept" ? ann : cat;
      assert.equal(refused(await cmd(who, event, payload)).code, "not_found", `${event} ${JSON.stringify(payload)}`);
    }
    // Signalling before the callee answered, from a device that is not in the call.
    assert.equal(refused(await cmd(ann, "call.signal", { callId: id, to: bob.id, type: "offer", sdp: SDP_OFFER })).details.reason, "peer_not_in_call");
    const other = new Recorder(await connect(s, ann.auth.accessToken));
    sockets.push(other.socket);
    assert.equal(
      refused(await cmd({ socket: other.socket }, "call.signal", { callId: id, to: bob.id, type: "offer", sdp: SDP_OFFER })).details.reason,
      "not_in_call",
    );
    // Without an ack callback nothing breaks either.
    ann.socket.emit("call.start" as "call.ring", { callId: 1 } as never);
    ann.socket.emit("call.signal", { callId: id } as never);
    const [row] = (await s.services.db.query("SELECT state FROM calls WHERE id = ?", [id])) as { state: string }[];
    assert.equal(row!.state, "ringing");
    assert.ok(!bob.rec.names().includes("call.signal"));
    ok(await cmd(ann, "call.hangup", { callId: id }));
  });
});
