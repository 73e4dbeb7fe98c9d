import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { Ack, AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, request, sleep, type ClientSocket } from "./helpers/sockets.js";

// Message quotas (server/src/messages/send-quota.ts): per user over every device and REST, and
// per app, so a flooding account or a noisy host site cannot take the others' capacity.

const servers: TestServer[] = [];
const sockets: ClientSocket[] = [];
after(async () => {
  for (const so of sockets) so.close();
  for (const s of servers) await s.close();
});

async function dm(s: TestServer, a: AuthResponse, b: AuthResponse): Promise<Conversation> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.conversation;
}

async function storedTexts(s: TestServer, who: AuthResponse, conversationId: string): Promise<string[]> {
  const res = await s.api.get<{ items: Message[] }>(`/conversations/${conversationId}/messages?limit=100`, { token: who.accessToken });
  assert.equal(res.status, 200);
  return res.body.items.map((m) => m.text ?? "");
}

describe("message quotas", () => {
  test("per user: two devices together get exactly the quota; the rest are rate_limited acks and 429s, sockets stay up, another user is unaffected", async () => {
    const s = await startServer({ RATE_LIMIT_MESSAGES_PER_USER: "5" });
    servers.push(s);
    const app = (await s.createTenant()).id;
    const alice = await s.api.register(app);
    const bob = await s.api.register(app);
    const conv = await dm(s, alice, bob);
    const phone = await connect(s, alice.accessToken);
    const laptop = await connect(s, alice.accessToken);
    sockets.push(phone, laptop);

    const acks: Ack<Message>[] = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => request<Message>(i % 2 ? laptop : phone, "message.send", { conversationId: conv.id, text: `flood ${i}` })),
    );
    const ok = acks.filter((a) => a.ok);
    const limited = acks.filter((a): a is Extract<Ack<Message>, { ok: false }> => !a.ok);
    assert.equal(ok.length, 5, "exactly the quota goes through");
    assert.equal(limited.length, 3);
    for (const a of limited) {
      assert.equal(a.error.code, "rate_limited");
      assert.ok(Number((a.error.details as { retryAfterSec?: number }).retryAfterSec) >= 1, "says when to retry");
    }
    const rest = await s.api.post(`/conversations/${conv.id}/messages`, { token: alice.accessToken, body: { text: "over REST" } });
    assert.equal(rest.status, 429, "REST shares the user's quota");
    assert.equal((rest.body as { error: { code: string } }).error.code, "rate_limited");
    assert.ok(Number(rest.headers.get("retry-after")) >= 1);

    await sleep(200);
    assert.ok(phone.connected && laptop.connected, "no disconnect: the client backs off and retries");
    assert.equal((await storedTexts(s, alice, conv.id)).length, 5, "nothing past the quota is stored");

    const fromBob = await s.api.post(`/conversations/${conv.id}/messages`, { token: bob.accessToken, body: { text: "bob is fine" } });
    assert.equal(fromBob.status, 201, "another user of the same app still sends");
  });

  test("per app: one app past its quota is refused while another app on the same server keeps sending", async () => {
    const s = await startServer({ RATE_LIMIT_MESSAGES_PER_APP: "10" });
    servers.push(s);
    const noisy = (await s.createTenant("Noisy")).id;
    const quiet = (await s.createTenant("Quiet")).id;
    const users = await Promise.all([0, 1, 2, 3].map(() => s.api.register(noisy)));
    const convs = [await dm(s, users[0]!, users[1]!), await dm(s, users[2]!, users[3]!)];
    const socketsOfNoisy = await Promise.all(users.map((u) => connect(s, u.accessToken)));
    sockets.push(...socketsOfNoisy);

    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request<Message>(socketsOfNoisy[i % 4]!, "message.send", { conversationId: convs[i % 4 < 2 ? 0 : 1]!.id, text: `noise ${i}` }),
      ),
    );
    assert.equal(acks.filter((a) => a.ok).length, 10, "the app's quota, whichever of its users sent");
    assert.ok(acks.filter((a) => !a.ok).every((a) => !a.ok && a.error.code === "rate_limited"));

    const q1 = await s.api.register(quiet);
    const q2 = await s.api.register(quiet);
    const qConv = await dm(s, q1, q2);
    const qSocket = await connect(s, q1.accessToken);
    sockets.push(qSocket);
    const quietAcks = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => request<Message>(qSocket, "message.send", { conversationId: qConv.id, text: `quiet ${i}` })),
    );
    assert.ok(
      quietAcks.every((a) => a.ok),
      "the other app is not starved",
    );
    assert.deepEqual((await storedTexts(s, q1, qConv.id)).sort(), ["quiet 0", "quiet 1", "quiet 2", "quiet 3", "quiet 4"]);
  });
});
