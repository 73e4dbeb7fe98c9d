import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import jwt from "jsonwebtoken";
import type { AuthResponse } from "@parley/sdk/protocol";
import { errorCode } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

let s: TestServer;
let shop: { id: string; secret: string };
let blog: { id: string; secret: string };

before(async () => {
  s = await startServer();
  shop = await s.createTenant("Shop", ["https://shop.example"]);
  blog = await s.createTenant("Blog", ["https://blog.example"]);
});
after(() => s?.close());

describe("apps are isolated", () => {
  test("the same email in two apps makes two separate users", async () => {
    const body = { email: "same@example.com", password: "correct horse battery", displayName: "Same" };
    const a = await s.api.post<AuthResponse>("/auth/register", { app: shop.id, body });
    const b = await s.api.post<AuthResponse>("/auth/register", { app: blog.id, body: { ...body, password: "another password" } });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.notEqual(a.body.user.id, b.body.user.id);
    // Each password works only in its own app.
    assert.equal((await s.api.post("/auth/login", { app: shop.id, body: { email: body.email, password: "another password" } })).status, 401);
    assert.equal((await s.api.post("/auth/login", { app: blog.id, body: { email: body.email, password: "another password" } })).status, 200);
  });

  test("a token of app A never reaches app B's data", async () => {
    const alice = await s.api.register(shop.id);
    const bob = await s.api.register(blog.id);
    // B's user by id with A's token: 404, the same body as an id that does not exist.
    const cross = await s.api.get(`/users/${bob.user.id}`, { token: alice.accessToken });
    const missing = await s.api.get(`/users/usr_doesnotexist00000000`, { token: alice.accessToken });
    assert.equal(cross.status, 404);
    assert.deepEqual(cross.body, missing.body);
    // Naming app B in the header with A's token is refused outright.
    const named = await s.api.get("/me", { token: alice.accessToken, app: blog.id });
    assert.equal(named.status, 401);
    // Search from A never lists B's users.
    const search = await s.api.get(`/users?q=${encodeURIComponent(bob.user.displayName)}`, { token: alice.accessToken });
    assert.equal(search.status, 200);
    assert.equal(search.body.items.length, 0);
  });

  test("an unknown app is 404; no app at all is 400", async () => {
    const unknown = await s.api.post("/auth/login", { app: "app_nope", body: { email: "a@b.co", password: "whatever pw" } });
    assert.equal(unknown.status, 404);
    assert.equal(errorCode(unknown), "not_found");
    const none = await s.api.post("/auth/login", { body: { email: "a@b.co", password: "whatever pw" } });
    assert.equal(none.status, 400);
  });
});

describe("CORS answers only the app's origins", () => {
  test("an allowed origin gets CORS headers on the request and its preflight", async () => {
    const pre = await s.api.req("OPTIONS", `/auth/login?appId=${shop.id}`, {
      headers: { Origin: "https://shop.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-parley-app" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://shop.example");
    assert.match(pre.headers.get("access-control-allow-headers") ?? "", /X-Parley-App/);
    const res = await s.api.post("/auth/login", {
      app: shop.id,
      headers: { Origin: "https://shop.example" },
      body: { email: "a@b.co", password: "whatever pw" },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://shop.example");
  });

  test("another app's origin, lookalikes and null are refused with 403 and no CORS headers", async () => {
    for (const origin of ["https://blog.example", "https://shop.example.evil.com", "http://shop.example", "null", "https://shop.example."]) {
      const res = await s.api.post("/auth/login", { app: shop.id, headers: { Origin: origin }, body: { email: "a@b.co", password: "whatever pw" } });
      assert.equal(res.status, 403, origin);
      assert.equal(errorCode(res), "origin_not_allowed");
      assert.equal(res.headers.get("access-control-allow-origin"), null, origin);
      const pre = await s.api.req("OPTIONS", `/auth/login?appId=${shop.id}`, { headers: { Origin: origin, "Access-Control-Request-Method": "POST" } });
      assert.equal(pre.status, 403, `preflight ${origin}`);
    }
  });

  test("the bearer token's app decides for signed-in calls", async () => {
    const alice = await s.api.register(shop.id);
    const ok = await s.api.get("/me", { token: alice.accessToken, headers: { Origin: "https://shop.example" } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://shop.example");
    const bad = await s.api.get("/me", { token: alice.accessToken, headers: { Origin: "https://blog.example" } });
    assert.equal(bad.status, 403);
  });

  test("a bearer token that is not even JSON, with an Origin, is a 401, not a 500", async () => {
    const res = await s.api.get("/me", { token: "eyJ0eXAiOiJKV1QifQ.bm90anNvbg.", headers: { Origin: "https://shop.example" } });
    assert.equal(res.status, 401);
  });

  test("ids compare exactly: an upper-cased id of a real user or conversation is 404", async () => {
    const alice = await s.api.register(shop.id);
    const bob = await s.api.register(shop.id);
    assert.equal((await s.api.get(`/users/${bob.user.id.toUpperCase()}`, { token: alice.accessToken })).status, 404);
    const dm = await s.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    const convId: string = dm.body.conversation.id;
    const res = await s.api.post(`/conversations/${convId.toUpperCase()}/messages`, { token: alice.accessToken, body: { text: "hi" } });
    assert.equal(res.status, 404);
    const self = await s.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: alice.user.id.toUpperCase() } });
    assert.ok(self.status === 400 || self.status === 404, String(self.status));
  });

  test("an app created with origin * allows any origin", async () => {
    const demo = await s.createTenant("Demo", ["*"]);
    const res = await s.api.post("/auth/login", {
      app: demo.id,
      headers: { Origin: "http://localhost:8080" },
      body: { email: "a@b.co", password: "whatever pw" },
    });
    assert.equal(res.headers.get("access-control-allow-origin"), "http://localhost:8080");
  });
});

describe("host-signed identity", () => {
  const sign = (claims: object, secret: string, opts: jwt.SignOptions = { algorithm: "HS256" }) => jwt.sign(claims, secret, opts);
  const exp = () => Math.floor(Date.now() / 1000) + 60;

  test("a valid token signs the host's user in, upserting by (app, sub)", async () => {
    const token = sign({ sub: "buyer-42", name: "Buyer", avatarUrl: "https://cdn.shop.example/42.png", exp: exp() }, shop.secret);
    const first = await s.api.post<AuthResponse>("/auth/host-token", { app: shop.id, body: { token } });
    assert.equal(first.status, 200);
    assert.equal(first.body.user.externalId, "buyer-42");
    assert.equal(first.body.user.displayName, "Buyer");
    assert.equal(first.body.user.avatarUrl, "https://cdn.shop.example/42.png");
    const renamed = sign({ sub: "buyer-42", name: "Buyer Renamed", exp: exp() }, shop.secret);
    const second = await s.api.post<AuthResponse>("/auth/host-token", { app: shop.id, body: { token: renamed } });
    assert.equal(second.body.user.id, first.body.user.id);
    assert.equal(second.body.user.displayName, "Buyer Renamed");
    assert.equal((await s.api.get("/me", { token: second.body.accessToken })).status, 200);
    // The same sub in another app is another person.
    const other = await s.api.post<AuthResponse>("/auth/host-token", {
      app: blog.id,
      body: { token: sign({ sub: "buyer-42", name: "B", exp: exp() }, blog.secret) },
    });
    assert.notEqual(other.body.user.id, first.body.user.id);
  });

  test("host user ids compare exactly: abc123, ABC123 and José/Jose are four people", async () => {
    const ids = new Set<string>();
    for (const sub of ["abc123", "ABC123", "José", "Jose"]) {
      const res = await s.api.post<AuthResponse>("/auth/host-token", { app: shop.id, body: { token: sign({ sub, name: sub, exp: exp() }, shop.secret) } });
      assert.equal(res.status, 200);
      ids.add(res.body.user.id);
    }
    assert.equal(ids.size, 4);
  });

  test("expired, alg none, wrong secret, other app's, no exp, or bad claims: 401", async () => {
    const claims = { sub: "u1", name: "U" };
    const cases: Record<string, string> = {
      expired: sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 5 }, shop.secret),
      "alg none": sign({ ...claims, exp: exp() }, "", { algorithm: "none" }),
      "wrong secret": sign({ ...claims, exp: exp() }, "not-the-app-secret-not-the-app-secret"),
      "other app's secret": sign({ ...claims, exp: exp() }, blog.secret),
      "no exp": sign(claims, shop.secret),
      HS512: sign({ ...claims, exp: exp() }, shop.secret, { algorithm: "HS512" }),
      "no name": sign({ sub: "u1", exp: exp() }, shop.secret),
      "javascript: avatar": sign({ ...claims, avatarUrl: "javascript:alert(1)", exp: exp() }, shop.secret),
      "not a jwt": "hello",
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await s.api.post("/auth/host-token", { app: shop.id, body: { token } });
      assert.equal(res.status, 401, name);
      assert.equal(errorCode(res), "invalid_token", name);
    }
  });
});

describe("app CLI", () => {
  test("app:create --json prints only {id, secret}; app:list shows it", async () => {
    const env = {
      ...process.env,
      NODE_ENV: "test",
      DATA_DIR: s.dataDir,
      LOG_LEVEL: "silent",
      ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}),
    };
    const cli = path.join(ROOT, "server/src/cli.ts");
    const tsx = path.join(ROOT, "node_modules/.bin/tsx");
    const created = await run(tsx, [cli, "create", "--name", "CLI Shop", "--origin", "https://cli.example", "--json"], { env, cwd: ROOT });
    const parsed = JSON.parse(created.stdout) as { id: string; secret: string };
    assert.deepEqual(Object.keys(parsed).sort(), ["id", "secret"]);
    assert.match(parsed.id, /^app_/);
    assert.ok(parsed.secret.length >= 40);
    const listed = await run(tsx, [cli, "list", "--json"], { env, cwd: ROOT });
    const apps = JSON.parse(listed.stdout) as { id: string; allowedOrigins: string[] }[];
    assert.deepEqual(apps.find((a) => a.id === parsed.id)?.allowedOrigins, ["https://cli.example"]);
    // The running server sees the new app (same database).
    const reg = await s.api.post("/auth/register", { app: parsed.id, body: { email: "cli@example.com", password: "correct horse battery", displayName: "C" } });
    assert.equal(reg.status, 201);
  });
});
