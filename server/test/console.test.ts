import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ConsoleAppCreatedResponse, ConsoleAuditPage, ConsoleKeyCreatedResponse, ConsoleSessionResponse } from "@parley/sdk/protocol";
import { ConsoleSessionEntity } from "../src/console/console.entities.js";
import { totpCode } from "../src/console/totp.js";
import { ConsoleBrowser, consoleAccount, freshCode, inviteToken, PASSWORD } from "./helpers/console.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";

// The console's accounts, sessions, apps and keys over real HTTP (issue 32), on SQLite and MariaDB.

const ROOT = path.resolve(import.meta.dirname, "../..");
const reason = (body: { error?: { details?: { reason?: string } } }): string | undefined => body.error?.details?.reason;
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

describe("the console: accounts, sessions, apps and keys", { timeout: 240_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(() => s?.close());

  /** `npm run console:invite -- …` against the test server's database. */
  const cli = async (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: s.dataDir, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "production" };
    delete env["DATABASE_URL"];
    if (s.databaseUrl) env["DATABASE_URL"] = s.databaseUrl;
    const child = spawn(process.execPath, ["--import", "tsx", "server/src/cli.ts", "console:invite", ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, stdout, stderr };
  };

  test("the CLI's link → sign up → enrol TOTP → sign in with a code → create an app → a key shown once that the server API takes", async () => {
    const bad = await cli(["--email", "not-an-email", "--role", "operator"]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /^Error: --email/);
    const noApp = await cli(["--email", "ann@ops.example", "--role", "owner"]);
    assert.equal(noApp.code, 1);
    assert.match(noApp.stderr, /--app/);

    const out = await cli(["--email", "Ann@Ops.example", "--role", "operator", "--url", s.url, "--json"]);
    assert.equal(out.code, 0, out.stderr);
    const { link } = JSON.parse(out.stdout) as { link: string };
    assert.ok(link.startsWith(`${s.url}/console/#/signup/`), link);
    const token = link.split("/signup/")[1]!;

    const ann = new ConsoleBrowser(s);
    const info = await ann.get(`/invites/${token}`);
    assert.equal(info.status, 200);
    assert.deepEqual({ email: info.body.email, role: info.body.role, appId: info.body.appId }, { email: "ann@ops.example", role: "operator", appId: null });

    // Sign-up: from another site, refused; a short password, at its field; then made and signed in.
    const foreign = new ConsoleBrowser(s);
    foreign.origin = "https://evil.example";
    assert.equal((await foreign.post("/signup", { token, password: PASSWORD })).status, 403);
    const weak = await ann.post("/signup", { token, password: "short" });
    assert.equal(weak.status, 400);
    assert.ok(JSON.stringify(weak.body.error.details).includes("password"));
    const up = await ann.post<ConsoleSessionResponse>("/signup", { token, password: PASSWORD });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.account.operator, true);
    assert.equal(up.body.totpEnrolmentRequired, true);
    const cookie = up.headers.getSetCookie().find((c) => c.startsWith("parley_console="))!;
    assert.match(cookie, /httponly/i);
    assert.match(cookie, /samesite=strict/i);
    assert.match(cookie, /path=\//i);
    assert.doesNotMatch(cookie, /secure/i, "plain HTTP: no Secure flag");
    // The link works once.
    assert.equal((await new ConsoleBrowser(s).post("/signup", { token, password: PASSWORD })).status, 404);
    assert.equal((await ann.get(`/invites/${token}`)).status, 404);

    // Until TOTP is on, nothing else answers.
    const early = await ann.get("/apps");
    assert.equal(early.status, 403);
    assert.equal(reason(early.body), "totp_enrolment_required");
    const setup = await ann.post<{ secret: string; uri: string }>("/me/totp/setup");
    assert.equal(setup.status, 200);
    assert.match(setup.body.uri, /^otpauth:\/\/totp\/Parley:ann%40ops\.example\?/);
    const wrong = await ann.post("/me/totp", { code: "000000" === totpCode(setup.body.secret) ? "111111" : "000000" });
    assert.equal(wrong.status, 401);
    assert.equal((await ann.post("/me/totp", { code: "12ab" })).status, 400);
    const used = { step: 0 };
    const on = await ann.post<{ recoveryCodes: string[] }>("/me/totp", { code: await freshCode(setup.body.secret, used) });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.equal(on.body.recoveryCodes.length, 10);
    assert.equal(new Set(on.body.recoveryCodes).size, 10);
    assert.equal((await ann.get("/apps")).status, 200);
    // Operators keep their second factor.
    assert.equal((await ann.del("/me/totp", { code: "123456" })).status, 403);

    // Sign out; sign in: the password alone asks for the code, a used code is a replay, a fresh one works.
    assert.equal((await ann.del("/session")).status, 204);
    assert.equal((await ann.get("/me")).status, 401);
    const again = new ConsoleBrowser(s);
    const noCode = await again.post("/session", { email: "ann@ops.example", password: PASSWORD });
    assert.equal(noCode.status, 401);
    assert.equal(reason(noCode.body), "totp_required");
    const code = await freshCode(setup.body.secret, used);
    assert.equal((await again.post("/session", { email: "ANN@ops.example", password: PASSWORD, code })).status, 200);
    const replay = await new ConsoleBrowser(s).post("/session", { email: "ann@ops.example", password: PASSWORD, code });
    assert.equal(replay.status, 401, "the same code twice");
    assert.equal(reason(replay.body), "invalid_code");
    // An older step's code (still inside the drift window) is refused and does not move the marker
    // back: the used code stays used (red team 4: it rewound the marker and let the replay in).
    const older = totpCode(setup.body.secret, (used.step - 1) * 30_000 + 1_000);
    assert.equal((await new ConsoleBrowser(s).post("/session", { email: "ann@ops.example", password: PASSWORD, code: older })).status, 401);
    const replayAfterOlder = await new ConsoleBrowser(s).post("/session", { email: "ann@ops.example", password: PASSWORD, code });
    assert.equal(replayAfterOlder.status, 401, "the used code after an older one");
    // A recovery code works once.
    const recovery = on.body.recoveryCodes[0]!;
    assert.equal((await new ConsoleBrowser(s).post("/session", { email: "ann@ops.example", password: PASSWORD, code: recovery })).status, 200);
    assert.equal((await new ConsoleBrowser(s).post("/session", { email: "ann@ops.example", password: PASSWORD, code: recovery })).status, 401);
    assert.equal((await new ConsoleBrowser(s).post("/session", { email: "ann@ops.example", password: "not the password" })).status, 401);
    // The audit log keeps the sign-out and every failed sign-in of the account, with what failed
    // (red team 4: it had neither); the first step of a two-step sign-in (no code yet) is no failure.
    const audited = async (action: string) =>
      (await again.get<ConsoleAuditPage>(`/audit?action=${action}&account=ann%40ops.example&limit=100`)).body.items.map((e) => e.target).sort();
    assert.deepEqual(await audited("session.signed_out"), [null]);
    assert.deepEqual(await audited("session.sign_in_failed"), ["code", "code", "code", "password", "recovery_code"]);

    // An app, and a key whose secret is shown once and works on the server API.
    const badApp = await again.post("/apps", { name: "", allowedOrigins: [] });
    assert.equal(badApp.status, 400);
    assert.ok(JSON.stringify(badApp.body.error.details).includes("name"));
    assert.equal((await again.post("/apps", { name: "Shop", allowedOrigins: ["not a url"] })).status, 400);
    const made = await again.post<ConsoleAppCreatedResponse>("/apps", { name: "Shop", allowedOrigins: ["https://shop.example"] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.app.role, "operator");
    assert.match(made.body.secret, /^sk_/);
    const appId = made.body.app.id;
    const key = await again.post<ConsoleKeyCreatedResponse>(`/apps/${appId}/keys`, { name: "backend" });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const listed = await again.get(`/apps/${appId}/keys`);
    assert.deepEqual(
      listed.body.items.map((k: { id: string; name: string }) => [k.id, k.name]),
      [[key.body.key.id, "backend"]],
    );
    assert.ok(!JSON.stringify(listed.body).includes(key.body.secret), "a listed key never shows its secret");
    const serverCall = () =>
      fetch(`${s.url}/v1/server/users`, {
        method: "POST",
        headers: { Authorization: basic(key.body.key.id, key.body.secret), "Content-Type": "application/json" },
        body: JSON.stringify({ sub: "host-1", name: "Host One" }),
      });
    assert.ok([200, 201].includes((await serverCall()).status));
    assert.equal((await again.del(`/apps/${appId}/keys/${key.body.key.id}`)).status, 204);
    assert.equal((await serverCall()).status, 401, "revoked at once");
    assert.equal((await again.del(`/apps/${appId}/keys/key_missing0000000`)).status, 404);
  });

  test("roles: another app is a 404, a viewer changes nothing, a moderator sees no keys, only owners and operators invite", async () => {
    const a = await s.createTenant("App A");
    const b = await s.createTenant("App B");
    const n = Math.random().toString(36).slice(2, 8);
    const owner = await consoleAccount(s, { email: `owner-${n}@a.example`, role: "owner", appId: a.id });
    assert.equal(owner.me.account.totpEnabled, true, "owners enrol");
    const viewer = await consoleAccount(s, { email: `viewer-${n}@a.example`, role: "viewer", appId: a.id });
    assert.equal(viewer.me.totpEnrolmentRequired, false, "optional below owner");
    const moderator = await consoleAccount(s, { email: `mod-${n}@a.example`, role: "moderator", appId: a.id });
    const admin = await consoleAccount(s, { email: `admin-${n}@a.example`, role: "admin", appId: a.id });

    // Each sees app A only, with their role.
    for (const [who, role] of [
      [owner, "owner"],
      [viewer, "viewer"],
      [moderator, "moderator"],
      [admin, "admin"],
    ] as const) {
      const apps = await who.browser.get("/apps");
      assert.deepEqual(
        apps.body.items.map((x: { id: string; role: string }) => [x.id, x.role]),
        [[a.id, role]],
      );
      // App B does not exist for them, whatever the route.
      for (const [m, p, body] of [
        ["GET", `/apps/${b.id}`],
        ["GET", `/apps/${b.id}/keys`],
        ["POST", `/apps/${b.id}/keys`, {}],
        ["DELETE", `/apps/${b.id}/keys/key_x`],
      ] as const) {
        const r = await who.browser.req(m, p, body);
        assert.equal(r.status, 404, `${role}: ${m} ${p} -> ${r.status}`);
      }
      assert.equal((await who.browser.post("/invites", { email: `x-${n}@b.example`, role: "viewer", appId: b.id })).status, 404);
      assert.equal((await who.browser.post("/apps", { name: "Mine", allowedOrigins: [] })).status, 403, `${role} cannot create apps`);
    }
    // The viewer reads settings and keys but changes nothing.
    assert.equal((await viewer.browser.get(`/apps/${a.id}`)).status, 200);
    assert.equal((await viewer.browser.get(`/apps/${a.id}/keys`)).status, 200);
    assert.equal((await viewer.browser.post(`/apps/${a.id}/keys`, {})).status, 403);
    const madeByOwner = await owner.browser.post<ConsoleKeyCreatedResponse>(`/apps/${a.id}/keys`, {});
    assert.equal(madeByOwner.status, 201);
    assert.equal((await viewer.browser.del(`/apps/${a.id}/keys/${madeByOwner.body.key.id}`)).status, 403);
    // The moderator has the app, but no keys.
    assert.equal((await moderator.browser.get(`/apps/${a.id}`)).status, 200);
    assert.equal((await moderator.browser.get(`/apps/${a.id}/keys`)).status, 403);
    // The admin manages keys; only the owner invites, and not operators.
    assert.equal((await admin.browser.post(`/apps/${a.id}/keys`, { name: "admin's" })).status, 201);
    assert.equal((await admin.browser.post("/invites", { email: `x-${n}@a.example`, role: "viewer", appId: a.id })).status, 403);
    assert.equal((await owner.browser.post("/invites", { email: `op-${n}@a.example`, role: "operator" })).status, 403);
    const invited = await owner.browser.post("/invites", { email: `new-${n}@a.example`, role: "admin", appId: a.id });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const token = invited.body.link.split("/signup/")[1];
    const info = await new ConsoleBrowser(s).get(`/invites/${token}`);
    assert.deepEqual([info.body.role, info.body.appId, info.body.appName], ["admin", a.id, "App A"]);
    // An app role names its app, at the field.
    const noApp = await owner.browser.post("/invites", { email: `y-${n}@a.example`, role: "viewer" });
    assert.equal(noApp.status, 400);
    assert.ok(JSON.stringify(noApp.body.error.details).includes("appId"));
  });

  test("security: Origin and CSRF on every change, cookies only on the console, sessions end, idle and absolute expiry, brute force limited", async () => {
    const n = Math.random().toString(36).slice(2, 8);
    const app = await s.createTenant("Sec");
    const admin = await consoleAccount(s, { email: `sec-${n}@a.example`, role: "admin", appId: app.id });
    const b = admin.browser;

    // A cross-site form POST carries the cookie but another Origin (and no token): refused.
    const crossSite = await fetch(`${s.url}/v1/console/apps/${app.id}/keys`, {
      method: "POST",
      headers: { Cookie: b.cookie, Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      body: "name=x",
    });
    assert.ok([403, 415].includes(crossSite.status), `a cross-site form: ${crossSite.status}`);
    // The same as JSON (what a page could send, were CORS to let it): refused for its Origin.
    const crossJson = await b.req("POST", `/apps/${app.id}/keys`, {}, { Origin: "https://evil.example" });
    assert.equal(crossJson.status, 403);
    assert.equal(reason(crossJson.body), "origin");
    const noOrigin = await b.req("POST", `/apps/${app.id}/keys`, {}, { Origin: "" });
    assert.equal(noOrigin.status, 403);
    const noToken = await b.req("POST", `/apps/${app.id}/keys`, {}, { "X-Parley-CSRF": "" });
    assert.equal(noToken.status, 403);
    assert.equal(reason(noToken.body), "csrf");
    const wrongToken = await b.req("POST", `/apps/${app.id}/keys`, {}, { "X-Parley-CSRF": "x".repeat(43) });
    assert.equal(wrongToken.status, 403);
    assert.equal((await b.get(`/apps/${app.id}/keys`)).body.items.length, 0, "nothing was made");

    // The console cookie is not a chat or server credential; a chat token or server key is not a console session.
    const user = await s.api.register(app.id);
    assert.equal((await fetch(`${s.url}/v1/me`, { headers: { Cookie: b.cookie } })).status, 401);
    assert.equal((await fetch(`${s.url}/v1/server/conversations`, { headers: { Cookie: b.cookie } })).status, 401);
    assert.equal((await fetch(`${s.url}/v1/console/me`, { headers: { Authorization: `Bearer ${user.accessToken}` } })).status, 401);
    const key = await b.post<ConsoleKeyCreatedResponse>(`/apps/${app.id}/keys`, {});
    assert.equal((await fetch(`${s.url}/v1/console/apps`, { headers: { Authorization: basic(key.body.key.id, key.body.secret) } })).status, 401);

    // Two browsers: the session list shows both; ending the other signs it out at once.
    const second = new ConsoleBrowser(s);
    assert.equal((await second.post("/session", { email: `sec-${n}@a.example`, password: PASSWORD })).status, 200);
    assert.notEqual(second.cookie, b.cookie, "a new session at each sign-in");
    const list = await b.get("/sessions");
    assert.equal(list.body.items.length, 2);
    const other = list.body.items.find((x: { current: boolean }) => !x.current);
    assert.equal((await b.del(`/sessions/${other.id}`)).status, 204);
    assert.equal((await second.get("/me")).status, 401);
    assert.equal((await b.del(`/sessions/${other.id}`)).status, 404);

    // Idle too long, then past the absolute end: refused (the row says when).
    const repo = s.services.db.getRepository(ConsoleSessionEntity);
    const idle = new ConsoleBrowser(s);
    await idle.post("/session", { email: `sec-${n}@a.example`, password: PASSWORD });
    const idleId = (await idle.get("/sessions")).body.items.find((x: { current: boolean }) => x.current).id;
    await repo.update({ id: idleId }, { lastSeenAt: Date.now() - 13 * 3600_000 });
    assert.equal((await idle.get("/me")).status, 401);
    const old = new ConsoleBrowser(s);
    await old.post("/session", { email: `sec-${n}@a.example`, password: PASSWORD });
    const oldId = (await old.get("/sessions")).body.items.find((x: { current: boolean }) => x.current).id;
    await repo.update({ id: oldId }, { expiresAt: Date.now() - 1 });
    assert.equal((await old.get("/me")).status, 401);
    assert.equal((await b.get("/me")).status, 200, "the first session lives on");

    // Brute force: wrong passwords for one account run into the limit.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await new ConsoleBrowser(s).post("/session", { email: `sec-${n}@a.example`, password: `wrong ${i}` })).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.equal(statuses[6], 429);
    assert.equal(
      (await new ConsoleBrowser(s).post("/session", { email: `sec-${n}@a.example`, password: PASSWORD })).status,
      429,
      "locked out even with the password",
    );
  });

  test("bad input gets a 4xx at its field, never a 500", async () => {
    const b = new ConsoleBrowser(s);
    const cases: [string, string, unknown][] = [
      ["POST", "/session", {}],
      ["POST", "/session", { email: "a@b.example" }],
      ["POST", "/session", { email: 5, password: "x" }],
      ["POST", "/session", { email: "a@b.example", password: "x", code: "1".repeat(40) }],
      ["POST", "/signup", { token: "short", password: PASSWORD }],
      ["POST", "/signup", { token: "t".repeat(40), password: PASSWORD }],
      ["POST", "/signup", { token: "t".repeat(40), password: PASSWORD, extra: 1 }],
      ["GET", `/invites/${"x".repeat(200)}`, undefined],
    ];
    for (const [m, p, body] of cases) {
      const r = await b.req(m, p, body);
      assert.ok(r.status >= 400 && r.status < 500, `${m} ${p} ${JSON.stringify(body)} -> ${r.status}`);
      assert.ok(r.body?.error?.code, "an error body");
    }
    const token = await inviteToken(s, { email: `dup-${Date.now()}@a.example`, role: "viewer", appId: (await s.createTenant()).id });
    const same = await inviteToken(s, { email: (await s.services.consoleMembers.inviteInfo(token)).email, role: "operator" });
    assert.equal((await b.post("/signup", { token, password: PASSWORD })).status, 201);
    const taken = await new ConsoleBrowser(s).post("/signup", { token: same, password: PASSWORD });
    assert.equal(taken.status, 409, "one account per e-mail");
  });
});
