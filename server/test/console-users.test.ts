import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse, ConsoleUserDetail, ConsoleUsersResponse, Conversation, DataExport } from "@parley/sdk/protocol";
import { ConsoleAuditEntity } from "../src/console/console.entities.js";
import { consoleAccount, type Answer, type ConsoleBrowser } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { recordQueries } from "./helpers/queries.js";

// The console's users of an app (issue 32) over real HTTP, on SQLite and MariaDB: found by id, sub,
// e-mail or name; a profile with its counts and ban state in a constant number of queries; the
// export downloaded and the account deleted with a typed confirmation; who may do which; bad
// input at its field; the audit row of each export and deletion.

const reason = (a: Answer): string | undefined => a.body?.error?.details?.reason;
/** The fields a 400 names (`details[].path`). */
const fieldsOf = (a: Answer): string[] => (Array.isArray(a.body?.error?.details) ? a.body.error.details.map((d: { path: string }) => d.path) : []);

describe("the console: users of an app", { timeout: 240_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  const tok = (u: AuthResponse) => ({ token: u.accessToken });
  const ok = <T>(a: Answer<T>, status = 200): T => {
    assert.equal(a.status, status, JSON.stringify(a.body));
    return a.body;
  };
  const names = (r: ConsoleUsersResponse): string[] => r.items.map((u) => u.displayName);

  /**
   * An app with five chat users (three Parley accounts, two the host signed in by sub), a direct
   * conversation and two groups with messages, a report of one of Ada's; an admin, a moderator, a
   * viewer, and the owner of another app.
   */
  async function scene() {
    const { id: appId, secret } = await s.createTenant(`Users ${n()}`);
    const tag = n();
    const ada = await s.api.register(appId, { email: `ada-${tag}@shop.example`, displayName: "Ada Lovelace" });
    const adam = await s.api.register(appId, { email: `adam-${tag}@shop.example`, displayName: "Adam Smith" });
    const zed = await s.api.register(appId, { email: `zed-${tag}@shop.example`, displayName: "Zed" });
    const host = async (sub: string, name: string): Promise<AuthResponse> => {
      const token = jwt.sign({ sub, name, exp: Math.floor(Date.now() / 1000) + 60 }, secret, { algorithm: "HS256" });
      const r = await s.api.post<AuthResponse>("/auth/host-token", { app: appId, body: { token } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const bob = await host(`buyer-${tag}`, "Bob");
    const bea = await host(`buyer-${tag}-2`, "Bea");
    const say = async (u: AuthResponse, conversationId: string, text: string): Promise<string> => {
      const r = await s.api.post(`/conversations/${conversationId}/messages`, { ...tok(u), body: { text } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return (r.body.message ?? r.body).id as string;
    };
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(ada), body: { userId: bob.user.id } })).body.conversation.id;
    const group = async (name: string, members: AuthResponse[]): Promise<string> => {
      const r = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(ada), body: { name, memberIds: members.map((m) => m.user.id) } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.conversation.id;
    };
    const g1 = await group("Room one", [bob, zed]);
    const g2 = await group("Room two", [bob]);
    const adaSaid = [await say(ada, dm, "hello bob"), await say(ada, dm, "are you there"), await say(ada, g1, "hi room"), await say(ada, g2, "quiet here")];
    await say(bob, dm, "yes");
    await say(bob, g1, "bob in the room");
    const report = await s.api.post("/reports", { ...tok(bob), body: { messageId: adaSaid[0], reason: "spam" } });
    assert.equal(report.status, 201, JSON.stringify(report.body));
    const admin = await consoleAccount(s, { email: `admin-${n()}@shop.example`, role: "admin", appId });
    const moderator = await consoleAccount(s, { email: `mod-${n()}@shop.example`, role: "moderator", appId });
    const viewer = await consoleAccount(s, { email: `viewer-${n()}@shop.example`, role: "viewer", appId });
    const { id: elsewhere } = await s.createTenant("Elsewhere");
    const stranger = await consoleAccount(s, { email: `owner-${n()}@else.example`, role: "owner", appId: elsewhere });
    return { appId, tag, ada, adam, zed, bob, bea, dm, g1, g2, adaSaid, admin, moderator, viewer, stranger, base: `/apps/${appId}/users` };
  }

  test("find users by name, by id, by sub and by e-mail; page through them; deleted accounts are not found", async () => {
    const { ada, adam, bob, bea, zed, tag, moderator, base } = await scene();
    const b = moderator.browser;
    const find = async (q: string, more = ""): Promise<ConsoleUsersResponse> =>
      ok(await b.get<ConsoleUsersResponse>(`${base}?q=${encodeURIComponent(q)}${more}`));

    assert.deepEqual(names(await find("Ada")), ["Ada Lovelace", "Adam Smith"]);
    assert.deepEqual(names(await find("ada")), ["Ada Lovelace", "Adam Smith"], "names are found whatever the case");
    assert.deepEqual(names(await find("Adam ")), ["Adam Smith"]);
    const bySub = await find(`buyer-${tag}`);
    assert.equal(bySub.items[0]!.id, bob.user.id, "the exact sub first");
    assert.deepEqual(bySub.items[0], {
      id: bob.user.id,
      sub: `buyer-${tag}`,
      displayName: "Bob",
      email: null,
      avatarUrl: null,
      createdAt: bySub.items[0]!.createdAt,
      lastSeenAt: null,
      banned: false,
    });
    assert.deepEqual(names(await find(`buyer-${tag}-2`)), ["Bea"]);
    assert.deepEqual(names(await find(ada.user.id)), ["Ada Lovelace"]);
    assert.deepEqual(names(await find(`ADA-${tag}@Shop.Example`)), ["Ada Lovelace"], "a whole e-mail, in any case");
    assert.deepEqual(names(await find(`ada-${tag}@`)), ["Ada Lovelace"], "the start of an e-mail");
    assert.equal((await find(`ada-${tag}@shop.example`)).items[0]!.email, `ada-${tag}@shop.example`);
    assert.deepEqual(names(await find("nobody at all")), []);

    // Everyone, a page of two at a time, by name.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page: ConsoleUsersResponse = await find("", `&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.ok(page.items.length <= 2);
      seen.push(...names(page));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, ["Ada Lovelace", "Adam Smith", "Bea", "Bob", "Zed"]);
    assert.equal(cursor, null);

    // A deleted account is not found (its tombstone stays for its messages' sake).
    assert.equal((await s.api.del("/me", { ...tok(zed), body: { password: "correct horse battery" } })).status, 204);
    assert.deepEqual(names(await find("Z")), []);
    assert.deepEqual(names(await find(zed.user.id)), []);
    assert.equal((await b.get(`${base}/${zed.user.id}`)).status, 404);
    void adam;
    void bea;
  });

  test("a profile: counts of messages, conversations and open reports, and ban state, in a constant number of queries", async () => {
    const { appId, ada, bob, g1, g2, admin, moderator, base } = await scene();
    const b = moderator.browser;
    const detail = ok(await b.get<ConsoleUserDetail>(`${base}/${ada.user.id}`));
    assert.equal(detail.user.id, ada.user.id);
    assert.equal(detail.user.displayName, "Ada Lovelace");
    assert.equal(detail.user.email, ada.user.email);
    assert.equal(detail.user.bio, "");
    assert.deepEqual(detail.counts, { messages: 4, conversations: 3, openReports: 1 });
    assert.deepEqual(detail.moderation, { appBan: null, conversationBans: 0, activeMutes: 0 });
    assert.deepEqual(ok(await b.get<ConsoleUserDetail>(`${base}/${bob.user.id}`)).counts, { messages: 2, conversations: 3, openReports: 0 });

    // Sanctions through the console's moderation routes: a mute in one room, a ban from another, then from the app.
    const mod = `/apps/${appId}/moderation/users/${ada.user.id}`;
    ok(await b.post(`${mod}/mute`, { minutes: 10, conversationId: g1 }));
    ok(await b.post(`${mod}/ban`, { scope: "conversation", conversationId: g2, reason: "off topic" }));
    ok(await admin.browser.post(`${mod}/ban`, { scope: "app", reason: "spam links" }));
    const banned = ok(await b.get<ConsoleUserDetail>(`${base}/${ada.user.id}`));
    assert.equal(banned.user.banned, true);
    assert.deepEqual(banned.moderation.appBan && [banned.moderation.appBan.reason, banned.moderation.appBan.by], [
      "spam links",
      `console:${admin.me.account.id}`,
    ]);
    assert.deepEqual([banned.moderation.conversationBans, banned.moderation.activeMutes], [1, 1]);
    assert.equal(banned.counts.messages, 4);
    const listed = ok(await b.get<ConsoleUsersResponse>(`${base}?q=Ad`));
    assert.deepEqual(
      listed.items.map((u) => [u.displayName, u.banned]),
      [
        ["Ada Lovelace", true],
        ["Adam Smith", false],
      ],
    );

    // The same statements for a user with many messages as for one with few, and for a page of one as of five.
    // (Not the push notifier's look-up after a send, which runs on its own after the commit.)
    const tables = /^(?![\s\S]*push_subscriptions)[\s\S]*\bFROM\s+[`"]?(users|messages|members|moderation_\w+)\b/i;
    const many = await recordQueries(s.services, () => b.get(`${base}/${bob.user.id}`), tables);
    for (let i = 0; i < 30; i++) await s.api.post(`/conversations/${g1}/messages`, { ...tok(bob), body: { text: `more ${i}` } });
    const more = await recordQueries(s.services, () => b.get(`${base}/${bob.user.id}`), tables);
    assert.equal(more.length, many.length, more.map((q) => q.sql).join("\n"));
    assert.ok(more.length <= 4, `${more.length} statements`);
    assert.equal(ok(await b.get<ConsoleUserDetail>(`${base}/${bob.user.id}`)).counts.messages, 32);
    const one = await recordQueries(s.services, () => b.get(`${base}?limit=1`), tables);
    const five = await recordQueries(s.services, () => b.get(`${base}?limit=50`), tables);
    assert.equal(five.length, one.length, five.map((q) => q.sql).join("\n"));
  });

  test("export downloads the user's data as a JSON attachment; deletion asks for the sub (or id), then erases them", async () => {
    const { ada, adam, bob, dm, tag, admin, base } = await scene();
    const b = admin.browser;
    const exported = await b.get<DataExport>(`${base}/${ada.user.id}/export`);
    assert.equal(exported.status, 200, JSON.stringify(exported.body));
    assert.match(exported.headers.get("content-disposition") ?? "", new RegExp(`^attachment; filename="parley-export-${ada.user.id}\\.json"$`));
    assert.match(exported.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(exported.headers.get("cache-control"), "no-store");
    assert.equal(exported.body.format, "parley-export/1");
    assert.equal(exported.body.profile.id, ada.user.id);
    assert.deepEqual(exported.body.messages.map((m) => m.text).sort(), ["are you there", "hello bob", "hi room", "quiet here"]);

    // Bob (signed in by the host): his sub confirms; anything else is a 400 at `confirm`.
    for (const body of [{}, { confirm: "" }, { confirm: "bob" }, { confirm: ada.user.id }, { confirm: 7 }]) {
      const wrong = await b.del(`${base}/${bob.user.id}`, body);
      assert.deepEqual([wrong.status, fieldsOf(wrong)], [400, ["confirm"]], JSON.stringify(body));
    }
    assert.equal(ok(await b.get<ConsoleUserDetail>(`${base}/${bob.user.id}`)).counts.messages, 2, "nothing deleted yet");
    assert.equal((await b.del(`${base}/${bob.user.id}`, { confirm: `buyer-${tag}` })).status, 204);
    assert.equal((await b.get(`${base}/${bob.user.id}`)).status, 404);
    assert.equal((await b.get(`${base}/${bob.user.id}/export`)).status, 404);
    assert.equal((await b.del(`${base}/${bob.user.id}`, { confirm: `buyer-${tag}` })).status, 404);
    assert.deepEqual(
      ok(await b.get<ConsoleUsersResponse>(`${base}?q=buyer-${tag}`))
        .items.map((u) => u.id)
        .includes(bob.user.id),
      false,
    );
    assert.equal((await s.api.post("/auth/refresh", { app: ada.user.appId, body: { refreshToken: bob.refreshToken } })).status, 401, "his sessions ended");
    assert.notEqual((await s.api.get("/me", tok(bob))).status, 200);
    // His messages are tombstones in Ada's conversation.
    const history = await s.api.get(`/conversations/${dm}/messages`, tok(ada));
    const his = history.body.items.filter((m: { senderId: string }) => m.senderId === bob.user.id);
    assert.equal(his.length, 1);
    assert.deepEqual([his[0].text, typeof his[0].deletedAt], [null, "string"]);

    // Adam (a Parley account, no sub): his id confirms.
    assert.equal((await b.del(`${base}/${adam.user.id}`, { confirm: adam.user.id })).status, 204);
    assert.equal((await s.api.post("/auth/login", { app: ada.user.appId, body: { email: adam.user.email, password: "correct horse battery" } })).status, 401);

    const audit = await s.services.db.getRepository(ConsoleAuditEntity).find({ where: { accountId: admin.me.account.id } });
    assert.deepEqual(
      audit
        .filter((a) => a.action.startsWith("user."))
        .map((a) => `${a.action} ${a.target} ${a.appId}`)
        .sort(),
      [
        `user.deleted ${adam.user.id} ${ada.user.appId}`,
        `user.deleted ${bob.user.id} ${ada.user.appId}`,
        `user.exported ${ada.user.id} ${ada.user.appId}`,
      ].sort(),
    );
    assert.ok(!audit.some((a) => (a.target ?? "").includes(`buyer-${tag}`)), "the deleted user's sub is not kept in the audit log");
  });

  test("roles: moderators find but neither export nor delete; viewers get 403; another app's owner 404 everywhere", async () => {
    const { ada, admin, moderator, viewer, stranger, base } = await scene();
    const all = (x: ConsoleBrowser) => [
      x.get(`${base}?q=Ada`),
      x.get(`${base}/${ada.user.id}`),
      x.get(`${base}/${ada.user.id}/export`),
      x.del(`${base}/${ada.user.id}`, { confirm: ada.user.id }),
    ];
    const [find, profile, exp, del] = await Promise.all(all(moderator.browser));
    assert.deepEqual([find!.status, profile!.status], [200, 200]);
    for (const a of [exp!, del!]) assert.deepEqual([a.status, reason(a)], [403, "role"], JSON.stringify(a.body));
    for (const a of await Promise.all(all(viewer.browser))) assert.deepEqual([a.status, reason(a)], [403, "role"], JSON.stringify(a.body));
    for (const a of await Promise.all(all(stranger.browser))) assert.equal(a.status, 404, JSON.stringify(a.body));
    // A user of another app, through this app's path, is a 404 too.
    const foreign = await s.api.register((await s.createTenant("Foreign")).id);
    for (const a of await Promise.all([
      admin.browser.get(`${base}/${foreign.user.id}`),
      admin.browser.get(`${base}/${foreign.user.id}/export`),
      admin.browser.del(`${base}/${foreign.user.id}`, { confirm: foreign.user.id }),
    ]))
      assert.equal(a.status, 404, JSON.stringify(a.body));
    // Still there: nothing was deleted, nothing exported or deleted is in the audit log.
    assert.equal(ok(await admin.browser.get<ConsoleUserDetail>(`${base}/${ada.user.id}`)).user.id, ada.user.id);
    for (const who of [moderator, viewer, stranger]) {
      const rows = await s.services.db.getRepository(ConsoleAuditEntity).find({ where: { accountId: who.me.account.id } });
      assert.deepEqual(
        rows.filter((r) => r.action.startsWith("user.")),
        [],
      );
    }
  });

  test("bad input is a 400 at its field, never a 500", async () => {
    const { admin, base } = await scene();
    const b = admin.browser;
    const cases: [string, string | null][] = [
      [`?q=${"x".repeat(255)}`, "q"],
      ["?limit=0", "limit"],
      ["?limit=51", "limit"],
      ["?limit=many", "limit"],
      ["?cursor=not-a-cursor", null],
      ["?colour=red", null],
    ];
    for (const [query, field] of cases) {
      const a = await b.get(`${base}${query}`);
      assert.equal(a.status, 400, `${query}: ${JSON.stringify(a.body)}`);
      if (field) assert.deepEqual(fieldsOf(a), [field], query);
    }
    // A name search's cursor does not page an e-mail search.
    const page = ok(await b.get<ConsoleUsersResponse>(`${base}?limit=1`));
    const mixed = await b.get(`${base}?q=a@&cursor=${page.nextCursor}`);
    assert.deepEqual([mixed.status, fieldsOf(mixed)], [400, ["cursor"]]);
    assert.equal((await b.get(`${base}/usr_${"x".repeat(80)}`)).status, 404);
    assert.equal((await b.get(`${base}/nobody`)).status, 404);
  });
});
