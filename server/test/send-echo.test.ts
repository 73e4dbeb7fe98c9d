import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AuthResponse, Conversation, EventOf, SendAck, SyncResponse } from "@parley/sdk/protocol";
import { messageAck } from "../src/http/openapi/event-responses.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder } from "./helpers/sockets.js";

/**
 * A socket that connects with `ownEcho: false` gets its own sends' `message.new` in the ack
 * (SendAck.event), not as a frame of its own: one frame less per message (issue 34). Every other
 * socket of the conversation gets the frame as before, the sender's other tabs too; a socket that
 * does not ask (older clients) still gets its echo.
 */

let s: TestServer;
let app: string;
let ann: AuthResponse;
let bob: AuthResponse;
let conv: string;
const open: Recorder[] = [];

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Echo")).id;
  ann = await s.api.register(app);
  bob = await s.api.register(app);
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ann.accessToken, body: { userId: bob.user.id } });
  conv = res.body.conversation.id;
});
after(async () => {
  for (const r of open) r.socket.close();
  await s?.close();
});

async function socketOf(u: AuthResponse, ownEcho?: boolean): Promise<Recorder> {
  const r = new Recorder(await connect(s, u.accessToken, ownEcho === undefined ? {} : { ownEcho }));
  open.push(r);
  return r;
}

const send = (r: Recorder, body: Record<string, unknown>): Promise<SendAck> =>
  (r.socket.timeout(10_000) as unknown as { emitWithAck(ev: string, p: unknown): Promise<SendAck> }).emitWithAck("message.send", {
    conversationId: conv,
    ...body,
  });

const newOf = (r: Recorder, id: string): EventOf<"message.new">[] =>
  r.events.filter((e) => e.name === "message.new" && e.payload.data.message.id === id).map((e) => e.payload);

test("ownEcho false: the ack carries the event with its seq, the sending socket gets no frame, every other socket does", async () => {
  const tab1 = await socketOf(ann, false);
  const tab2 = await socketOf(ann); // the same user's other tab, an older client
  const bobs = await socketOf(bob, false);

  const ack = await send(tab1, { text: "no echo", clientMessageId: "e-1" });
  assert.ok(ack.ok, JSON.stringify(ack));
  assert.ok(ack.event, "the ack carries the event");
  assert.equal(messageAck.safeParse(ack).success, true, "the ack matches the documented schema");
  assert.equal(ack.event.type, "message.new");
  assert.equal(ack.event.conversationId, conv);
  assert.deepEqual(ack.event.data.message, ack.data);
  assert.ok(Number.isInteger(ack.event.seq) && ack.event.seq > 0);

  // Published before the answers go out: a frame meant for tab1 would have come before its ack.
  assert.deepEqual(newOf(tab1, ack.data.id), [], "the sending socket was not sent the frame");
  const atTab2 = await tab2.wait("message.new", (e) => e.data.message.id === ack.data.id);
  const atBob = await bobs.wait("message.new", (e) => e.data.message.id === ack.data.id);
  assert.deepEqual(atTab2, ack.event);
  assert.deepEqual(atBob, ack.event);

  // The same event is in the log under that seq: /sync gives it as the ack did.
  const sync = await s.api.get<SyncResponse>(`/sync?since=${ack.event.seq - 1}`, { token: ann.accessToken });
  assert.deepEqual(
    sync.body.events.find((e) => e.seq === ack.event!.seq),
    ack.event,
  );
});

test("without ownEcho (older clients) the sending socket gets its echo and the ack has no event", async () => {
  const old = await socketOf(ann);
  const ack = await send(old, { text: "with echo", clientMessageId: "e-2" });
  assert.ok(ack.ok, JSON.stringify(ack));
  assert.equal(ack.event, undefined);
  assert.equal(newOf(old, ack.data.id).length, 1, "the echo came before the ack");
});

test("a clientMessageId retry gets the original message, and its event again as a frame (not in the ack)", async () => {
  const tab = await socketOf(ann, false);
  const first = await send(tab, { text: "once", clientMessageId: "e-3" });
  assert.ok(first.ok && first.event);
  const retry = await send(tab, { text: "once", clientMessageId: "e-3" });
  assert.ok(retry.ok, JSON.stringify(retry));
  assert.equal(retry.data.id, first.data.id);
  assert.equal(retry.event, undefined);
  const again = await tab.wait("message.new", (e: EventOf<"message.new">) => e.data.message.id === first.data.id);
  assert.equal(again.seq, first.event.seq, "the original event, sent again");
});

test("a refused send's ack has no event", async () => {
  const tab = await socketOf(ann, false);
  const ack = await send(tab, { text: "" });
  assert.equal(ack.ok, false);
  assert.equal("event" in ack, false);
});

test("a send without an ack callback is echoed as a frame even with ownEcho false (nothing else would carry its event)", async () => {
  const tab = await socketOf(ann, false);
  (tab.socket as unknown as { emit(ev: string, payload: unknown): void }).emit("message.send", {
    conversationId: conv,
    text: "no ack wanted",
    clientMessageId: "e-4",
  });
  const got = await tab.wait("message.new", (e: EventOf<"message.new">) => e.data.message.clientMessageId === "e-4", 10_000);
  assert.equal(got.data.message.text, "no ack wanted");
});
