import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Page } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "./helpers/harness.js";
import { recordQueries } from "./helpers/queries.js";

/**
 * The query counts of the suites (a page of 100 conversations costs what a page of 5 does, and so
 * on) record the statements made while a request runs. A node's own timers must not land in that
 * window: the CI of 2026-11-29 failed conversations.test.ts on MariaDB with 15 statements against
 * 13, an e-mail pass (every EMAIL_SWEEP_SEC, 30 s by default) having run inside it. Here the sweep
 * runs every 50 ms and the window lasts six of them.
 */

let s: TestServer;
let app: string;

before(async () => {
  s = await startServer({ EMAIL_SWEEP_SEC: "0.05" });
  app = (await s.createTenant()).id;
});
after(() => s?.close());

const tok = (u: AuthResponse) => ({ token: u.accessToken });

describe("recorded queries", () => {
  test("the statements recorded around a request are the request's own, however many e-mail passes tick meanwhile", async () => {
    const a = await s.api.register(app);
    const b = await s.api.register(app);
    // b has a message unread, so an e-mail pass has a member to weigh (its statements are not empty).
    const dm = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(a), body: { userId: b.user.id } });
    assert.equal(dm.status, 201, JSON.stringify(dm.body));
    const sent = await s.api.post(`/conversations/${dm.body.conversation.id}/messages`, { ...tok(a), body: { text: "are you there?" } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const list = () => s.api.get<Page<Conversation>>("/conversations", tok(b));
    assert.equal((await list()).status, 200); // caches warm

    const alone = await recordQueries(s.services, list);
    const across = await recordQueries(s.services, async () => {
      await list();
      await new Promise((resolve) => setTimeout(resolve, 300));
    });
    assert.ok(alone.length > 0, "the request's own statements are recorded");
    assert.deepEqual(
      across.map((q) => q.sql),
      alone.map((q) => q.sql),
    );
  });
});
