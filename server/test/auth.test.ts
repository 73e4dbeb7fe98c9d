import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse } from "@parley/sdk/protocol";
import { errorCode } from "./helpers/api.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";

let s: TestServer;
let app: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant()).id;
});
after(() => s?.close());

describe("register", () => {
  test("creates an account: 201 with user and both tokens", async () => {
    const res = await s.api.post<AuthResponse>("/auth/register", {
      app,
      body: { email: "Ada@Example.com", password: "correct horse battery", displayName: "Ada" },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.user.email, "ada@example.com");
    assert.equal(res.body.user.displayName, "Ada");
    assert.equal(res.body.user.appId, app);
    assert.match(res.body.accessToken, /^ey/);
    assert.match(res.body.refreshToken, /^rt_/);
    assert.equal(res.body.expiresIn, 900);
  });

  test("the same email again (any case) is 409 email_taken", async () => {
    const res = await s.api.post("/auth/register", {
      app,
      body: { email: "ADA@example.com", password: "another password", displayName: "Ada 2" },
    });
    assert.equal(res.status, 409);
    assert.equal(errorCode(res), "email_taken");
  });

  test("400 for missing or invalid fields", async () => {
    const cases = [
      {},
      { email: "not-an-email", password: "long enough pw", displayName: "X" },
      { email: "a@b.co", password: "short", displayName: "X" },
      { email: "a@b.co", password: "long enough pw", displayName: "   " },
      { email: "a@b.co", password: "é".repeat(37), displayName: "X" }, // 74 bytes > 72
    ];
    for (const body of cases) {
      const res = await s.api.post("/auth/register", { app, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(errorCode(res), "validation_failed");
    }
  });

  test("a 64-character password works, and 72 bytes is the cap", async () => {
    const pw = "p".repeat(64);
    const reg = await s.api.register(app, { email: "long@example.com", password: pw });
    assert.ok(reg.accessToken);
    const login = await s.api.post("/auth/login", { app, body: { email: "long@example.com", password: pw } });
    assert.equal(login.status, 200);
    const over = await s.api.post("/auth/register", { app, body: { email: "x73@example.com", password: "p".repeat(73), displayName: "X" } });
    assert.equal(over.status, 400);
  });
});

describe("login", () => {
  test("200 with a session for the right password", async () => {
    const res = await s.api.post<AuthResponse>("/auth/login", { app, body: { email: "ada@example.com", password: "correct horse battery" } });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.email, "ada@example.com");
    const me = await s.api.get("/me", { token: res.body.accessToken });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, res.body.user.id);
  });

  test("401 with the same body for unknown email and wrong password", async () => {
    const wrong = await s.api.post("/auth/login", { app, body: { email: "ada@example.com", password: "wrong password!" } });
    const unknown = await s.api.post("/auth/login", { app, body: { email: "nobody@example.com", password: "wrong password!" } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(errorCode(wrong), "invalid_credentials");
  });
});

describe("access tokens", () => {
  test("no token is 401 unauthenticated; garbage is 401 invalid_token", async () => {
    const none = await s.api.get("/me");
    assert.equal(none.status, 401);
    assert.equal(errorCode(none), "unauthenticated");
    const junk = await s.api.get("/me", { token: "junk" });
    assert.equal(junk.status, 401);
    assert.equal(errorCode(junk), "invalid_token");
  });

  test("an expired token is 401 token_expired, so the client knows to refresh", async () => {
    const reg = await s.api.register(app);
    const claims = jwt.decode(reg.accessToken) as jwt.JwtPayload;
    const expired = jwt.sign(
      { app: claims["app"], sid: claims["sid"], sub: claims.sub, iss: "parley", aud: "parley:access", exp: Math.floor(Date.now() / 1000) - 10 },
      TEST_JWT_SECRET,
      { algorithm: "HS256" },
    );
    const res = await s.api.get("/me", { token: expired });
    assert.equal(res.status, 401);
    assert.equal(errorCode(res), "token_expired");
  });

  test("tokens with alg none, another secret, or a wrong audience are refused", async () => {
    const reg = await s.api.register(app);
    const c = jwt.decode(reg.accessToken) as jwt.JwtPayload;
    const payload = { app: c["app"], sid: c["sid"], sub: c.sub, iss: "parley", aud: "parley:access" };
    const unsigned = jwt.sign(payload, "", { algorithm: "none" });
    const wrongSecret = jwt.sign(payload, "another-secret-another-secret-another-secret", { algorithm: "HS256" });
    const wrongAud = jwt.sign({ ...payload, aud: "something-else" }, TEST_JWT_SECRET, { algorithm: "HS256" });
    for (const token of [unsigned, wrongSecret, wrongAud]) {
      const res = await s.api.get("/me", { token });
      assert.equal(res.status, 401);
      assert.equal(errorCode(res), "invalid_token");
    }
  });
});

describe("refresh and logout", () => {
  test("refresh rotates: the new pair works; the old token is answered with the same new one within the grace window, and revokes the session after it", async () => {
    // Tabs sharing a session refresh near together (issue 15): a just-rotated token is accepted
    // again for REFRESH_GRACE_SEC (1 s here), Auth0-style. Reuse after that is theft.
    const g = await startServer({ REFRESH_GRACE_SEC: "1" });
    try {
      const gapp = (await g.createTenant()).id;
      const reg = await g.api.register(gapp);
      const r1 = await g.api.post<AuthResponse>("/auth/refresh", { app: gapp, body: { refreshToken: reg.refreshToken } });
      assert.equal(r1.status, 200);
      assert.notEqual(r1.body.refreshToken, reg.refreshToken);
      assert.equal((await g.api.get("/me", { token: r1.body.accessToken })).status, 200);

      const within = await g.api.post<AuthResponse>("/auth/refresh", { app: gapp, body: { refreshToken: reg.refreshToken } });
      assert.equal(within.status, 200);
      assert.equal(within.body.refreshToken, r1.body.refreshToken, "the same successor, not a second branch");

      // The old token again after the window: reuse. It fails, and so does the newest token.
      await new Promise((r) => setTimeout(r, g.services.auth.refreshGraceMs + 200));
      const reuse = await g.api.post("/auth/refresh", { app: gapp, body: { refreshToken: reg.refreshToken } });
      assert.equal(reuse.status, 401);
      assert.equal(errorCode(reuse), "invalid_token");
      const afterReuse = await g.api.post("/auth/refresh", { app: gapp, body: { refreshToken: r1.body.refreshToken } });
      assert.equal(afterReuse.status, 401);
      assert.equal(await g.services.auth.isSessionActive((jwt.decode(r1.body.accessToken) as jwt.JwtPayload)["sid"]), false);
    } finally {
      await g.close();
    }
  });

  test("two concurrent refreshes with the same token: both get the same new refresh token, and the session lives on", async () => {
    // Tabs sharing a session may refresh at once; within the grace window that is no theft.
    const reg = await s.api.register(app);
    const results = await Promise.all([1, 2].map(() => s.api.post("/auth/refresh", { app, body: { refreshToken: reg.refreshToken } })));
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200],
    );
    assert.equal(results[0]!.body.refreshToken, results[1]!.body.refreshToken);
    assert.equal((await s.api.post("/auth/refresh", { app, body: { refreshToken: results[0]!.body.refreshToken } })).status, 200);
  });

  test("logout revokes the refresh token; another session of the same user lives on", async () => {
    const reg = await s.api.register(app, { email: "two-devices@example.com", password: "correct horse battery" });
    const other = await s.api.post<AuthResponse>("/auth/login", { app, body: { email: "two-devices@example.com", password: "correct horse battery" } });
    const out = await s.api.post("/auth/logout", { app, body: { refreshToken: reg.refreshToken } });
    assert.equal(out.status, 204);
    const again = await s.api.post("/auth/refresh", { app, body: { refreshToken: reg.refreshToken } });
    assert.equal(again.status, 401);
    const otherRefresh = await s.api.post("/auth/refresh", { app, body: { refreshToken: other.body.refreshToken } });
    assert.equal(otherRefresh.status, 200);
  });

  test("a refresh token of one app is useless on another", async () => {
    const other = (await s.createTenant("Other")).id;
    const reg = await s.api.register(app);
    const res = await s.api.post("/auth/refresh", { app: other, body: { refreshToken: reg.refreshToken } });
    assert.equal(res.status, 401);
  });
});

describe("brute force", () => {
  test("after 5 wrong passwords for one account, the next attempt is 429 with Retry-After, even with the right one", async () => {
    const email = "target@example.com";
    await s.api.register(app, { email, password: "the real password" });
    for (let i = 0; i < 5; i++) {
      const res = await s.api.post("/auth/login", { app, body: { email, password: `guess number ${i}` } });
      assert.equal(res.status, 401, `attempt ${i + 1}`);
    }
    const blocked = await s.api.post("/auth/login", { app, body: { email, password: "guess number 6" } });
    assert.equal(blocked.status, 429);
    assert.equal(errorCode(blocked), "rate_limited");
    assert.ok(Number(blocked.headers.get("retry-after")) > 0);
    const right = await s.api.post("/auth/login", { app, body: { email, password: "the real password" } });
    assert.equal(right.status, 429);
  });

  test("per-IP limit on auth calls: the N+1-th call from one address is 429", async () => {
    const limited = await startServer({ RATE_LIMIT_AUTH_PER_IP: "3" });
    try {
      const a = (await limited.createTenant()).id;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await limited.api.post("/auth/login", { app: a, body: { email: `x${i}@example.com`, password: "whatever pw" } })).status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });
});
