/**
 * A user's own messages without an index by sender and id (issue 56: one index fewer for every
 * send to write). The export and the account deletion page through `uq_messages_client_id`
 * (messages/sender-pages.ts): messages without a client id by id, then the others by client id,
 * more than a page of each here. Slow mode finds a member's last message by the conversation's
 * newest messages; after a restart (no reservation in memory) only the database can tell.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, DataExport } from "@parley/sdk/protocol";
import { DATA_RIGHTS_PAGE } from "../src/data-rights/deps.js";
import { assertClientError } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";

const PASSWORD = "correct horse battery";

describe("a user's own messages, paged by the client id index", () => {
  let s: TestServer;
  let app = "";
  let alice: AuthResponse, bob: AuthResponse;
  let dm: Conversation, group: Conversation;
  /** Alice's message ids, in the order she sent them. */
  const aliceIds: number[] = [];
  const bobIds: number[] = [];

  before(async () => {
    s = await startServer();
    app = (await s.createTenant("sender pages")).id;
    [alice, bob] = [await s.api.register(app), await s.api.register(app)];
    dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } })).body
      .conversation;
    group = (
      await s.api.post<{ conversation: Conversation }>("/conversations", { token: alice.accessToken, body: { name: "Pages", memberIds: [bob.user.id] } })
    ).body.conversation;
    // Over a page without a client id and a page with one, in bursts (batches, as under load),
    // Bob's between hers; client ids random, so their order is not the order sent.
    const total = 2 * DATA_RIGHTS_PAGE + 150;
    for (let k = 0; k < 2 * total; k += 50) {
      const burst = Array.from({ length: 50 }, (_, j) => {
        const i = k + j;
        const mine = i % 2 === 0;
        const who = mine ? alice : bob;
        const conversationId = i % 3 === 0 ? group.id : dm.id;
        const clientMessageId = i % 4 < 2 ? undefined : randomBytes(9).toString("base64url");
        return s.services.messages
          .send({ appId: app, user: who.user.id }, { conversationId, text: `message ${i}`, ...(clientMessageId ? { clientMessageId } : {}) })
          .then((out) => ({ mine, id: Number(out.message.id) }));
      });
      for (const sent of await Promise.all(burst)) (sent.mine ? aliceIds : bobIds).push(sent.id);
    }
    aliceIds.sort((a, b) => a - b);
    const withClientId: { n: number | string }[] = await s.services.db.query(
      "SELECT COUNT(*) AS n FROM messages WHERE senderId = ? AND clientMessageId IS NOT NULL",
      [alice.user.id],
    );
    assert.ok(Number(withClientId[0]!.n) > DATA_RIGHTS_PAGE && aliceIds.length - Number(withClientId[0]!.n) > DATA_RIGHTS_PAGE);
  });

  after(async () => {
    await s?.close();
  });

  test("the export holds every message of hers once, in the order she sent them, and none of his", async () => {
    const res = await s.api.get<DataExport>("/me/export", { token: alice.accessToken });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.messages.map((m) => Number(m.id)),
      aliceIds,
    );
  });

  test("the deletion tombstones every message of hers and no other", async () => {
    const res = await s.api.del("/me", { token: alice.accessToken, body: { password: PASSWORD } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const rows: { senderId: string; live: number | string; n: number | string }[] = await s.services.db.query(
      "SELECT senderId, SUM(CASE WHEN deletedAt IS NULL AND text IS NOT NULL THEN 1 ELSE 0 END) AS live, COUNT(*) AS n FROM messages WHERE senderId IN (?, ?) GROUP BY senderId",
      [alice.user.id, bob.user.id],
    );
    const of = new Map(rows.map((r) => [r.senderId, { live: Number(r.live), n: Number(r.n) }]));
    assert.deepEqual(of.get(alice.user.id), { live: 0, n: aliceIds.length });
    assert.deepEqual(of.get(bob.user.id), { live: bobIds.length, n: bobIds.length });
  });
});

describe("slow mode after a restart: the member's last message, found behind others' newer ones", () => {
  test("still slowed with 250 newer messages of the owner; a member who has not written is not", async () => {
    let s = await startServer({}, { keepData: true });
    try {
      const app = (await s.createTenant("slow pages")).id;
      const [owner, member, quiet] = [await s.api.register(app), await s.api.register(app), await s.api.register(app)];
      const group = (
        await s.api.post<{ conversation: Conversation }>("/conversations", {
          token: owner.accessToken,
          body: { name: "Slow", memberIds: [member.user.id, quiet.user.id] },
        })
      ).body.conversation;
      assert.equal((await s.api.put(`/moderation/conversations/${group.id}/slow-mode`, { token: owner.accessToken, body: { seconds: 3600 } })).status, 200);
      assert.equal((await s.api.post(`/conversations/${group.id}/messages`, { token: member.accessToken, body: { text: "one a turn" } })).status, 201);
      // The owner is not slowed: 250 of theirs after it, more than two of slow mode's pages.
      for (let k = 0; k < 250; k += 50)
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            s.services.messages.send({ appId: app, user: owner.user.id }, { conversationId: group.id, text: `owner ${k + j}` }),
          ),
        );
      await s.close();
      s = await startServer({}, { reuse: s, keepData: true });
      assertClientError(await s.api.post(`/conversations/${group.id}/messages`, { token: member.accessToken, body: { text: "again" } }), {
        status: 429,
        code: "slow_mode",
      });
      assert.equal((await s.api.post(`/conversations/${group.id}/messages`, { token: quiet.accessToken, body: { text: "my first" } })).status, 201);
    } finally {
      await s.close();
      await s.dropData();
    }
  });
});
