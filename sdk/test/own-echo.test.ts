import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ChatEvent } from "../src/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, until } from "./helpers/clients.js";

/**
 * The SDK connects with `ownEcho: false` (issue 34): its own sends come back in their acks, not as
 * a `message.new` frame. The ack's event is applied as a live one would be: by the time `send`
 * resolves, the store's cursor, the conversation's last message and the list order have it.
 */

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Echo site", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

test("a send applies its own event from the ack: cursor, last message, list order; the other side gets the frame", async () => {
  const alice = await clients.signUp("Alice");
  const bob = await clients.signUp("Bob");
  const sockets = await s.io.fetchSockets();
  const mine = sockets.filter((x) => x.data.userId === alice.user!.id);
  assert.ok(mine.length > 0 && mine.every((x) => x.data.ownEcho === false), "the SDK asked for no echo");

  const older = await alice.direct(bob.user!.id);
  await older.send("to the older DM");
  const carol = await clients.signUp("Carol");
  const conv = await alice.direct(carol.user!.id);
  await until(() => alice.store.state.conversationOrder[0] === conv.id, "the new DM first");
  await older.send("older again");
  assert.equal(alice.store.state.conversationOrder[0], older.id);

  const sent = await conv.send("straight from the ack");
  // No waiting: the ack's event was applied before send resolved.
  const http = (alice as unknown as { http: { request<T>(m: string, p: string): Promise<T> } }).http;
  const log = await http.request<{ events: ChatEvent[] }>("GET", `/sync?since=0&limit=500`);
  const event = log.events.find((e) => e.type === "message.new" && e.data.message.id === sent.id);
  assert.ok(event, "the send's event is in the log");
  assert.ok(alice.store.state.lastSeq >= event.seq, `cursor ${alice.store.state.lastSeq} has the send's seq ${event.seq}`);
  assert.equal(alice.store.state.conversations[conv.id]!.lastMessage?.id, sent.id);
  assert.equal(alice.store.state.conversationOrder[0], conv.id);
  assert.equal(alice.conversation(conv.id).messages.filter((m) => m.id === sent.id).length, 1);

  await until(() => carol.conversation(conv.id).messages.some((m) => m.id === sent.id), "Carol got it live");
});
