import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { ROUTES } from "./helpers/routes.js";
import { connect, Recorder } from "./helpers/sockets.js";

// Every write a signed-in user can repeat is rate limited, per user and per app (red team 4: 300
// reaction toggles, 200 pin toggles and 200 vote toggles by one user were all accepted, written and
// sent to every member). Message sends keep their own quota (quotas.test.ts); every other write
// takes a point of the actions quota (server/src/shared/action-quota.ts) before its handler.

const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

const tok = (u: AuthResponse) => ({ token: u.accessToken });

function assertRateLimited(res: Res, what: string): void {
  assert.equal(res.status, 429, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(errorCode(res), "rate_limited", what);
  assert.ok(Number(res.headers.get("retry-after")) >= 1, `${what}: Retry-After`);
}

describe("the actions quota", () => {
  test("every write route of a signed-in user, from the route table, takes a point: the second call of a user with one point left is a 429", async () => {
    const s = await startServer({ RATE_LIMIT_ACTIONS_PER_USER: "1", RATE_LIMIT_ACTIONS_PER_APP: "100000" });
    servers.push(s);
    const app = (await s.createTenant()).id;
    // The message send has its own quota (refusals hold later sends, to keep their order).
    const writes = ROUTES.filter(
      (r) => (r.who === "user" || r.who === "member") && r.method !== "GET" && !(r.method === "POST" && r.path === "/conversations/:c/messages"),
    );
    assert.ok(writes.length > 40, `${writes.length} write routes`);
    for (const route of writes) {
      // A fresh user per route, and ids that name nothing: whatever the first call answers, the
      // point is taken before the handler runs, so nothing is written and the second call is refused.
      const u = await s.api.register(app);
      const path = route.path.replace(/:(\w)/g, (_, k: string) => (k === "m" ? "999999999" : k === "e" ? "%F0%9F%91%8D" : `${k}_missing0000000000000000`));
      const call = () => s.api.req(route.method, path, { ...tok(u), ...(route.method === "DELETE" ? {} : { body: { unknownField: 1 } }) });
      const first = await call();
      assert.notEqual(first.status, 429, `${route.method} ${route.path}: the first call`);
      assert.ok(first.status < 500, `${route.method} ${route.path}: ${first.status}`);
      assertRateLimited(await call(), `${route.method} ${route.path}: the second call`);
    }
  });

  test("reactions, pins and votes: one user gets the budget and no more, events stop with it; the app's budget holds for all its users; another app is not touched", async () => {
    const s = await startServer({ RATE_LIMIT_ACTIONS_PER_USER: "60", RATE_LIMIT_ACTIONS_PER_APP: "100" });
    servers.push(s);
    const app = (await s.createTenant()).id;
    const [alice, bob, carol] = [await s.api.register(app), await s.api.register(app), await s.api.register(app)];
    const group = (
      await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(alice), body: { name: "Busy", memberIds: [bob.user.id, carol.user.id] } })
    ).body.conversation;
    const msg = (await s.api.post<Message>(`/conversations/${group.id}/messages`, { ...tok(alice), body: { text: "react to me" } })).body;
    const poll = (await s.api.post<Message>(`/conversations/${group.id}/polls`, { ...tok(alice), body: { question: "Lunch?", options: ["Yes", "No"] } })).body;
    const watcher = new Recorder(await connect(s, carol.accessToken));
    // Creating the group and the poll took two of alice's points (the message none: it has its own quota).
    let accepted = 2;
    let refused: Res | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const toggle = i % 3;
      const res =
        toggle === 0
          ? await s.api.req(i % 2 === 0 ? "PUT" : "DELETE", `/messages/${msg.id}/reactions/%F0%9F%91%8D`, tok(alice))
          : toggle === 1
            ? await s.api.req(i % 2 === 0 ? "PUT" : "DELETE", `/messages/${msg.id}/pin`, tok(alice))
            : await s.api.req("PUT", `/messages/${poll.id}/poll/vote`, { ...tok(alice), body: { options: [i % 2 === 0 ? "0" : "1"] } });
      if (res.status === 429) refused = res;
      else {
        assert.ok(res.status === 200 || res.status === 204, `${res.status} ${JSON.stringify(res.body)}`);
        accepted++;
      }
    }
    assert.equal(accepted, 60, "exactly the user's budget");
    assertRateLimited(refused!, "alice's 61st");
    // Nothing alice was refused reached the other members: carol saw at most one event a write.
    const changes = () => watcher.events.filter((e) => e.name === "event" || e.name.startsWith("message.") || e.name.startsWith("poll."));
    const seen = changes().length;
    assertRateLimited(await s.api.req("PUT", `/messages/${msg.id}/reactions/%F0%9F%8E%89`, tok(alice)), "alice after the budget");
    await s.api.get(`/conversations/${group.id}/messages`, tok(carol));
    assert.equal(changes().length, seen, "a refused write sends nothing");
    // The app's budget (100 in 10 s) is shared: bob gets what alice left of it (her refused calls
    // took none of it), then 429 though his own is untouched.
    let bobAccepted = 0;
    for (let i = 0; i < 60; i++) {
      const res = await s.api.req(i % 2 === 0 ? "PUT" : "DELETE", `/messages/${msg.id}/reactions/%F0%9F%8E%89`, tok(bob));
      if (res.status === 429) {
        assertRateLimited(res, "bob past the app's budget");
        break;
      }
      bobAccepted++;
    }
    assert.equal(bobAccepted, 100 - 60, "the rest of the app's budget");
    // Another app has budgets of its own.
    const other = (await s.createTenant("Other")).id;
    const [dan, eve] = [await s.api.register(other), await s.api.register(other)];
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(dan), body: { userId: eve.user.id } })).body.conversation;
    const hers = (await s.api.post<Message>(`/conversations/${dm.id}/messages`, { ...tok(eve), body: { text: "hi" } })).body;
    assert.equal((await s.api.req("PUT", `/messages/${hers.id}/reactions/%F0%9F%91%8D`, tok(dan))).status, 200);
    watcher.socket.close();
  });

  test("docs/operations.md lists every write of a signed-in user with its limit", () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/operations.md"), "utf8");
    const section = doc.slice(doc.indexOf("## Rate limits"), doc.indexOf("## Apps (host sites)"));
    const rows = section.split("\n").filter((l) => l.startsWith("| `"));
    assert.ok(rows.length > 10, "the table was found");
    const generic = (p: string) => p.replace(/:\w+/g, ":");
    const missing = ROUTES.filter((r) => (r.who === "user" || r.who === "member") && r.method !== "GET")
      .filter((r) => !rows.some((row) => row.includes(r.method) && generic(row).includes(`/v1${generic(r.path)}\``)))
      .map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, []);
  });
});
