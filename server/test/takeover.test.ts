import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Page, User } from "@parley/sdk/protocol";
import { loadConfig } from "../src/config.js";
import { NormalizedEmails1763830000000 } from "../src/db/migrations/1763830000000-NormalizedEmails.js";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";

// The account-takeover chain of issue 15, replayed against a server behind one trusted proxy
// (TRUST_PROXY=1): the attacker writes whatever X-Forwarded-For it likes, the proxy appends the
// address it really saw, and the attacker spells the victim's email every way the database might
// fold into the same row. Every one of those requests must land on one limiter key and one lockout.

const PER_IP = 10;
const PER_ACCOUNT = 5;
const PASSWORD = "the victim's real password";

let s: TestServer;
let app: string;

before(async () => {
  s = await startServer({ TRUST_PROXY: "1", RATE_LIMIT_AUTH_PER_IP: String(PER_IP), RATE_LIMIT_LOGIN_PER_EMAIL: String(PER_ACCOUNT) });
  app = (await s.createTenant("Takeover")).id;
});
after(() => s?.close());

/** Each test gets its own "real" client addresses, so the per-IP budget of one never leaks into another. */
let nextHost = 1;
const realAddress = (): string => `203.0.113.${nextHost++}`;
/** What a client behind the one trusted proxy looks like: its own forged entries, then the proxy's. */
const viaProxy = (real: string, forged: string): Record<string, string> => ({ "X-Forwarded-For": `${forged}, ${real}` });
const forgedAddress = (i: number): string => `10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250}`;

const login = (email: string, password: string, headers: Record<string, string>): Promise<Res<AuthResponse>> =>
  s.api.post<AuthResponse>("/auth/login", { app, headers, body: { email, password } });

async function registerVictim(local: string, displayName = "Vera Lynn"): Promise<AuthResponse> {
  const res = await s.api.post<AuthResponse>("/auth/register", {
    app,
    headers: viaProxy(realAddress(), "198.51.100.1"),
    body: { email: `${local}@example.com`, password: PASSWORD, displayName },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** Spellings that MariaDB's utf8mb4_unicode_ci (or a naive lower-case) files under `<local>@example.com`. */
const variantsOf = (local: string): string[] => [
  `${local[0]!.toUpperCase()}${local.slice(1)}@Example.com`,
  ` ${local}@example.com `,
  `${local.toUpperCase()}@EXAMPLE.COM\t`,
  // Full-width letters, at sign and full stop: NFKC folds them to ASCII.
  [...`${local}@example.com`].map((c) => String.fromCodePoint(c === "@" ? 0xff20 : c === "." ? 0xff0e : c.codePointAt(0)! + 0xfee0)).join(""),
  `\u00a0${local}@example.com`,
  `${local}@example.com`,
];

describe("the takeover chain: forged X-Forwarded-For (TRUST_PROXY=1)", () => {
  test(`forged left-most entries all count against the address the proxy saw: call ${PER_IP + 1} is 429`, async () => {
    const real = realAddress();
    const statuses: number[] = [];
    for (let i = 0; i <= PER_IP; i++) {
      const res = await login(`nobody-${i}@example.com`, "a wrong password", viaProxy(real, forgedAddress(i)));
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [...Array<number>(PER_IP).fill(401), 429]);
    // Another client behind the same proxy is not punished for it.
    assert.equal((await login("nobody@example.com", "a wrong password", viaProxy(realAddress(), forgedAddress(1)))).status, 401);
  });

  test("a forged list of many entries, or junk, changes nothing: still the proxy's entry", async () => {
    const real = realAddress();
    const forgeries = ["1.1.1.1, 2.2.2.2, 3.3.3.3", "unknown", "::1", "", "203.0.113.250,", "999.1.1.1"];
    const statuses: number[] = [];
    for (let i = 0; i <= PER_IP; i++) {
      const res = await login(`nobody-${i}@example.com`, "a wrong password", viaProxy(real, forgeries[i % forgeries.length]!));
      statuses.push(res.status);
    }
    assert.equal(statuses.filter((x) => x === 429).length, 1, statuses.join(","));
    assert.equal(statuses.at(-1), 429);
  });
});

describe("the takeover chain: email variants", () => {
  test(`every variant of the victim's email counts against one lockout: after ${PER_ACCOUNT} wrong guesses even the right password is 429`, async () => {
    await registerVictim("vera");
    const variants = variantsOf("vera");
    for (let i = 0; i < PER_ACCOUNT; i++) {
      // A fresh real address each time: it is the account lockout that must hold, not the per-IP one.
      const res = await login(variants[i % variants.length]!, `guess ${i}`, viaProxy(realAddress(), forgedAddress(i)));
      assert.equal(res.status, 401, `guess ${i} with ${JSON.stringify(variants[i % variants.length])}: ${JSON.stringify(res.body)}`);
    }
    for (const email of variants) {
      const res = await login(email, PASSWORD, viaProxy(realAddress(), forgedAddress(99)));
      assert.equal(res.status, 429, `${JSON.stringify(email)} after the lockout`);
      assert.equal(errorCode(res), "rate_limited");
      assert.ok(Number(res.headers.get("retry-after")) > 0);
    }
  });

  test(`a burst of 40 parallel guesses gets at most ${PER_ACCOUNT} wrong-password answers; the rest are 429`, async () => {
    await registerVictim("burst");
    const variants = variantsOf("burst");
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(variants[i % variants.length]!, `parallel guess ${i}`, viaProxy(realAddress(), forgedAddress(i)))),
    );
    const statuses = results.map((r) => r.status);
    assert.ok(
      statuses.every((x) => x === 401 || x === 429),
      statuses.join(","),
    );
    assert.ok(statuses.filter((x) => x === 401).length <= PER_ACCOUNT, `${statuses.filter((x) => x === 401).length} guesses were checked`);
    assert.equal((await login("burst@example.com", PASSWORD, viaProxy(realAddress(), "x"))).status, 429);
  });

  test("each variant signs in to the one account, and a success clears the count", async () => {
    const victim = await registerVictim("clara");
    for (const email of variantsOf("clara")) {
      const res = await login(email, PASSWORD, viaProxy(realAddress(), "x"));
      assert.equal(res.status, 200, JSON.stringify(email));
      assert.equal(res.body.user.id, victim.user.id);
      assert.equal(res.body.user.email, "clara@example.com");
    }
  });

  test("registering any variant of a taken email is 409 email_taken", async () => {
    await registerVictim("dana");
    for (const email of variantsOf("dana")) {
      const res = await s.api.post("/auth/register", {
        app,
        headers: viaProxy(realAddress(), "x"),
        body: { email, password: "another password", displayName: "Impostor" },
      });
      assert.equal(res.status, 409, `${JSON.stringify(email)}: ${JSON.stringify(res.body)}`);
      assert.equal(errorCode(res), "email_taken");
    }
  });

  test("accent, zero-width and other non-folding spellings are other emails: the right password never opens the victim's account", async () => {
    const victim = await registerVictim("emma");
    for (const email of ["ëmma@example.com", "emmá@example.com", "emma@exämple.com", "em\u200bma@example.com", "emma\u00ad@example.com", "ｅmmа@example.com"]) {
      const res = await login(email, PASSWORD, viaProxy(realAddress(), "x"));
      assert.equal(res.status, 401, `${JSON.stringify(email)} signed in: ${JSON.stringify(res.body)}`);
      assert.notEqual((res.body as Partial<AuthResponse>).user?.id, victim.user.id);
    }
    // And they spend none of the victim's budget.
    assert.equal((await login("emma@example.com", PASSWORD, viaProxy(realAddress(), "x"))).status, 200);
  });

  test("the unique index compares exactly: an accent variant stored beside the email is a second account, not a duplicate", async () => {
    const victim = await registerVictim("fiona");
    const hash = "$2b$04$abcdefghijklmnopqrstuuAbcdefghijklmnopqrstuvwxyz01234";
    const twin = await s.services.users.createAccount(app, { email: "fïona@example.com", passwordHash: hash, displayName: "Twin" });
    assert.notEqual(twin.id, victim.user.id);
    assert.equal((await s.services.users.findByEmail(app, "fiona@example.com"))?.id, victim.user.id);
    assert.equal((await s.services.users.findByEmail(app, "FÏONA@example.com"))?.id, twin.id);
    // Case and width variants still collide, in the service as at the edge.
    await assert.rejects(
      s.services.users.createAccount(app, { email: "ＦＩＯＮＡ@example.com", passwordHash: hash, displayName: "Twin 2" }),
      (e: Error & { code?: string }) => e.code === "email_taken",
    );
  });
});

describe("the takeover chain: no email oracle in search", () => {
  let stranger: AuthResponse;
  let victim: AuthResponse;
  const search = (token: string, q: string): Promise<Res<Page<User>>> => s.api.get<Page<User>>(`/users?q=${encodeURIComponent(q)}`, { token });

  before(async () => {
    victim = await registerVictim("secret.person", "Gwen Harper");
    stranger = await s.api
      .post<AuthResponse>("/auth/register", {
        app,
        headers: viaProxy(realAddress(), "x"),
        body: { email: "nosy@example.com", password: "nosy password", displayName: "Nosy" },
      })
      .then((r) => r.body);
  });

  test("search by a prefix of the email, or the whole email, finds nobody", async () => {
    for (const q of ["secret", "secret.person", "secret.person@", "secret.person@example.com", "SECRET.PERSON@EXAMPLE.COM", "s"]) {
      const res = await search(stranger.accessToken, q);
      assert.equal(res.status, 200);
      assert.ok(!res.body.items.some((u) => u.id === victim.user.id), `q=${q} found the victim by email`);
      assert.ok(!JSON.stringify(res.body).includes("secret.person"), `q=${q} leaks the email`);
    }
  });

  test("search by display name still finds them, without their email", async () => {
    const res = await search(stranger.accessToken, "Gwen");
    assert.deepEqual(
      res.body.items.map((u) => u.id),
      [victim.user.id],
    );
    assert.ok(!JSON.stringify(res.body).includes("@"));
  });

  test("an app that enables exact-email lookup finds a user by their whole email (any spelling), never by a prefix", async () => {
    const lookup = await s.services.apps.create({ name: "Lookup", allowedOrigins: [], exactEmailSearch: true });
    const headers = viaProxy(realAddress(), "x");
    const reg = (email: string, displayName: string) =>
      s.api.post<AuthResponse>("/auth/register", { app: lookup.id, headers, body: { email, password: "lookup password", displayName } }).then((r) => r.body);
    const target = await reg("target@example.com", "Hana");
    const seeker = await reg("seeker@example.com", "Ivo");
    for (const q of ["target@example.com", " Target@Example.COM "]) {
      assert.deepEqual(
        (await search(seeker.accessToken, q)).body.items.map((u) => u.id),
        [target.user.id],
        q,
      );
    }
    for (const q of ["target", "target@", "target@example", "arget@example.com"]) {
      assert.deepEqual((await search(seeker.accessToken, q)).body.items, [], q);
    }
    assert.deepEqual(
      (await search(seeker.accessToken, "Hana")).body.items.map((u) => u.id),
      [target.user.id],
    );
  });
});

describe("trusted proxies: hop counts and address lists", () => {
  // [TRUST_PROXY, the X-Forwarded-For a real client 203.0.113.77 arrives with, what is forged on the left]
  const modes: Array<[string, (forged: string) => string]> = [
    // Two proxies (a CDN, then a load balancer): each appends the peer it saw.
    ["2", (forged) => `${forged}, 203.0.113.77, 192.0.2.10`],
    // By address: the test client (127.0.0.1) and the inner proxies are trusted, nothing else.
    ["127.0.0.1, 10.0.0.0/8, 192.0.2.0/24", (forged) => `${forged}, 203.0.113.77, 10.1.2.3, 192.0.2.10`],
    ["loopback, 10.0.0.0/8, 192.0.2.0/24", (forged) => `${forged}, 203.0.113.77, 10.1.2.3`],
  ];
  for (const [trust, header] of modes) {
    test(`TRUST_PROXY=${trust}: the right-most untrusted address is the key`, async () => {
      const srv = await startServer({ TRUST_PROXY: trust, RATE_LIMIT_AUTH_PER_IP: "3" });
      try {
        const a = (await srv.createTenant()).id;
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          const res = await srv.api.post("/auth/login", {
            app: a,
            headers: { "X-Forwarded-For": header(`172.16.0.${i}`) },
            body: { email: `x${i}@example.com`, password: "whatever pw" },
          });
          statuses.push(res.status);
        }
        assert.deepEqual(statuses, [401, 401, 401, 429]);
      } finally {
        await srv.close();
      }
    });
  }

  test("TRUST_PROXY=0: X-Forwarded-For is ignored altogether", async () => {
    const srv = await startServer({ TRUST_PROXY: "0", RATE_LIMIT_AUTH_PER_IP: "3" });
    try {
      const a = (await srv.createTenant()).id;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await srv.api.post("/auth/login", {
          app: a,
          headers: { "X-Forwarded-For": `172.16.0.${i}` },
          body: { email: `x${i}@example.com`, password: "whatever pw" },
        });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
    } finally {
      await srv.close();
    }
  });

  test("IPv6 clients are keyed by their /64, so rotating through one's own prefix buys nothing", async () => {
    const srv = await startServer({ TRUST_PROXY: "1", RATE_LIMIT_AUTH_PER_IP: "3" });
    try {
      const a = (await srv.createTenant()).id;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await srv.api.post("/auth/login", {
          app: a,
          headers: { "X-Forwarded-For": `2001:db8:1:2:${i.toString(16)}::${i + 1}` },
          body: { email: `x${i}@example.com`, password: "whatever pw" },
        });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
    } finally {
      await srv.close();
    }
  });

  test("a malformed TRUST_PROXY refuses to start", () => {
    for (const bad of ["yes", "10.0.0.0/33", "300.1.1.1", "-1", "10.0.0.1, nonsense"]) {
      assert.throws(() => loadConfig({ NODE_ENV: "test", JWT_SECRET: TEST_JWT_SECRET, TRUST_PROXY: bad }), /TRUST_PROXY/, bad);
    }
  });
});

describe("the normalised-emails migration", () => {
  test("rewrites existing rows to the normalised form, so they sign in by any spelling", async () => {
    const victim = await registerVictim("legacy");
    // A row as an older server (or a hand edit) may have left it.
    await s.services.db.query("UPDATE users SET email = ? WHERE id = ?", ["  Legacy@EXAMPLE.com ", victim.user.id]);
    await runMigrationAgain();
    const [row] = (await s.services.db.query("SELECT email FROM users WHERE id = ?", [victim.user.id])) as { email: string }[];
    assert.equal(row?.email, "legacy@example.com");
    assert.equal((await login("LEGACY@example.com", PASSWORD, viaProxy(realAddress(), "x"))).status, 200);
  });

  test("refuses to merge two accounts whose emails normalise to one, and names them", async () => {
    const first = await registerVictim("twin");
    const second = await registerVictim("twin2");
    await s.services.db.query("UPDATE users SET email = ? WHERE id = ?", ["TWIN@example.com", second.user.id]);
    try {
      await assert.rejects(runMigrationAgain(), (e: Error) => e.message.includes(second.user.id) && e.message.includes(first.user.id));
    } finally {
      await s.services.db.query("UPDATE users SET email = ? WHERE id = ?", ["twin2@example.com", second.user.id]);
    }
  });
});

async function runMigrationAgain(): Promise<void> {
  const q = s.services.db.createQueryRunner();
  try {
    await new NormalizedEmails1763830000000().up(q);
  } finally {
    await q.release();
  }
}
