/**
 * Slow mode across nodes (issue 17): two servers on one MariaDB database and one Redis. A member's
 * two sends at the same moment, one through each node, both find no recent message in the
 * database; the turn each node reserves is shared through Redis, so only one goes through.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuthResponse } from "@parley/sdk/protocol";
import { assertClientError } from "./helpers/api.js";
import { basic, signIn } from "./helpers/bad-input-table.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;

describe("slow mode on two nodes", { skip }, () => {
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    const env = { REDIS_URL, REDIS_PREFIX: `parley-slow-${randomBytes(4).toString("hex")}:` };
    a = await startServer(env, { keepData: true });
    b = await startServer(env, { reuse: a, keepData: true });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await a?.dropData();
  });

  test("a member's sends racing through both nodes: one per turn, the other 429 slow_mode", async () => {
    const { id: app } = await a.createTenant("Slow nodes");
    const key = await a.services.serverKeys.create(app);
    const auth = basic(key.id, key.secret);
    const subs = ["mod", ...Array.from({ length: 6 }, (_, i) => `m${i}`)];
    const people = new Map<string, AuthResponse>();
    for (const sub of subs) people.set(sub, await signIn(a, auth, app, sub));
    assert.equal((await a.api.put("/server/moderators/mod", { headers: { Authorization: auth } })).status, 204);
    const conv = await a.api.post("/server/conversations", { headers: { Authorization: auth }, body: { kind: "group", name: "Slow", users: subs } });
    assert.equal(conv.status, 201, JSON.stringify(conv.body));
    const c = conv.body.conversation.id;
    const set = await b.api.put(`/moderation/conversations/${c}/slow-mode`, { token: people.get("mod")!.accessToken, body: { seconds: 60 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));

    for (const sub of subs.slice(1)) {
      const token = people.get(sub)!.accessToken;
      const [x, y] = await Promise.all(
        [a, b].map((node, i) => node.api.post(`/conversations/${c}/messages`, { token, body: { text: `${sub} via node ${i}` } })),
      );
      const statuses = [x!.status, y!.status].sort();
      assert.deepEqual(statuses, [201, 429], `${sub}: ${JSON.stringify([x!.body, y!.body])}`);
      assertClientError(x!.status === 429 ? x! : y!, { status: 429, code: "slow_mode" });
    }
    const history = await a.api.get(`/conversations/${c}/messages?limit=100`, { token: people.get("mod")!.accessToken });
    assert.equal(history.body.items.length, subs.length - 1, "one message per member");
  });
});
