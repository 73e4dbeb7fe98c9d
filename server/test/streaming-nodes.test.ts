import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Message, MessageDeltaEvent } from "@parley/sdk/protocol";
import { errorCode } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { type ClientSocket, connect, Recorder, request } from "./helpers/sockets.js";

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;

/**
 * Streamed messages (issue 54) on two nodes sharing one MariaDB database and one Redis: the author
 * writes through node A, a member listens on node B (deltas and ai.state cross through the
 * adapter), and the member's Stop on B refuses the author's next append on A.
 */
describe("streamed messages on two nodes", { skip }, () => {
  let a: TestServer;
  let b: TestServer;
  const sockets: ClientSocket[] = [];

  before(async () => {
    const env = { REDIS_URL, REDIS_PREFIX: `parley-st-${randomBytes(4).toString("hex")}:` };
    a = await startServer(env, { keepData: true });
    b = await startServer(env, { reuse: a, keepData: true });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await b?.close();
    await a?.close();
    await a?.dropData();
  });

  test("deltas and ai.state reach a member on the other node in order, and their Stop there refuses the author's next append", async () => {
    const { id: app } = await a.createTenant();
    const key = await a.services.serverKeys.create(app);
    const headers = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    const bot = await a.api.post("/server/users", { headers, body: { sub: "bot", name: "Helper" } });
    const alice = await b.api.register(app);
    const g = await b.api.post("/conversations", { token: alice.accessToken, body: { name: "Help", memberIds: [bot.body.user.id] } });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    const conversationId = g.body.conversation.id as string;
    const sock = await connect(b, alice.accessToken);
    sockets.push(sock);
    const rec = new Recorder(sock);

    const state = await a.api.put(`/server/conversations/${conversationId}/ai-state`, { headers, body: { from: "bot", state: "thinking" } });
    assert.equal(state.status, 204);
    assert.equal((await rec.wait("ai.state", () => true, 10_000)).state, "thinking");

    const started = await a.api.post<Message>(`/server/conversations/${conversationId}/streams`, { headers, body: { from: "bot", text: "One" } });
    assert.equal(started.status, 201);
    const id = started.body.id;
    let text = "One";
    for (let i = 0; i < 20; i++) {
      const res = await a.api.post(`/server/messages/${id}/stream/append`, { headers, body: { offset: text.length, text: ` ${i}` } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      text += ` ${i}`;
    }
    // Every delta crossed to node B, in order and contiguous: joined, they are the text.
    await rec.wait("message.delta", (d: MessageDeltaEvent) => d.messageId === id && d.offset + d.text.length === text.length, 10_000);
    let joined = "";
    for (const e of rec.events.filter((x) => x.name === "message.delta" && x.payload.messageId === id)) {
      assert.equal(e.payload.offset, joined.length);
      joined += e.payload.text;
    }
    assert.equal(joined, text);

    const ack = await request<Message>(sock, "message.stop", { messageId: id }, 10_000);
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.equal(ack.data.stream?.state, "stopped");
    const refused = await a.api.post(`/server/messages/${id}/stream/append`, { headers, body: { offset: text.length, text: "!" } });
    assert.equal(refused.status, 409);
    assert.equal(errorCode(refused), "stream_stopped");
    const final = await rec.wait("message.new", (e) => e.data.message.id === id, 10_000);
    assert.equal(final.data.message.text, text);
  });
});
