import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse } from "@parley/sdk/protocol";
import { loadConfig } from "../src/config.js";
import { createApp } from "../src/http/app.js";
import { errorCode } from "./helpers/api.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";

// Smaller findings of issue 15, each replayed as the attack it was: the request that used to
// work must now fail, and the legitimate request beside it must keep working.

let s: TestServer;
let shop: { id: string; secret: string };
let evil: { id: string; secret: string };

before(async () => {
  s = await startServer();
  shop = await s.createTenant("Shop", ["https://shop.example"]);
  evil = await s.createTenant("Attacker's own app", ["https://evil.example"]);
});
after(() => s?.close());

describe("?appId= on signed-in calls", () => {
  let victim: AuthResponse;
  before(async () => {
    victim = await s.api.register(shop.id);
  });

  test("naming the attacker's app in ?appId= does not let its origin read with the victim's token", async () => {
    const res = await s.api.get(`/me?appId=${evil.id}`, { token: victim.accessToken, headers: { Origin: "https://evil.example" } });
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(errorCode(res), "origin_not_allowed");
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  test("the same with X-Parley-App, or with both naming the attacker's app, is refused too", async () => {
    for (const [url, headers] of [
      ["/me", { Origin: "https://evil.example", "X-Parley-App": evil.id }],
      [`/me?appId=${evil.id}`, { Origin: "https://evil.example", "X-Parley-App": evil.id }],
      [`/conversations?appId=${evil.id}`, { Origin: "https://evil.example" }],
    ] as const) {
      const res = await s.api.get(url, { token: victim.accessToken, headers });
      assert.equal(res.status, 403, `${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    }
  });

  test("without an Origin, an ?appId= that is not the token's app is 401 like a mismatched header", async () => {
    const res = await s.api.get(`/me?appId=${evil.id}`, { token: victim.accessToken });
    assert.equal(res.status, 401);
    assert.equal(errorCode(res), "invalid_token");
  });

  test("the token's own app in ?appId=, from its own origin, still works", async () => {
    const res = await s.api.get(`/me?appId=${shop.id}`, { token: victim.accessToken, headers: { Origin: "https://shop.example" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://shop.example");
  });
});

describe("host token sub is the host's user id, verbatim", () => {
  const exchange = (sub: unknown) => {
    const token = jwt.sign({ sub, name: "Host User", exp: Math.floor(Date.now() / 1000) + 60 }, shop.secret, { algorithm: "HS256" });
    return s.api.post<AuthResponse>("/auth/host-token", { app: shop.id, body: { token } });
  };

  test('" a", "a", "a " and "A" are four users; the same sub again is the same user', async () => {
    const ids = new Map<string, string>();
    for (const sub of [" a", "a", "a ", "A", "a\t"]) {
      const res = await exchange(sub);
      assert.equal(res.status, 200, `${JSON.stringify(sub)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.user.externalId, sub);
      ids.set(sub, res.body.user.id);
    }
    assert.equal(new Set(ids.values()).size, ids.size, JSON.stringify([...ids]));
    for (const [sub, id] of ids) assert.equal((await exchange(sub)).body.user.id, id, JSON.stringify(sub));
  });

  test("an empty or blank sub, or one with a lone surrogate, is refused as invalid_token", async () => {
    for (const sub of ["", "   ", "\ud800", "a\udc00", 42]) {
      const res = await exchange(sub);
      assert.equal(res.status, 401, JSON.stringify(sub));
      assert.equal(errorCode(res), "invalid_token");
    }
  });
});

describe("demo mode", () => {
  const config = (env: Record<string, string>) => loadConfig({ JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: tmpdir(), ...env });

  test("is off under NODE_ENV=production unless PARLEY_DEMO=1", () => {
    assert.equal(config({ NODE_ENV: "production" }).demo, false);
    assert.equal(config({ NODE_ENV: "production", PARLEY_DEMO: "1" }).demo, true);
    assert.equal(config({ NODE_ENV: "production", PARLEY_DEMO: "0" }).demo, false);
    assert.equal(config({ NODE_ENV: "development" }).demo, true);
    assert.equal(config({ NODE_ENV: "development", PARLEY_DEMO: "0" }).demo, false);
  });

  describe("served pages", () => {
    let demo: { url: string; server: Server; appId: string };

    before(async () => {
      const appId = (await s.createTenant("Demo", ["*"])).id;
      const server = createServer(createApp(s.services, { demoAppId: appId }).callback());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      demo = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, appId };
    });
    after(() => new Promise<void>((resolve) => demo.server.close(() => resolve())));

    /** A raw GET, so the Host header and the path go out exactly as written. */
    const rawGet = (pathname: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const port = Number(new URL(demo.url).port);
        const req = request({ host: "127.0.0.1", port, path: pathname, method: "GET", headers }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });

    test("a Host header carrying markup is refused (400), never written into the page", async () => {
      for (const host of ['x"><script>alert(1)</script>', "x.example/<img src=x onerror=alert(1)>", "x.example:80'-alert(1)-'", "a b"]) {
        const res = await rawGet("/examples/script-tag/", { Host: host });
        assert.equal(res.status, 400, `${host}: ${res.body.slice(0, 200)}`);
        assert.ok(!res.body.includes("<script>alert") && !res.body.includes("onerror"), host);
      }
    });

    test("an ordinary Host is written in, the app id too", async () => {
      const res = await rawGet("/examples/script-tag/", { Host: "chat.example:8080" });
      assert.equal(res.status, 200);
      assert.ok(res.body.includes('src="http://chat.example:8080/widget.js"'), res.body);
      assert.ok(res.body.includes(`data-app-id="${demo.appId}"`));
      assert.ok(!res.body.includes("{{"));
    });

    test("a malformed percent-encoding in the path is 400, not 500", async () => {
      for (const p of ["/examples/%E0%A4%A", "/examples/%", "/examples/%ZZ", "/examples/script-tag/%C0%AF"]) {
        const res = await rawGet(p);
        assert.equal(res.status, 400, `${p}: ${res.body}`);
        assert.equal((JSON.parse(res.body) as { error: { code: string } }).error.code, "validation_failed");
      }
    });

    test("other odd paths are 404, never 500 (NUL, traversal, encoded slashes)", async () => {
      for (const p of ["/examples/%00", "/examples/..%2F..%2Fpackage.json", "/examples/%2e%2e/%2e%2e/package.json", "/examples/index.html%00.png"]) {
        const res = await rawGet(p);
        assert.equal(res.status, 404, `${p}: ${res.body}`);
      }
    });
  });

  test("malformed percent-encodings elsewhere never answer 500", async () => {
    const token = (await s.api.register(shop.id)).accessToken;
    for (const p of ["/v1/users/%E0%A4%A", "/v1/avatars/%E0%A4%A", "/v1/conversations/%E0%A4%A", "/%E0%A4%A", "/widget.js%E0"]) {
      const res = await fetch(s.url + p, { headers: { Authorization: `Bearer ${token}` } });
      assert.ok(res.status >= 400 && res.status < 500, `${p}: ${res.status}`);
    }
  });
});

describe("TRUST_PROXY and the served origin", () => {
  test("behind a trusted proxy, a forged X-Forwarded-Host with markup is 400 on demo pages", async () => {
    const srv = await startServer({ TRUST_PROXY: "1" });
    try {
      const appId = (await srv.createTenant("Demo", ["*"])).id;
      const server = createServer(createApp(srv.services, { demoAppId: appId }).callback());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const bad = await fetch(`${base}/examples/script-tag/`, { headers: { "X-Forwarded-Host": 'x"><script>alert(1)</script>' } });
        assert.equal(bad.status, 400);
        const good = await fetch(`${base}/examples/script-tag/`, { headers: { "X-Forwarded-Host": "chat.example", "X-Forwarded-Proto": "https" } });
        assert.equal(good.status, 200);
        assert.ok((await good.text()).includes('src="https://chat.example/widget.js"'));
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      await srv.close();
    }
  });
});
