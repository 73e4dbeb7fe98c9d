// @parley/sdk/calls against a real server: the signalling a host's UI drives through `Calls`
// (incoming, accept, signals both ways, hang up, ended), a page that loads while its phone rings
// (`live()`), a device that reconnects mid-call (the call moves to its new socket), refusals as
// ChatError; and ParleyServer's listCalls and endCall. WebRTC itself (CallSession) needs a browser:
// here only that it says so where there is none.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { type Call, type CallSignal, type ChatClient, isChatError } from "../src/index.js";
import { Calls, CallSession, webrtcSupported } from "../src/calls.js";
import { ParleyServer } from "../src/server/index.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
let parley: ParleyServer;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const opened: Calls[] = [];
const callsOf = (chat: ChatClient): Calls => {
  const c = new Calls(chat);
  opened.push(c);
  return c;
};
const SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Calls SDK")).id;
  const key = await s.services.serverKeys.create(app);
  parley = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret });
});
after(async () => {
  for (const c of opened) c.close();
  clients.closeAll();
  await s?.close();
});

describe("@parley/sdk/calls", () => {
  test("start, incoming (rung by itself), accept, signals both ways, hang up: both hear it ended", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const [annCalls, benCalls] = [callsOf(ann), callsOf(ben)];
    const incoming: Call[] = [];
    const updates: Call[] = [];
    const ended: Call[] = [];
    const annSignals: CallSignal[] = [];
    const benSignals: CallSignal[] = [];
    benCalls.on("incoming", (c) => incoming.push(c));
    annCalls.on("updated", (c) => updates.push(c));
    annCalls.on("ended", (c) => ended.push(c));
    benCalls.on("ended", (c) => ended.push(c));
    annCalls.on("signal", (x) => annSignals.push(x));
    benCalls.on("signal", (x) => benSignals.push(x));

    const call = await annCalls.start(dm.id, { video: true });
    assert.equal(call.kind, "video");
    assert.ok(annCalls.carries(call.id));
    await until(() => incoming.some((c) => c.id === call.id), "Ben's incoming call");
    // Ben's device said it rings: Ann sees him ringing.
    await until(() => updates.some((c) => c.participants.some((p) => p.userId === ben.user!.id && p.state === "ringing")), "Ann sees Ben ringing");

    const answered = await benCalls.accept(call.id);
    assert.equal(answered.state, "active");
    await until(() => updates.some((c) => c.state === "active"), "Ann hears the answer");
    await annCalls.signal(call.id, ben.user!.id, { type: "offer", sdp: SDP });
    await until(() => benSignals.length === 1, "Ben gets the offer");
    assert.deepEqual(benSignals[0], { callId: call.id, from: ann.user!.id, type: "offer", sdp: SDP });
    await benCalls.signal(call.id, ann.user!.id, { type: "answer", sdp: SDP });
    await until(() => annSignals.some((x) => x.type === "answer"), "Ann gets the answer");

    const done = await benCalls.hangUp(call.id);
    assert.equal(done.endReason, "completed");
    await until(() => ended.filter((c) => c.id === call.id).length === 2, "both hear it ended");
    assert.ok(!annCalls.carries(call.id));
    // Refusals are ChatErrors: a second answer of an ended call is a conflict.
    await assert.rejects(benCalls.accept(call.id), (e: unknown) => isChatError(e) && e.code === "conflict");
    const page = await annCalls.list(dm.id);
    assert.deepEqual(
      page.items.map((c) => [c.id, c.endReason]),
      [[call.id, "completed"]],
    );
  });

  test("a page that loads while its phone rings finds the call with live(); a reconnect moves a carried call to the new socket", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const annCalls = callsOf(ann);
    const call = await annCalls.start(dm.id);
    const benCalls = callsOf(ben);
    const incoming: Call[] = [];
    benCalls.on("incoming", (c) => incoming.push(c));
    assert.deepEqual(
      (await benCalls.live()).map((c) => c.id),
      [call.id],
    );
    assert.deepEqual(
      incoming.map((c) => c.id),
      [call.id],
    );
    await benCalls.accept(call.id);

    // Ben's connection drops and comes back: the call follows his new socket.
    const signals: CallSignal[] = [];
    benCalls.on("signal", (x) => signals.push(x));
    ben.disconnect();
    await until(() => ben.store.state.connection === "disconnected", "Ben is offline");
    ben.connect();
    await until(() => ben.store.state.connection === "connected", "Ben is back");
    // The move is Ben's own `call.accept` after the reconnect: the server's row names his new socket.
    const newSocket = (): string | undefined => ben["socket"]["socket"]?.id;
    const carriedBy = async (): Promise<string | undefined> =>
      (
        (await s.services.db.query("SELECT socketId FROM call_participants WHERE callId = ? AND userId = ?", [call.id, ben.user!.id])) as { socketId: string }[]
      )[0]?.socketId;
    const deadline = Date.now() + 5000;
    while ((await carriedBy()) !== newSocket()) {
      assert.ok(Date.now() < deadline, "the call never moved to Ben's new socket");
      await new Promise((r) => setTimeout(r, 20));
    }
    await annCalls.signal(call.id, ben.user!.id, { type: "candidate", candidate: null });
    await until(() => signals.length > 0, "Ben's new socket gets the signal");
    await annCalls.hangUp(call.id);
  });

  test("a start whose answer comes after the call ended (declined at once) leaves nothing carried", async () => {
    // The answer to Ann's call.start is held, once the server has given it, until Ann has heard
    // the call end: the order a busy network gives now and then.
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const [annCalls, benCalls] = [callsOf(ann), callsOf(ben)];
    benCalls.on("incoming", (c) => void benCalls.decline(c.id));
    const heardEnded = new Promise<Call>((heard) => annCalls.on("ended", heard));
    const raw = ann["socket"]["socket"] as unknown as { emitWithAck(ev: string, ...args: unknown[]): Promise<unknown> };
    const emitWithAck = raw.emitWithAck.bind(raw);
    raw.emitWithAck = async (ev, ...args) => {
      const answer = await emitWithAck(ev, ...args);
      if (ev === "call.start") await heardEnded;
      return answer;
    };
    const call = await annCalls.start(dm.id);
    assert.equal(call.state, "ringing", "the answer was given before Ben declined");
    assert.equal((await heardEnded).endReason, "declined");
    assert.equal(annCalls.carries(call.id), false, "the ended call is not carried (a reconnect would answer it again)");
    assert.equal(annCalls.current(call.id)?.state, "ended");
  });

  test("ParleyServer lists a conversation's calls and ends one; CallSession says when there is no WebRTC", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const annCalls = callsOf(ann);
    const call = await annCalls.start(dm.id);
    const ended = await parley.endCall(call.id);
    assert.equal(ended.endReason, "cancelled");
    const page = await parley.listCalls(dm.id, { limit: 5 });
    assert.deepEqual(
      page.items.map((c) => c.id),
      [call.id],
    );
    assert.equal(webrtcSupported(), false);
    await assert.rejects(CallSession.open(annCalls, call), /no WebRTC/);
  });
});
