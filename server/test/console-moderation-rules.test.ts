import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, ModeratorsResponse, WordFilter } from "@parley/sdk/protocol";
import { ConsoleAuditEntity } from "../src/console/console.entities.js";
import { consoleAccount, type Answer } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";

// The console's moderation rules (issue 32): the word filter with its test box, slow mode per
// conversation, and the app's chat moderators, over real HTTP on SQLite and MariaDB.

const fieldsOf = (a: Answer): string[] => (Array.isArray(a.body?.error?.details) ? a.body.error.details.map((d: { path: string }) => d.path) : []);

describe("the console: word filter, slow mode, chat moderators", { timeout: 180_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  const tok = (u: AuthResponse) => ({ token: u.accessToken });

  async function scene() {
    const { id: appId } = await s.createTenant("Rules");
    const [alice, bob] = [await s.api.register(appId), await s.api.register(appId)];
    const group = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(alice), body: { name: "Room", memberIds: [bob.user.id] } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const mod = await consoleAccount(s, { email: `mod-${n()}@rules.example`, role: "moderator", appId });
    const admin = await consoleAccount(s, { email: `admin-${n()}@rules.example`, role: "admin", appId });
    return { appId, alice, bob, conv: group.body.conversation.id, mod, admin, base: `/apps/${appId}/moderation` };
  }

  test("the word filter: tried in the test box as edited (disguises caught, nothing saved), saved, then applied to a chat send; audited", async () => {
    const { appId, bob, conv, mod, base } = await scene();
    const words = [
      { word: "scamshop", action: "block" },
      { word: "darn", action: "mask" },
    ];
    const tried = await mod.browser.post(`${base}/word-filter/test`, { words, text: "visit s c a m s h o p now" });
    assert.equal(tried.status, 200, JSON.stringify(tried.body));
    assert.deepEqual(tried.body.blocked, ["scamshop"]);
    const masked = await mod.browser.post(`${base}/word-filter/test`, { words, text: "oh DARN it" });
    assert.deepEqual(masked.body, { blocked: [], text: "oh **** it" });
    assert.deepEqual((await mod.browser.get<WordFilter>(`${base}/word-filter`)).body.words, [], "the test saved nothing");

    const saved = await mod.browser.req<WordFilter>("PUT", `${base}/word-filter`, { words, reason: "spam wave" });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.deepEqual((await mod.browser.get<WordFilter>(`${base}/word-filter`)).body.words, words);
    const refused = await s.api.post(`/conversations/${conv}/messages`, { ...tok(bob), body: { text: "buy at scamshop" } });
    assert.deepEqual([refused.status, refused.body.error?.code], [400, "content_blocked"]);
    const audit = await s.services.db.getRepository(ConsoleAuditEntity).findBy({ appId, action: "moderation.word_filter" });
    assert.deepEqual(
      audit.map((a) => [a.accountId, a.target]),
      [[mod.me.account.id, "block=1 mask=1 names=false spam wave"]],
    );

    // Bad input at its field.
    const dup = await mod.browser.req("PUT", `${base}/word-filter`, { words: [words[0], words[0]] });
    assert.deepEqual([dup.status, fieldsOf(dup)], [400, ["words"]]);
    const long = await mod.browser.post(`${base}/word-filter/test`, { words, text: "x".repeat(4001) });
    assert.deepEqual([long.status, fieldsOf(long)], [400, ["text"]]);
  });

  test("slow mode from the console holds a member's second send; off again with 0", async () => {
    const { appId, bob, conv, mod, base } = await scene();
    const on = await mod.browser.req("PUT", `${base}/conversations/${conv}/slow-mode`, { seconds: 60 });
    assert.deepEqual([on.status, on.body], [200, { conversationId: conv, seconds: 60 }]);
    assert.equal((await s.api.post(`/conversations/${conv}/messages`, { ...tok(bob), body: { text: "one" } })).status, 201);
    const held = await s.api.post(`/conversations/${conv}/messages`, { ...tok(bob), body: { text: "two" } });
    assert.deepEqual([held.status, held.body.error?.code], [429, "slow_mode"]);
    const off = await mod.browser.req("PUT", `${base}/conversations/${conv}/slow-mode`, { seconds: 0 });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal((await s.api.post(`/conversations/${conv}/messages`, { ...tok(bob), body: { text: "three" } })).status, 201);
    const bad = await mod.browser.req("PUT", `${base}/conversations/${conv}/slow-mode`, { seconds: 99_999 });
    assert.deepEqual([bad.status, fieldsOf(bad)], [400, ["seconds"]]);
    const other = await s.createTenant("Other");
    const foreign = await s.api.post<{ conversation: Conversation }>("/conversations", {
      ...tok(await s.api.register(other.id)),
      body: { name: "Elsewhere", memberIds: [] },
    });
    const missing = await mod.browser.req("PUT", `${base}/conversations/${foreign.body.conversation.id}/slow-mode`, { seconds: 10 });
    assert.equal(missing.status, 404, "another app's conversation is not found");
    const audit = await s.services.db.getRepository(ConsoleAuditEntity).findBy({ appId, action: "moderation.slow_mode" });
    assert.deepEqual(audit.map((a) => a.target).sort(), [`${conv} 0s`, `${conv} 60s`]);
  });

  test("chat moderators: admins set them (the user then moderates from the widget), moderators read the list, viewers and strangers are refused", async () => {
    const { appId, alice, mod, admin, base } = await scene();
    const refused = await mod.browser.req("PUT", `${base}/moderators/${alice.user.id}`, { moderator: true });
    assert.deepEqual([refused.status, refused.body.error?.details?.reason], [403, "role"]);
    const set = await admin.browser.req("PUT", `${base}/moderators/${alice.user.id}`, { moderator: true });
    assert.equal(set.status, 204, JSON.stringify(set.body));
    const list = await mod.browser.get<ModeratorsResponse>(`${base}/moderators`);
    assert.deepEqual(
      list.body.moderators.map((m) => m.userId),
      [alice.user.id],
    );
    const me = await s.api.get("/me", tok(alice));
    assert.equal(me.body.moderator, true, JSON.stringify(me.body));
    assert.equal((await admin.browser.req("PUT", `${base}/moderators/${alice.user.id}`, { moderator: false })).status, 204);
    assert.deepEqual((await mod.browser.get<ModeratorsResponse>(`${base}/moderators`)).body.moderators, []);
    const bad = await admin.browser.req("PUT", `${base}/moderators/${alice.user.id}`, { moderator: "yes" });
    assert.deepEqual([bad.status, fieldsOf(bad)], [400, ["moderator"]]);

    const viewer = await consoleAccount(s, { email: `viewer-${n()}@rules.example`, role: "viewer", appId });
    const other = await s.createTenant("Other");
    const stranger = await consoleAccount(s, { email: `owner-${n()}@rules.example`, role: "owner", appId: other.id }, { totp: true });
    for (const [who, status] of [
      [viewer, 403],
      [stranger, 404],
    ] as const) {
      const answers = await Promise.all([
        who.browser.get(`${base}/word-filter`),
        who.browser.req("PUT", `${base}/word-filter`, { words: [] }),
        who.browser.post(`${base}/word-filter/test`, { words: [], text: "x" }),
        who.browser.req("PUT", `${base}/conversations/cnv_x/slow-mode`, { seconds: 0 }),
        who.browser.get(`${base}/moderators`),
        who.browser.req("PUT", `${base}/moderators/${alice.user.id}`, { moderator: true }),
      ]);
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(6).fill(status),
      );
    }
    const audit = await s.services.db.getRepository(ConsoleAuditEntity).findBy({ appId, action: "moderation.moderator_add" });
    assert.deepEqual(
      audit.map((a) => [a.accountId, a.target]),
      [[admin.me.account.id, alice.user.id]],
    );
  });
});
