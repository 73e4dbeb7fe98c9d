/**
 * Group calls through Janus's VideoRoom (issue 53), over real Socket.IO on a real server (both
 * databases) with a real Janus started by the test (helpers/janus.ts): a call ringing two members
 * of a group is an `sfu` call whose room exists in Janus; the joined participants publish through
 * the server (Janus answers their offers); a member not in the call, or not a member at all, is
 * refused by the server, and Janus itself refuses a forged token (433); a video call over
 * CALL_GROUP_MAX_VIDEO refuses the next to answer (`conflict`, `call_full`); a removed member is
 * out of the room; the room is destroyed when the call ends. Without janus installed the test is
 * skipped with the reason (never under CI=true).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Janode, { type JanodeConnection } from "janode";
import VideoRoomPlugin, { type VideoRoomHandle } from "janode/plugins/videoroom";
import type { AuthResponse, Call, CallSfuReply } from "@parley/sdk/protocol";
import { callEvent, cmd, group, ok, party, refused, type Party } from "./helpers/calls.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { janusSkip, startJanus, type TestJanus, PUBLISH_OFFER as OFFER } from "./helpers/janus.js";
import type { ClientSocket } from "./helpers/sockets.js";

let janus: TestJanus;
let s: TestServer;
let app: string;
let conn: JanodeConnection;
let manager: VideoRoomHandle;
const sockets: ClientSocket[] = [];
const reg = (): Promise<AuthResponse> => s.api.register(app);
const join = (auth: AuthResponse): Promise<Party> => party(s, auth, sockets);
const sfu = (p: Party, payload: Record<string, unknown>) => cmd<CallSfuReply>(p, "call.sfu", payload);
const tok = (a: AuthResponse) => ({ token: a.accessToken });

/** Polls until `check` holds (Janus is told after the commit). */
async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("group calls through Janus", { skip: janusSkip }, () => {
  before(async () => {
    janus = await startJanus();
    s = await startServer({ JANUS_WS_URL: janus.wsUrl, JANUS_ADMIN_KEY: janus.adminKey, CALL_GROUP_MAX_VIDEO: "2" });
    app = (await s.createTenant("Group calls")).id;
    conn = await Janode.connect({ address: { url: janus.wsUrl } });
    manager = await (await conn.create()).attach(VideoRoomPlugin);
  });

  after(async () => {
    for (const so of sockets) so.close();
    await conn?.close().catch(() => undefined);
    await s?.close();
    await janus?.stop();
  });

  const room = (callId: string): number => s.services.calls.sfu!.rooms.roomOf(callId);
  const exists = async (callId: string): Promise<boolean> => (await manager.exists({ room: room(callId) })).exists;
  const publishers = async (callId: string): Promise<string[]> =>
    (await manager.listParticipants({ room: room(callId) })).participants.map((p) => p.display ?? "").sort();

  test("a group call rings, joins, publishes through the server, drops the removed and destroys its room", async () => {
    const [ann, bob, cat, dan, eve] = await Promise.all([reg(), reg(), reg(), reg(), reg()]).then((as) => Promise.all(as.map(join)));
    const g = await group(s, ann!.auth, [bob!.auth, cat!.auth, dan!.auth]);

    const started = ok(await cmd(ann!, "call.start", { conversationId: g, invite: [bob!.id, cat!.id] }));
    assert.equal(started.mode, "sfu");
    assert.deepEqual(started.participants.map((p) => p.state).sort(), ["invited", "invited", "joined"]);
    await callEvent(bob!, "call.started", started.id);
    await callEvent(cat!, "call.started", started.id);
    assert.ok(await exists(started.id), "the call's room exists in Janus");

    ok(await cmd(bob!, "call.accept", { callId: started.id }));
    const active: Call = ok(await cmd(cat!, "call.accept", { callId: started.id }));
    assert.deepEqual(
      active.participants.map((p) => p.state),
      ["joined", "joined", "joined"],
    );

    // Each publishes through the server: Janus answers the offer.
    for (const p of [ann!, bob!, cat!]) {
      const answer = ok(await sfu(p, { callId: started.id, type: "publish", sdp: OFFER }));
      assert.match(answer.sdp ?? "", /^v=0\r\n/);
      assert.match(answer.sdp ?? "", /a=recvonly/);
      ok(await sfu(p, { callId: started.id, type: "candidate", pc: "publisher", candidate: null }));
    }
    await until(async () => (await publishers(started.id)).length === 3, "three in the room");
    assert.deepEqual(await publishers(started.id), [ann!.id, bob!.id, cat!.id].sort());
    // Nobody's media is up (no ICE from a test): nothing to subscribe to yet, and no error.
    assert.deepEqual(ok(await sfu(bob!, { callId: started.id, type: "subscribe" })).streams, []);

    // A member not in the call, and a stranger: refused by the server, never reaching Janus.
    assert.equal(refused(await sfu(dan!, { callId: started.id, type: "publish", sdp: OFFER })).code, "not_found");
    assert.equal(refused(await sfu(eve!, { callId: started.id, type: "publish", sdp: OFFER })).code, "not_found");
    assert.equal(refused(await cmd(eve!, "call.accept", { callId: started.id })).code, "not_found");
    assert.equal(refused(await sfu(bob!, { callId: started.id, type: "publish" })).code, "validation_failed");
    // Janus itself: a handle with a forged token (or none) is refused with 433.
    // A handle for each try: Janus takes a refused join's offer first, and a second offer on that
    // handle can fail as "490 Error setting ICE locally" before the token is looked at (once, in CI).
    const forgers = await conn.create();
    const forger = (): Promise<VideoRoomHandle> => forgers.attach(VideoRoomPlugin);
    await assert.rejects(
      (await forger()).joinConfigurePublisher({ room: room(started.id), token: "forged", display: "eve", jsep: { type: "offer", sdp: OFFER } }),
      /433/,
    );
    await assert.rejects((await forger()).joinConfigurePublisher({ room: room(started.id), display: "eve", jsep: { type: "offer", sdp: OFFER } }), /433/);

    // Bob is removed from the conversation: out of the call and of the room.
    assert.equal((await s.api.del(`/conversations/${g}/members/${bob!.id}`, tok(ann!.auth))).status, 204);
    await callEvent(cat!, "call.updated", started.id, (c) => c.participants.some((p) => p.userId === bob!.id && p.state === "left"));
    await until(async () => !(await publishers(started.id)).includes(bob!.id), "bob out of the room");
    // His token is out of the room's allowed list: his own token no longer gets in either.
    const bobsToken = s.services.calls.sfu!.rooms.tokenOf(started.id, bob!.id);
    await assert.rejects(
      (await forger()).joinConfigurePublisher({ room: room(started.id), token: bobsToken, display: bob!.id, jsep: { type: "offer", sdp: OFFER } }),
      /433/,
    );

    // Cat hangs up: Ann is alone, the call ends and its room is destroyed.
    ok(await cmd(cat!, "call.hangup", { callId: started.id }));
    await callEvent(ann!, "call.ended", started.id);
    await until(async () => !(await exists(started.id)), "the room destroyed");
  });

  test("a video call holds CALL_GROUP_MAX_VIDEO participants: the next to answer is refused", async () => {
    const [ann, bob, cat] = await Promise.all([reg(), reg(), reg()]).then((as) => Promise.all(as.map(join)));
    const g = await group(s, ann!.auth, [bob!.auth, cat!.auth]);
    const call = ok(await cmd(ann!, "call.start", { conversationId: g, video: true }));
    assert.equal(call.mode, "sfu");
    ok(await cmd(bob!, "call.accept", { callId: call.id }));
    const full = refused(await cmd(cat!, "call.accept", { callId: call.id }));
    assert.equal(full.code, "conflict");
    assert.equal(full.details?.reason, "call_full");
    assert.equal(full.details?.max, 2);
    // The host ends it: the room is gone.
    ok(await cmd(ann!, "call.hangup", { callId: call.id }));
    await until(async () => !(await exists(call.id)), "the room destroyed");
  });

  test("a peer-to-peer call has no SFU commands", async () => {
    const [ann, bob] = await Promise.all([reg(), reg()]).then((as) => Promise.all(as.map(join)));
    const g = await group(s, ann!.auth, [bob!.auth]);
    const call = ok(await cmd(ann!, "call.start", { conversationId: g }));
    assert.equal(call.mode, "p2p");
    assert.equal(refused(await sfu(ann!, { callId: call.id, type: "subscribe" })).details?.reason, "not_sfu");
    ok(await cmd(ann!, "call.hangup", { callId: call.id }));
  });
});
