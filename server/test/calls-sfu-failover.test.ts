/**
 * Group calls across several Janus servers (issue 53, deployment), over real Socket.IO on a real
 * server (both databases) with two real Janus instances started by the test (helpers/janus.ts, on
 * ports of their own): JANUS_WS_URL names both; each new call's room goes to the least loaded one
 * (by what each Janus lists: participants plus rooms), which the test checks by asking each Janus
 * itself; when one is killed (SIGKILL: a crash), the calls on it, ringing or live, end for everyone
 * in them or rung for them with the reason `sfu_lost`, seen in order (`call.ended`, then the entry),
 * while the calls on the other go on; and a new call goes to the one still up.
 */
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { after, before, describe, test } from "node:test";
import Janode, { type JanodeConnection } from "janode";
import VideoRoomPlugin, { type VideoRoomHandle } from "janode/plugins/videoroom";
import type { AuthResponse, Call, CallSfuReply, LiveCallsResponse } from "@parley/sdk/protocol";
import { loadConfig } from "../src/config.js";
import { callEvent, callTrail, cmd, entryEvent, group, ok, party, type Party } from "./helpers/calls.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { janusSkip, SECOND_JANUS_PORTS, startJanus, type TestJanus, PUBLISH_OFFER as OFFER } from "./helpers/janus.js";
import type { ClientSocket } from "./helpers/sockets.js";

let first: TestJanus;
let second: TestJanus;
let s: TestServer;
let app: string;
/** The test's own look into each Janus. */
const looks: { conn: JanodeConnection; manager: VideoRoomHandle }[] = [];
const sockets: ClientSocket[] = [];
const reg = (): Promise<AuthResponse> => s.api.register(app);
const three = (): Promise<Party[]> => Promise.all([reg(), reg(), reg()]).then((as) => Promise.all(as.map((a) => party(s, a, sockets))));
const sfu = (p: Party, payload: Record<string, unknown>) => cmd<CallSfuReply>(p, "call.sfu", payload);

/** Polls until `check` holds (Janus is told after the commit). */
async function until(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`group calls over two Janus servers: placement and the loss of one (${TEST_DB})`, { skip: janusSkip }, () => {
  before(async () => {
    Janode.Logger.setLevel("none");
    first = await startJanus();
    second = await startJanus(SECOND_JANUS_PORTS);
    s = await startServer({ JANUS_WS_URL: `${first.wsUrl}, ${second.wsUrl}`, JANUS_ADMIN_KEY: first.adminKey });
    app = (await s.createTenant("Two SFUs")).id;
    for (const j of [first, second]) {
      const conn = await Janode.connect({ address: { url: j.wsUrl } });
      looks.push({ conn, manager: await (await conn.create()).attach(VideoRoomPlugin) });
    }
  });

  after(async () => {
    for (const so of sockets) so.close();
    for (const l of looks) await l.conn.close().catch(() => undefined);
    await s?.close();
    await first?.stop();
    await second?.stop();
  });

  const room = (callId: string): number => s.services.calls.sfu!.rooms.roomOf(callId);
  /** Which Janus (0: the first, 1: the second) has the call's room, asking each one itself. */
  const onServer = async (callId: string, servers = [0, 1]): Promise<number[]> => {
    const has = await Promise.all(servers.map(async (i) => (await looks[i]!.manager.exists({ room: room(callId) })).exists));
    return servers.filter((_, k) => has[k]);
  };
  const publishers = async (i: number, callId: string): Promise<number> =>
    (await looks[i]!.manager.listParticipants({ room: room(callId) })).participants.length;
  /** Everyone answers, then each publishes through the server: Janus answers their offers. */
  const joinAndPublish = async (call: Call, ps: Party[], on: number): Promise<void> => {
    for (const p of ps.slice(1)) ok(await cmd(p, "call.accept", { callId: call.id }));
    for (const p of ps) assert.match(ok(await sfu(p, { callId: call.id, type: "publish", sdp: OFFER })).sdp ?? "", /^v=0\r\n/);
    await until(async () => (await publishers(on, call.id)) === ps.length, `${ps.length} publishing on Janus ${on}`);
  };

  test("rooms go to the least loaded Janus; killing one ends its ringing and live calls with sfu_lost, in order, and the other's go on", async () => {
    const g1 = await three();
    const g2 = await three();
    const g3 = await three();
    const [c1, c2, c3] = await Promise.all([g1, g2, g3].map((g) => group(s, g[0]!.auth, [g[1]!.auth, g[2]!.auth])));

    // Both empty: the first listed. It rings on (nobody answers it).
    const ringing: Call = ok(await cmd(g1[0]!, "call.start", { conversationId: c1 }));
    assert.equal(ringing.mode, "sfu");
    assert.deepEqual(await onServer(ringing.id), [0]);
    // The first has a room: the second. Three publish there.
    const live2: Call = ok(await cmd(g2[0]!, "call.start", { conversationId: c2 }));
    assert.deepEqual(await onServer(live2.id), [1]);
    await joinAndPublish(live2, g2, 1);
    // The second has a room and three participants, the first one empty room: the first.
    const live1: Call = ok(await cmd(g3[0]!, "call.start", { conversationId: c3 }));
    assert.deepEqual(await onServer(live1.id), [0]);
    await joinAndPublish(live1, g3, 0);

    await first.kill();

    // Everyone in the calls on it, or rung for them, sees each end with sfu_lost, then its entry, and nothing after.
    for (const [call, ps] of [
      [ringing, g1],
      [live1, g3],
    ] as const) {
      for (const p of ps) {
        const ended = await callEvent(p, "call.ended", call.id);
        assert.equal(ended.data.call.endReason, "sfu_lost");
        assert.equal((await entryEvent(p, call.id)).data.message.call.endReason, "sfu_lost");
        const trail = callTrail(p, call.id);
        assert.deepEqual(trail.slice(-2), ["call.ended:sfu_lost:left,left,left", "entry:sfu_lost"], `${p.id}: ${trail.join(" ")}`);
        assert.equal(trail.filter((t) => t.startsWith("call.ended")).length, 1, trail.join(" "));
      }
    }
    const entry = await entryEvent(g3[1]!, live1.id);
    assert.match(entry.data.message.text, /server problem/);

    // The call on the second goes on: still live for its participants, its room and publishers there.
    for (const p of g2)
      assert.deepEqual(
        callTrail(p, live2.id).filter((t) => t.startsWith("call.ended")),
        [],
      );
    const stillLive = await s.api.get<LiveCallsResponse>("/calls/live", { token: g2[0]!.auth.accessToken });
    assert.deepEqual(
      stillLive.body.calls.map((c) => [c.id, c.state]),
      [[live2.id, "active"]],
    );
    assert.equal(await publishers(1, live2.id), 3);
    assert.ok(ok(await sfu(g2[1]!, { callId: live2.id, type: "subscribe" })));

    // A new call goes to the one still up.
    const next: Call = ok(await cmd(g1[1]!, "call.start", { conversationId: c1 }));
    assert.deepEqual(await onServer(next.id, [1]), [1]);
    assert.equal(await s.services.calls.sfu!.rooms.serverOf(next.id), second.wsUrl);

    for (const [call, p] of [
      [next, g1[1]!],
      [live2, g2[0]!],
    ] as const) {
      ok(await cmd(p, "call.hangup", { callId: call.id }));
    }
  });
});

test("JANUS_WS_URL takes a comma-separated list; a URL that is not ws(s), or one named twice, is refused at start", () => {
  const env = { NODE_ENV: "production", DATA_DIR: tmpdir(), JWT_SECRET: "x".repeat(40), JANUS_ADMIN_KEY: "a-room-admin-key" };
  assert.deepEqual(loadConfig({ ...env, JANUS_WS_URL: "ws://10.0.0.5:8188, wss://janus-2.example/ws" }).calls.janus?.wsUrls, [
    "ws://10.0.0.5:8188",
    "wss://janus-2.example/ws",
  ]);
  assert.deepEqual(loadConfig({ ...env, JANUS_WS_URL: "ws://10.0.0.5:8188" }).calls.janus?.wsUrls, ["ws://10.0.0.5:8188"]);
  assert.throws(() => loadConfig({ ...env, JANUS_WS_URL: "ws://10.0.0.5:8188,http://10.0.0.6:8088" }), /JANUS_WS_URL is ws:\/\/ or wss:\/\/ URLs/);
  assert.throws(() => loadConfig({ ...env, JANUS_WS_URL: "ws://10.0.0.5:8188,ws://10.0.0.5:8188" }), /names a server twice/);
  assert.throws(() => loadConfig({ ...env, JANUS_WS_URL: "ws://10.0.0.5:8188", JANUS_ADMIN_KEY: undefined }), /together/);
});
