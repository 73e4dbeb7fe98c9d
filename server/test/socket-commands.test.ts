import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, request, type ClientSocket } from "./helpers/sockets.js";

// Socket commands: which limit governs which command, what a refusal says, and how a failure
// that is our bug can be found in the log.
const PER_SEC = 5;
let s: TestServer;
let app: string;
let alice: AuthResponse;
let conv: Conversation;
const sockets: ClientSocket[] = [];

before(async () => {
  s = await startServer({ SOCKET_COMMANDS_PER_SEC: String(PER_SEC) });
  app = (await s.createTenant("Commands", ["*"])).id;
  alice = await s.api.register(app);
  const bob = await s.api.register(app);
  const res = await s.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
  conv = res.body.conversation ?? res.body;
});

after(async () => {
  for (const so of sockets) so.close();
  await s.close();
});

async function open(): Promise<ClientSocket> {
  const so = await connect(s, alice.accessToken);
  sockets.push(so);
  return so;
}

describe("socket command limits", () => {
  test("message.send is governed by the message quotas, not the per-socket command limit", async () => {
    const so = await open();
    const n = 20 * PER_SEC;
    const acks = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        request<Message>(so, "message.send", { conversationId: conv.id, text: `fast ${i}`, clientMessageId: `fast-${i}` }, 10_000),
      ),
    );
    assert.deepEqual(
      acks.filter((a) => !a.ok),
      [],
      "no send refused",
    );
    const ids = acks.map((a) => (a.ok ? BigInt(a.data.id) : 0n));
    assert.ok(
      ids.every((id, i) => i === 0 || id > ids[i - 1]!),
      "stored in arrival order",
    );
  });

  test("typing and read past the per-socket limit are refused with rate_limited and retryAfterSec", async () => {
    const so = await open();
    const first = await request<Message>(so, "message.send", { conversationId: conv.id, text: "to read" });
    assert.ok(first.ok);
    const acks = await Promise.all(Array.from({ length: 3 * PER_SEC }, () => request(so, "read", { conversationId: conv.id, messageId: first.data.id })));
    const refused = acks.filter((a) => !a.ok);
    assert.equal(acks.length - refused.length, PER_SEC, "the limit's worth went through");
    for (const a of refused) {
      assert.ok(!a.ok);
      assert.equal(a.error.code, "rate_limited");
      assert.equal((a.error.details as { retryAfterSec?: number }).retryAfterSec, 1);
    }
  });
});

describe("a command that fails with our bug", () => {
  test("is answered `internal` with a request id, and logged with the same id", async () => {
    const so = await open();
    const logged: Record<string, unknown>[] = [];
    const logger = s.services.logger as unknown as { error: (...a: unknown[]) => void };
    const realError = logger.error;
    const realMarkRead = s.services.messages.markRead;
    logger.error = (obj: unknown) => void logged.push(obj as Record<string, unknown>);
    s.services.messages.markRead = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'secret')");
    };
    try {
      const ack = await request(so, "read", { conversationId: conv.id, messageId: "1" });
      assert.ok(!ack.ok);
      assert.equal(ack.error.code, "internal");
      assert.equal(ack.error.message, "Internal server error", "nothing of the error reaches the client");
      assert.match(ack.error.requestId ?? "", /^[\w-]{8,64}$/);
      assert.equal(logged.length, 1);
      assert.equal(logged[0]!["reqId"], ack.error.requestId);
      assert.equal(logged[0]!["event"], "read");
      assert.equal(logged[0]!["userId"], alice.user.id);
      assert.match(String((logged[0]!["err"] as Error).message), /secret/);
    } finally {
      logger.error = realError;
      s.services.messages.markRead = realMarkRead;
    }
  });
});
