import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse, ConsoleApp, ConsoleAppSettings, ConsoleKeyCreatedResponse, ConsoleRotateSecretResponse } from "@parley/sdk/protocol";
import { ConsoleAuditEntity } from "../src/console/console.entities.js";
import { errorCode } from "./helpers/api.js";
import { consoleAccount, type Answer, type ConsoleBrowser } from "./helpers/console.js";
import { startServer, type TestServer } from "./helpers/harness.js";

// The console's app settings and lifecycle (issue 32) over real HTTP, on SQLite and MariaDB: what
// a change does to the chat (origins, group size, name filtering, disable, secret rotation,
// deletion), who may make it, bad input at its field, and the audit row of each.

const reason = (a: Answer): string | undefined => a.body?.error?.details?.reason;
/** The fields a 400 names (`details[].path`). */
const fieldsOf = (a: Answer): string[] => (Array.isArray(a.body?.error?.details) ? a.body.error.details.map((d: { path: string }) => d.path) : []);
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const hostToken = (sub: string, secret: string): string =>
  jwt.sign({ sub, name: sub, exp: Math.floor(Date.now() / 1000) + 60 }, secret, { algorithm: "HS256" });

describe("the console: app settings, disable, secret rotation, deletion", { timeout: 240_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  const n = (): string => Math.random().toString(36).slice(2, 8);
  /** The account's `app.*` audit rows of the app (action and target), sorted: two rows may share a millisecond. */
  const auditOf = async (appId: string, accountId: string): Promise<string[]> =>
    (await s.services.db.getRepository(ConsoleAuditEntity).find({ where: { appId, accountId }, order: { at: "ASC", id: "ASC" } }))
      .filter((a) => a.action.startsWith("app."))
      .map((a) => `${a.action}${a.target ? ` ${a.target}` : ""}`)
      .sort();
  const ok = <T>(a: Answer<T>, status = 200): T => {
    assert.equal(a.status, status, JSON.stringify(a.body));
    return a.body;
  };

  /** An app with an owner (TOTP on, as owners must). */
  async function scene(origins = ["https://shop.example"]) {
    const name = `Shop ${n()}`;
    const { id: appId, secret } = await s.createTenant(name, origins);
    const owner = await consoleAccount(s, { email: `owner-${n()}@shop.example`, role: "owner", appId });
    return { appId, secret, name, owner, b: owner.browser };
  }

  test("settings are read and saved, and take effect: origins, name, group size, name filtering, e-mail search", async () => {
    const { appId, b, owner } = await scene();
    const first = ok(await b.get<ConsoleAppSettings>(`/apps/${appId}/settings`));
    assert.equal(first.app.id, appId);
    assert.deepEqual(first.app.allowedOrigins, ["https://shop.example"]);
    assert.deepEqual(
      [first.groupDirectAdd, first.groupMaxMembers, first.exactEmailSearch, first.filterNames, first.filterWords, first.previousSecretValidUntil],
      [null, null, false, false, 0, null],
    );
    // The harness runs with GROUP_DIRECT_ADD=1 and the default GROUP_MAX_MEMBERS.
    assert.equal(first.defaults.groupDirectAdd, true);
    assert.equal(typeof first.defaults.groupMaxMembers, "number");
    assert.deepEqual([first.voiceMaxSeconds, first.defaults.voiceMaxSeconds], [null, 300]);

    // Allowed origins: the new one is let in at once, the old one refused.
    const login = (origin: string) =>
      s.api.post("/auth/login", { app: appId, headers: { Origin: origin }, body: { email: "nobody@shop.example", password: "whatever password" } });
    assert.equal((await login("https://new.example")).status, 403);
    const saved = ok(await b.req<ConsoleAppSettings>("PUT", `/apps/${appId}/settings`, { name: "Renamed shop", allowedOrigins: ["https://NEW.example:443/"] }));
    assert.deepEqual([saved.app.name, saved.app.allowedOrigins], ["Renamed shop", ["https://new.example"]]);
    assert.equal((await login("https://new.example")).status, 401, "the new origin reaches the sign-in (wrong password)");
    const old = await login("https://shop.example");
    assert.deepEqual([old.status, errorCode(old)], [403, "origin_not_allowed"]);
    assert.equal(ok(await b.get<ConsoleApp>(`/apps/${appId}`)).name, "Renamed shop");

    // Group size: at most 3 members, so a group of four is refused; the server's setting again with null.
    const [amy, ben, cat, dan] = [await s.api.register(appId), await s.api.register(appId), await s.api.register(appId), await s.api.register(appId)];
    ok(await b.req("PUT", `/apps/${appId}/settings`, { groupMaxMembers: 3, groupDirectAdd: true }));
    const group = (ids: string[]) => s.api.post("/conversations", { token: amy.accessToken, body: { name: "Room", memberIds: ids } });
    const four = await group([ben.user.id, cat.user.id, dan.user.id]);
    assert.deepEqual([four.status, errorCode(four)], [400, "validation_failed"]);
    assert.match(four.body.error.message, /at most 3 members/);
    assert.equal((await group([ben.user.id, cat.user.id])).status, 201);
    const reset = ok(await b.req<ConsoleAppSettings>("PUT", `/apps/${appId}/settings`, { groupMaxMembers: null }));
    assert.deepEqual([reset.groupMaxMembers, reset.groupDirectAdd], [null, true]);
    assert.equal((await group([ben.user.id, cat.user.id, dan.user.id])).status, 201);

    // Name filtering (a moderation default): the app's word list stays as it is; names now pass it.
    await s.services.moderation.setWordFilter({ appId, server: "test" }, { words: [{ word: "gizmo", action: "block" }] });
    assert.equal((await s.api.patch("/me", { token: amy.accessToken, body: { displayName: "gizmo fan" } })).status, 200);
    const filtering = ok(await b.req<ConsoleAppSettings>("PUT", `/apps/${appId}/settings`, { filterNames: true }));
    assert.deepEqual([filtering.filterNames, filtering.filterWords], [true, 1]);
    const blocked = await s.api.patch("/me", { token: ben.accessToken, body: { displayName: "gizmo fan" } });
    assert.deepEqual([blocked.status, errorCode(blocked)], [400, "content_blocked"]);
    assert.deepEqual((await s.services.moderation.wordFilter({ appId, server: "test" })).words, [{ word: "gizmo", action: "block" }]);

    // E-mail search: the whole address finds its user once it is on.
    const eve = await s.api.register(appId, { email: `eve-${n()}@shop.example`, displayName: "Eve" });
    const search = () => s.api.get(`/users?q=${encodeURIComponent(eve.user.email!)}`, { token: amy.accessToken });
    assert.deepEqual((await search()).body.items, []);
    ok(await b.req("PUT", `/apps/${appId}/settings`, { exactEmailSearch: true }));
    assert.deepEqual(
      (await search()).body.items.map((u: { id: string }) => u.id),
      [eve.user.id],
    );

    // Voice messages: the app's longest one is what a recorder is told.
    assert.equal(ok(await b.req<ConsoleAppSettings>("PUT", `/apps/${appId}/settings`, { voiceMaxSeconds: 45 })).voiceMaxSeconds, 45);
    assert.equal((await s.api.get("/uploads/voice/settings", { token: amy.accessToken })).body.maxDurationMs, 45_000);

    // An empty change changes nothing and records nothing.
    ok(await b.req("PUT", `/apps/${appId}/settings`, {}));
    assert.deepEqual(
      await auditOf(appId, owner.me.account.id),
      [
        "app.updated name,allowedOrigins",
        "app.updated groupDirectAdd,groupMaxMembers",
        "app.updated groupMaxMembers",
        "app.updated filterNames",
        "app.updated exactEmailSearch",
        "app.updated voiceMaxSeconds",
      ].sort(),
    );
  });

  test("bad input is a 400 at its field, never a 500", async () => {
    const { appId, b } = await scene();
    const put = (body: unknown) => b.req("PUT", `/apps/${appId}/settings`, body);
    const cases: [unknown, string][] = [
      [{ allowedOrigins: ["https://fine.example", "not an origin"] }, "allowedOrigins.1"],
      [{ allowedOrigins: ["ftp://files.example"] }, "allowedOrigins.0"],
      [{ voiceMaxSeconds: 0 }, "voiceMaxSeconds"],
      [{ voiceMaxSeconds: 4000 }, "voiceMaxSeconds"],
      [{ allowedOrigins: "https://one.example" }, "allowedOrigins"],
      [{ name: "   " }, "name"],
      [{ name: "x".repeat(101) }, "name"],
      [{ groupMaxMembers: 1 }, "groupMaxMembers"],
      [{ groupMaxMembers: 1001 }, "groupMaxMembers"],
      [{ groupMaxMembers: 2.5 }, "groupMaxMembers"],
      [{ groupMaxMembers: "ten" }, "groupMaxMembers"],
      [{ groupDirectAdd: "yes" }, "groupDirectAdd"],
      [{ filterNames: null }, "filterNames"],
    ];
    for (const [body, field] of cases) {
      const a = await put(body);
      assert.equal(a.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(a.body)}`);
      assert.ok(fieldsOf(a).includes(field), `${JSON.stringify(body)} names ${field}: ${JSON.stringify(fieldsOf(a))}`);
    }
    assert.equal((await put({ colour: "red" })).status, 400, "an unknown setting");
    assert.equal((await put([1, 2])).status, 400);
    for (const [body, field] of [
      [{ graceSec: -1 }, "graceSec"],
      [{ graceSec: 31 * 86_400 }, "graceSec"],
      [{ graceSec: "a day" }, "graceSec"],
      [{}, "graceSec"],
    ] as const) {
      const a = await b.post(`/apps/${appId}/secret`, body);
      assert.deepEqual([a.status, fieldsOf(a)], [400, [field]], JSON.stringify(a.body));
    }
    for (const body of [{}, { confirm: 42 }, { confirm: "not the name" }]) {
      const a = await b.del(`/apps/${appId}`, body);
      assert.deepEqual([a.status, fieldsOf(a)], [400, ["confirm"]], JSON.stringify(a.body));
    }
    // Nothing was changed by any of it.
    const after = ok(await b.get<ConsoleAppSettings>(`/apps/${appId}/settings`));
    assert.deepEqual([after.app.allowedOrigins, after.groupMaxMembers, after.app.disabled], [["https://shop.example"], null, false]);
  });

  test("a disabled app refuses chat sign-in and its users' tokens; enabling restores them", async () => {
    const { appId, secret, b, owner } = await scene();
    const ada = await s.api.register(appId, { email: `ada-${n()}@shop.example` });
    const disabled = ok(await b.post<ConsoleApp>(`/apps/${appId}/disable`));
    assert.equal(disabled.disabled, true);
    const login = await s.api.post("/auth/login", { app: appId, body: { email: ada.user.email, password: "correct horse battery" } });
    assert.deepEqual([login.status, errorCode(login), login.body.error.details?.reason], [403, "forbidden", "app_disabled"]);
    assert.equal((await s.api.post("/auth/host-token", { app: appId, body: { token: hostToken("buyer-1", secret) } })).status, 403);
    assert.equal((await s.api.get("/me", { token: ada.accessToken })).status, 403);
    // The console still manages it: its page and settings answer, showing it disabled.
    assert.equal(ok(await b.get<ConsoleAppSettings>(`/apps/${appId}/settings`)).app.disabled, true);

    assert.equal(ok(await b.post<ConsoleApp>(`/apps/${appId}/enable`)).disabled, false);
    assert.equal((await s.api.post("/auth/login", { app: appId, body: { email: ada.user.email, password: "correct horse battery" } })).status, 200);
    assert.equal((await s.api.get("/me", { token: ada.accessToken })).status, 200);
    assert.deepEqual(await auditOf(appId, owner.me.account.id), ["app.disabled", "app.enabled"]);
  });

  test("rotating the secret: the new one shown once; the old one works within its grace window, and not with none", async () => {
    const { appId, secret: original, b, owner } = await scene();
    const hostSignIn = (secret: string, sub: string) => s.api.post("/auth/host-token", { app: appId, body: { token: hostToken(sub, secret) } });
    const rotated = ok(await b.post<ConsoleRotateSecretResponse>(`/apps/${appId}/secret`, { graceSec: 3600 }));
    assert.match(rotated.secret, /^sk_/);
    assert.notEqual(rotated.secret, original);
    const until = Date.parse(rotated.previousSecretValidUntil!);
    assert.ok(Math.abs(until - (Date.now() + 3600_000)) < 60_000, rotated.previousSecretValidUntil!);
    assert.equal((await hostSignIn(rotated.secret, "buyer-new")).status, 200);
    assert.equal((await hostSignIn(original, "buyer-old")).status, 200, "the old secret within the grace window");
    const shown = ok(await b.get<ConsoleAppSettings>(`/apps/${appId}/settings`));
    assert.equal(shown.previousSecretValidUntil, rotated.previousSecretValidUntil);
    assert.ok(!JSON.stringify(shown).includes(rotated.secret), "the secret is shown once, not in the settings");

    // No grace: only the newest secret signs in.
    const again = ok(await b.post<ConsoleRotateSecretResponse>(`/apps/${appId}/secret`, { graceSec: 0 }));
    assert.equal(again.previousSecretValidUntil, null);
    assert.equal((await hostSignIn(rotated.secret, "buyer-old")).status, 401);
    assert.equal((await hostSignIn(original, "buyer-old")).status, 401);
    assert.equal((await hostSignIn(again.secret, "buyer-new")).status, 200);
    assert.deepEqual(await auditOf(appId, owner.me.account.id), ["app.secret_rotated grace 0s", "app.secret_rotated grace 3600s"]);
  });

  test("deleting asks for the app's name; then the app, its data and its keys are gone", async () => {
    const { appId, name, b, owner } = await scene();
    const admin = await consoleAccount(s, { email: `admin-${n()}@shop.example`, role: "admin", appId });
    const key = ok(await b.post<ConsoleKeyCreatedResponse>(`/apps/${appId}/keys`, { name: "backend" }), 201);
    const serverCall = () =>
      s.api.post("/server/users", { headers: { Authorization: basic(key.key.id, key.secret) }, body: { sub: `buyer-${n()}`, name: "Buyer" } });
    assert.ok([200, 201].includes((await serverCall()).status));
    const [amy, ben]: [AuthResponse, AuthResponse] = [await s.api.register(appId), await s.api.register(appId)];
    const dm = await s.api.post("/conversations/direct", { token: amy.accessToken, body: { userId: ben.user.id } });
    assert.equal((await s.api.post(`/conversations/${dm.body.conversation.id}/messages`, { token: amy.accessToken, body: { text: "hello" } })).status, 201);
    const kept = await scene();

    // Admins change settings but do not delete; a wrong or another app's name is a 400 at confirm.
    const byAdmin = await admin.browser.del(`/apps/${appId}`, { confirm: name });
    assert.deepEqual([byAdmin.status, reason(byAdmin)], [403, "role"]);
    for (const confirm of [kept.name, appId, `${name}!`, ""]) {
      const wrong = await b.del(`/apps/${appId}`, { confirm });
      assert.deepEqual([wrong.status, fieldsOf(wrong)], [400, ["confirm"]], confirm);
    }
    assert.equal((await serverCall()).status === 401, false, "nothing deleted yet");

    assert.equal((await b.del(`/apps/${appId}`, { confirm: ` ${name} ` })).status, 204);
    assert.equal((await b.get(`/apps/${appId}`)).status, 404);
    assert.equal((await b.get(`/apps/${appId}/settings`)).status, 404);
    assert.equal((await serverCall()).status, 401, "its server key no longer works");
    assert.equal((await s.api.get("/me", { token: amy.accessToken })).status, 401, "nor its users' tokens");
    for (const table of ["users", "messages", "conversations", "server_keys", "console_roles"]) {
      const [row] = await s.services.db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE appId = ?`, [appId]);
      assert.equal(Number(row.n), 0, table);
    }
    // The other app is untouched, and the deletion is in the audit log (written after the app's
    // rows went: deleteAppWithData empties every table with an appId, console_audit included).
    assert.equal(ok(await kept.b.get<ConsoleAppSettings>(`/apps/${kept.appId}/settings`)).app.id, kept.appId);
    assert.ok((await auditOf(appId, owner.me.account.id)).includes(`app.deleted ${name}`));
  });

  test("an operator may do all of it on any app", async () => {
    const { appId, name } = await scene();
    const op = await consoleAccount(s, { email: `op-${n()}@parley.example`, role: "operator" });
    const b: ConsoleBrowser = op.browser;
    ok(await b.req("PUT", `/apps/${appId}/settings`, { groupDirectAdd: false }));
    ok(await b.post(`/apps/${appId}/disable`));
    ok(await b.post(`/apps/${appId}/secret`, { graceSec: 60 }));
    ok(await b.post(`/apps/${appId}/enable`));
    assert.deepEqual(await auditOf(appId, op.me.account.id), ["app.disabled", "app.enabled", "app.secret_rotated grace 60s", "app.updated groupDirectAdd"]);
    assert.equal((await b.del(`/apps/${appId}`, { confirm: name })).status, 204);
    assert.ok((await auditOf(appId, op.me.account.id)).includes(`app.deleted ${name}`));
  });

  test("roles: viewers read and change nothing (403), moderators do not see settings, another app's owner gets 404 everywhere", async () => {
    const { appId, name, b } = await scene();
    const other = await scene();
    const viewer = await consoleAccount(s, { email: `viewer-${n()}@shop.example`, role: "viewer", appId });
    const moderator = await consoleAccount(s, { email: `mod-${n()}@shop.example`, role: "moderator", appId });
    const changes = (x: ConsoleBrowser) => [
      x.req("PUT", `/apps/${appId}/settings`, { name: "Taken over" }),
      x.post(`/apps/${appId}/disable`),
      x.post(`/apps/${appId}/enable`),
      x.post(`/apps/${appId}/secret`, { graceSec: 0 }),
      x.del(`/apps/${appId}`, { confirm: name }),
    ];
    assert.equal((await viewer.browser.get(`/apps/${appId}/settings`)).status, 200);
    for (const a of await Promise.all(changes(viewer.browser))) assert.deepEqual([a.status, reason(a)], [403, "role"], JSON.stringify(a.body));
    const modRead = await moderator.browser.get(`/apps/${appId}/settings`);
    assert.deepEqual([modRead.status, reason(modRead)], [403, "role"]);
    for (const a of await Promise.all(changes(moderator.browser))) assert.deepEqual([a.status, reason(a)], [403, "role"], JSON.stringify(a.body));
    // The owner of another app: every route of this one is a 404, as for an app that does not exist.
    const stranger = other.b;
    for (const a of await Promise.all([stranger.get(`/apps/${appId}/settings`), ...changes(stranger)])) assert.equal(a.status, 404, JSON.stringify(a.body));
    for (const a of await Promise.all([b.get("/apps/app_missing/settings"), b.post("/apps/app_missing/disable"), b.del("/apps/app_missing", { confirm: "x" })]))
      assert.equal(a.status, 404);
    // Nothing changed, and nothing was recorded for the refused.
    const now = ok(await b.get<ConsoleAppSettings>(`/apps/${appId}/settings`));
    assert.deepEqual([now.app.name, now.app.disabled], [name, false]);
    for (const who of [viewer, moderator, { me: other.owner.me }]) assert.deepEqual(await auditOf(appId, who.me.account.id), []);
  });
});
