import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { LIMITS, type AuthResponse, type Me, type Page, type User } from "@parley/sdk/protocol";
import { errorCode, type Res } from "./helpers/api.js";
import { encodePng } from "../src/shared/png.js";
import { startServer, type TestServer } from "./helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// A real PNG, built byte by byte (server/src/shared/png.ts).
// ---------------------------------------------------------------------------------------------

/** A valid 2x2 RGBA PNG: red, green / blue, half-transparent white. */
const PIXELS = [
  [
    [255, 0, 0, 255],
    [0, 255, 0, 255],
  ],
  [
    [0, 0, 255, 255],
    [255, 255, 255, 128],
  ],
] as const;
const makePng = (): Buffer => encodePng(2, 2, (x, y) => PIXELS[y]![x]!);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A copy as a plain ArrayBuffer-backed view, which is what Blob wants. */
const bytesOf = (b: Buffer | string): Uint8Array<ArrayBuffer> => new Uint8Array(typeof b === "string" ? Buffer.from(b) : b);

// ---------------------------------------------------------------------------------------------

let s: TestServer;
let app: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Profiles")).id;
});
after(() => s?.close());

const PASSWORD = "correct horse battery";
const ME_KEYS = ["appId", "avatarUrl", "bio", "createdAt", "displayName", "email", "externalId", "id", "lastSeenAt", "showLastSeen"];
const USER_KEYS = ["avatarUrl", "bio", "createdAt", "displayName", "externalId", "id", "lastSeenAt"];
const SECRETS = /passwordHash|tokenHash|\$2[aby]\$/;

/** The response body as JSON text must carry no hash and no bcrypt string. */
function assertNoSecrets(what: string, res: Res, extra: string[] = []): void {
  const text = JSON.stringify(res.body);
  assert.doesNotMatch(text, SECRETS, `${what} leaks a secret: ${text}`);
  for (const x of extra) assert.ok(!text.includes(x), `${what} contains ${x}`);
}

async function uploadAvatar(token: string, bytes: Uint8Array<ArrayBuffer>, filename: string, type: string): Promise<Res> {
  const form = new FormData();
  form.append("file", new Blob([bytes], { type }), filename);
  return s.api.put("/me/avatar", { token, raw: form });
}

const tmpDir = (): string => path.join(s.dataDir, "uploads", "tmp");

async function assertTmpEmpty(): Promise<void> {
  assert.deepEqual(await readdir(tmpDir()), [], "a temp upload file was left behind");
}

const q = (params: Record<string, string | number>): string =>
  "?" +
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");

// ---------------------------------------------------------------------------------------------

describe("GET /v1/me", () => {
  test("returns the signed-in user with email and appId, and nothing private beyond that", async () => {
    const reg = await s.api.register(app, { email: "Me.Myself@Example.com", displayName: "Me Myself" });
    const me = await s.api.get<Me>("/me", { token: reg.accessToken });
    assert.equal(me.status, 200);
    assert.deepEqual(Object.keys(me.body).sort(), ME_KEYS);
    assert.equal(me.body.id, reg.user.id);
    assert.equal(me.body.email, "me.myself@example.com");
    assert.equal(me.body.appId, app);
    assert.equal(me.body.displayName, "Me Myself");
    assert.equal(me.body.bio, "");
    assert.equal(me.body.avatarUrl, null);
    assert.equal(me.body.externalId, null);
    assert.match(me.body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(me.body, reg.user);
  });

  test("without a token it is 401", async () => {
    const res = await s.api.get("/me");
    assert.equal(res.status, 401);
    assert.equal(errorCode(res), "unauthenticated");
  });

  test("no answer carries passwordHash, tokenHash or a bcrypt string (register, login, me, users, users/:id)", async () => {
    const email = "secretive@example.com";
    const register = await s.api.post<AuthResponse>("/auth/register", { app, body: { email, password: PASSWORD, displayName: "Secretive" } });
    assert.equal(register.status, 201);
    const login = await s.api.post<AuthResponse>("/auth/login", { app, body: { email, password: PASSWORD } });
    assert.equal(login.status, 200);
    const token = login.body.accessToken;
    const other = await s.api.register(app, { displayName: "Secretive Friend" });
    const me = await s.api.get("/me", { token });
    const patched = await s.api.patch("/me", { token, body: { bio: "nothing to hide" } });
    const list = await s.api.get(`/users${q({ q: "Secretive" })}`, { token });
    const one = await s.api.get(`/users/${other.user.id}`, { token });
    const self = await s.api.get(`/users/${register.body.user.id}`, { token });
    for (const [what, res] of Object.entries({ register, login, me, patched, list, one, self })) {
      assert.ok(res.status < 300, `${what}: ${res.status}`);
      assertNoSecrets(what, res, [PASSWORD]);
    }
    assert.equal(list.body.items.length, 2);
    // The public view has no email and no appId, for others and for oneself alike.
    for (const u of [...list.body.items, one.body, self.body] as User[]) assert.deepEqual(Object.keys(u).sort(), USER_KEYS);
  });
});

describe("PATCH /v1/me", () => {
  let token: string;
  let original: Me;
  before(async () => {
    const reg = await s.api.register(app, { displayName: "Patch Me" });
    token = reg.accessToken;
    original = reg.user;
  });

  test("updates displayName and bio (trimmed) and returns the new profile", async () => {
    const res = await s.api.patch<Me>("/me", { token, body: { displayName: "  Patched Name ", bio: " Hello there " } });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ME_KEYS);
    assert.equal(res.body.displayName, "Patched Name");
    assert.equal(res.body.bio, "Hello there");
    assert.equal(res.body.id, original.id);
    assert.equal(res.body.email, original.email);
    assert.equal(res.body.createdAt, original.createdAt);
    const me = await s.api.get<Me>("/me", { token });
    assert.deepEqual(me.body, res.body);
  });

  test("one field at a time leaves the other alone", async () => {
    const bioOnly = await s.api.patch<Me>("/me", { token, body: { bio: "Only the bio" } });
    assert.equal(bioOnly.status, 200);
    assert.equal(bioOnly.body.displayName, "Patched Name");
    assert.equal(bioOnly.body.bio, "Only the bio");
    const nameOnly = await s.api.patch<Me>("/me", { token, body: { displayName: "Name Only" } });
    assert.equal(nameOnly.status, 200);
    assert.equal(nameOnly.body.displayName, "Name Only");
    assert.equal(nameOnly.body.bio, "Only the bio");
  });

  test("an empty bio clears it", async () => {
    const res = await s.api.patch<Me>("/me", { token, body: { bio: "" } });
    assert.equal(res.status, 200);
    assert.equal(res.body.bio, "");
  });

  test("non-ASCII text round-trips (both databases store 4-byte UTF-8)", async () => {
    const bio = "Grüße aus Köln 👋🏽 — 日本語";
    const res = await s.api.patch<Me>("/me", { token, body: { displayName: "Zoë 🚀", bio } });
    assert.equal(res.status, 200);
    const me = await s.api.get<Me>("/me", { token });
    assert.equal(me.body.displayName, "Zoë 🚀");
    assert.equal(me.body.bio, bio);
  });

  test("an empty patch is 400 validation_failed", async () => {
    const res = await s.api.patch("/me", { token, body: {} });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res), "validation_failed");
  });

  test("a patch of only unknown fields (email, appId, passwordHash) is 400 and changes nothing", async () => {
    const before = await s.api.get<Me>("/me", { token });
    const res = await s.api.patch("/me", { token, body: { email: "new@example.com", appId: "app_other", passwordHash: "$2b$04$x" } });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res), "validation_failed");
    const afterwards = await s.api.get<Me>("/me", { token });
    assert.deepEqual(afterwards.body, before.body);
  });

  test(`a bio of ${LIMITS.bioMaxChars} characters is fine; one more is 400`, async () => {
    const ok = await s.api.patch<Me>("/me", { token, body: { bio: "b".repeat(LIMITS.bioMaxChars) } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.bio.length, LIMITS.bioMaxChars);
    const tooLong = await s.api.patch("/me", { token, body: { bio: "b".repeat(LIMITS.bioMaxChars + 1) } });
    assert.equal(tooLong.status, 400);
    assert.equal(errorCode(tooLong), "validation_failed");
  });

  test("a display name that is too long or blank is 400", async () => {
    for (const displayName of ["n".repeat(LIMITS.displayNameMaxChars + 1), "   ", ""]) {
      const res = await s.api.patch("/me", { token, body: { displayName } });
      assert.equal(res.status, 400, JSON.stringify(displayName));
      assert.equal(errorCode(res), "validation_failed");
    }
  });

  test("a failed patch changes nothing, even the valid half of it", async () => {
    const before = await s.api.get<Me>("/me", { token });
    const res = await s.api.patch("/me", { token, body: { displayName: "Half Valid", bio: "x".repeat(LIMITS.bioMaxChars + 1) } });
    assert.equal(res.status, 400);
    const afterwards = await s.api.get<Me>("/me", { token });
    assert.deepEqual(afterwards.body, before.body);
  });
});

describe("PUT /v1/me/avatar", () => {
  let token: string;
  const png = makePng();

  before(async () => {
    token = (await s.api.register(app, { displayName: "Avatar Owner" })).accessToken;
  });

  test("the test PNG is well formed (signature, IHDR 2x2 RGBA, CRCs)", () => {
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.equal(png.readUInt32BE(8), 13);
    assert.equal(png.toString("latin1", 12, 16), "IHDR");
    assert.equal(png.readUInt32BE(16), 2);
    assert.equal(png.readUInt32BE(20), 2);
    // The CRC of "IEND" with no data is a well-known constant.
    assert.equal(png.readUInt32BE(png.length - 4), 0xae426082);
  });

  test("a real PNG is accepted; avatarUrl is set and serves the same bytes publicly as image/png", async () => {
    const res = await uploadAvatar(token, bytesOf(png), "me.png", "image/png");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const me = res.body as Me;
    assert.deepEqual(Object.keys(me).sort(), ME_KEYS);
    assert.match(me.avatarUrl ?? "", /^\/v1\/avatars\/[A-Za-z0-9_-]+\.png$/);
    assertNoSecrets("avatar upload", res);
    const again = await s.api.get<Me>("/me", { token });
    assert.equal(again.body.avatarUrl, me.avatarUrl);

    // Public: no token, no app header.
    const file = await fetch(s.url + me.avatarUrl);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get("content-type"), "image/png");
    assert.equal(file.headers.get("x-content-type-options"), "nosniff");
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), png);
    await assertTmpEmpty();
  });

  test("the stored type comes from the bytes, not from the client's name or Content-Type", async () => {
    const res = await uploadAvatar(token, bytesOf(png), "holiday.gif", "image/gif");
    assert.equal(res.status, 200);
    const url = (res.body as Me).avatarUrl ?? "";
    assert.match(url, /\.png$/);
    assert.ok(!url.includes("holiday"), "the client's filename must not be used on disk");
    const file = await fetch(s.url + url);
    assert.equal(file.headers.get("content-type"), "image/png");
  });

  test("HTML named evil.png with Content-Type image/png is 415 unsupported_media_type", async () => {
    const before = await s.api.get<Me>("/me", { token });
    const res = await uploadAvatar(token, bytesOf("<html><script>alert(1)</script></html>"), "evil.png", "image/png");
    assert.equal(res.status, 415);
    assert.equal(errorCode(res), "unsupported_media_type");
    const afterwards = await s.api.get<Me>("/me", { token });
    assert.equal(afterwards.body.avatarUrl, before.body.avatarUrl);
  });

  test("an SVG with a script, disguised as .png, is 415", async () => {
    const svg = `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"><script>alert(document.cookie)</script><rect width="2" height="2"/></svg>`;
    const res = await uploadAvatar(token, bytesOf(svg), "cute.png", "image/png");
    assert.equal(res.status, 415);
    assert.equal(errorCode(res), "unsupported_media_type");
  });

  test("a 6 MB file (PNG header + zero padding) is 413 payload_too_large", async () => {
    const big = Buffer.alloc(6 * 1024 * 1024);
    png.copy(big, 0, 0, 33); // signature + IHDR, so only the size can be the reason
    const res = await uploadAvatar(token, bytesOf(big), "big.png", "image/png");
    assert.equal(res.status, 413);
    assert.equal(errorCode(res), "payload_too_large");
  });

  test("a 6 MB file streamed without Content-Length (chunked) is also 413", async () => {
    const boundary = `----parley${Math.random().toString(36).slice(2)}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const chunk = new Uint8Array(64 * 1024);
    let sent = 0;
    const total = 6 * 1024 * 1024;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(head));
        c.enqueue(new Uint8Array(PNG_SIGNATURE));
      },
      pull(c) {
        if (sent >= total) {
          c.enqueue(new Uint8Array(tail));
          c.close();
          return;
        }
        c.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const res = await fetch(`${s.url}/v1/me/avatar`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: "half",
    } as RequestInit & { duplex: "half" });
    assert.equal(res.status, 413);
    const json = (await res.json()) as { error: { code: string } };
    assert.equal(json.error.code, "payload_too_large");
  });

  test("after all of those failures no temp file is left in uploads/tmp", async () => {
    await assertTmpEmpty();
  });

  test("a non-multipart body (JSON, text, none) is 415", async () => {
    const json = await s.api.put("/me/avatar", { token, body: { file: png.toString("base64") } });
    assert.equal(json.status, 415);
    assert.equal(errorCode(json), "unsupported_media_type");
    const text = await s.api.put("/me/avatar", { token, raw: "hello", contentType: "text/plain" });
    assert.equal(text.status, 415);
    assert.equal(errorCode(text), "unsupported_media_type");
    const raw = await s.api.put("/me/avatar", { token, raw: bytesOf(png), contentType: "image/png" });
    assert.equal(raw.status, 415);
    assert.equal(errorCode(raw), "unsupported_media_type");
    const none = await s.api.put("/me/avatar", { token });
    assert.equal(none.status, 415);
    assert.equal(errorCode(none), "unsupported_media_type");
  });

  test("multipart without a `file` field, or with an empty file, is 400 and leaves no temp file", async () => {
    const wrongField = new FormData();
    wrongField.append("avatar", new Blob([bytesOf(png)], { type: "image/png" }), "me.png");
    const a = await s.api.put("/me/avatar", { token, raw: wrongField });
    assert.equal(a.status, 400);
    assert.equal(errorCode(a), "validation_failed");

    const textOnly = new FormData();
    textOnly.append("file", "just a string");
    const b = await s.api.put("/me/avatar", { token, raw: textOnly });
    assert.equal(b.status, 400);
    assert.equal(errorCode(b), "validation_failed");

    const empty = await uploadAvatar(token, new Uint8Array(0), "empty.png", "image/png");
    assert.equal(empty.status, 400);
    assert.equal(errorCode(empty), "validation_failed");
    await assertTmpEmpty();
  });

  test("without a token it is 401", async () => {
    const form = new FormData();
    form.append("file", new Blob([bytesOf(png)], { type: "image/png" }), "me.png");
    const res = await s.api.put("/me/avatar", { raw: form });
    assert.equal(res.status, 401);
    assert.equal(errorCode(res), "unauthenticated");
  });

  test("GET of an avatar that does not exist, or a traversal attempt, is 404", async () => {
    for (const name of ["doesnotexist.png", "..%2F..%2Fparley.sqlite", "..%2Fjwt-secret", "%2e%2e"]) {
      const res = await s.api.get(`/avatars/${name}`);
      assert.equal(res.status, 404, name);
      assert.equal(errorCode(res), "not_found");
    }
  });
});

describe("GET /v1/users", () => {
  let searchApp: string;
  let otherApp: string;
  let token: string;
  const ids: Record<string, string> = {};
  const otherIds: string[] = [];

  const search = async (params: Record<string, string | number>): Promise<Res<Page<User>>> => s.api.get<Page<User>>(`/users${q(params)}`, { token });
  const names = (res: Res<Page<User>>): string[] => res.body.items.map((u) => u.displayName).sort();

  before(async () => {
    searchApp = (await s.createTenant("Search")).id;
    otherApp = (await s.createTenant("Search twin")).id;
    const people: Array<[string, string]> = [
      ["Alice Anders", "alice@example.com"],
      ["alina Brown", "ab@example.com"],
      ["Bob Stone", "qzx-bob@example.com"],
      ["100% Real", "real@example.com"],
      ["Under_score", "us@example.com"],
      ["Bang!Name", "bang@example.com"],
      ["%Percent", "pct@example.com"],
    ];
    for (const [displayName, email] of people) {
      const reg = await s.api.register(searchApp, { displayName, email });
      ids[displayName] = reg.user.id;
      token ??= reg.accessToken;
    }
    // The twin app has a user with the same name and the same email, and a few more.
    for (const [displayName, email] of [
      ["Alice Anders", "alice@example.com"],
      ["%Percent", "p@example.com"],
      ["_Under", "u@example.com"],
    ]) {
      otherIds.push((await s.api.register(otherApp, { displayName: displayName!, email: email! })).user.id);
    }
  });

  test("without q: every user of the caller's app, none of another app", async () => {
    const res = await search({});
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.items.map((u) => u.id).sort(), Object.values(ids).sort());
    assert.equal(res.body.nextCursor, null);
    for (const u of res.body.items) assert.deepEqual(Object.keys(u).sort(), USER_KEYS);
  });

  test("same app only: the twin app's same-named, same-email user is never returned", async () => {
    for (const term of ["Alice", "Alice Anders", "alice@example.com", "a", ""]) {
      const res = await search({ q: term });
      assert.equal(res.status, 200);
      for (const u of res.body.items) assert.ok(!otherIds.includes(u.id), `q=${term} returned another app's user`);
    }
    const alice = await search({ q: "Alice" });
    assert.deepEqual(
      alice.body.items.map((u) => u.id),
      [ids["Alice Anders"]],
    );
  });

  test("prefix on the display name, case-insensitive (ASCII)", async () => {
    assert.deepEqual(names(await search({ q: "Alice" })), ["Alice Anders"]);
    assert.deepEqual(names(await search({ q: "alice" })), ["Alice Anders"]);
    assert.deepEqual(names(await search({ q: "aLiCe A" })), ["Alice Anders"]);
    assert.deepEqual(names(await search({ q: "ALI" })), ["Alice Anders", "alina Brown"]);
    assert.deepEqual(names(await search({ q: "  bob  " })), ["Bob Stone"]);
  });

  test("prefix, not infix", async () => {
    assert.deepEqual(names(await search({ q: "Anders" })), []);
    assert.deepEqual(names(await search({ q: "Stone" })), []);
    assert.deepEqual(names(await search({ q: "example.com" })), []);
  });

  // Issue 15 (email oracle): strangers are found by display name only; whole-email lookup is an
  // app setting, off by default (server/test/takeover.test.ts covers it).
  test("never on the email: a prefix or a whole address finds nobody", async () => {
    assert.deepEqual(names(await search({ q: "qzx" })), []);
    assert.deepEqual(names(await search({ q: "QZX-B" })), []);
    assert.deepEqual(names(await search({ q: "real@" })), []);
    assert.deepEqual(names(await search({ q: "alice@example.com" })), []);
  });

  test("LIKE wildcards and the escape character in q are matched literally", async () => {
    // Only the name that really starts with "%" (a wildcard "%" would match all seven users).
    assert.deepEqual(names(await search({ q: "%" })), ["%Percent"]);
    assert.deepEqual(names(await search({ q: "%p" })), ["%Percent"]);
    assert.deepEqual(names(await search({ q: "_" })), []);
    assert.deepEqual(names(await search({ q: "%a" })), []);
    assert.deepEqual(names(await search({ q: "1_0" })), []);
    assert.deepEqual(names(await search({ q: "1%" })), []);
    assert.deepEqual(names(await search({ q: "!" })), []);
    assert.deepEqual(names(await search({ q: "!%" })), []);
    assert.deepEqual(names(await search({ q: "100%" })), ["100% Real"]);
    assert.deepEqual(names(await search({ q: "Under_" })), ["Under_score"]);
    assert.deepEqual(names(await search({ q: "Under%" })), []);
    assert.deepEqual(names(await search({ q: "Bang!" })), ["Bang!Name"]);
    assert.deepEqual(names(await search({ q: "Bang!N" })), ["Bang!Name"]);
  });

  test("q longer than 100 characters is 400", async () => {
    const res = await search({ q: "a".repeat(101) });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res), "validation_failed");
  });

  describe("pagination", () => {
    let pageToken: string;
    /** The five users in the server's order: (displayName, id). */
    let expected: string[];

    before(async () => {
      const pageApp = (await s.createTenant("Paging")).id;
      const made: Array<{ name: string; id: string }> = [];
      // Three share a name, so the id tie-breaker is exercised across a page boundary.
      for (const name of ["Echo", "Same", "Alpha", "Same", "Same"]) {
        const reg = await s.api.register(pageApp, { displayName: name });
        made.push({ name, id: reg.user.id });
        pageToken ??= reg.accessToken;
      }
      made.sort((a, b) => (a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1));
      expected = made.map((m) => m.id);
    });

    const page = (params: Record<string, string | number>) => s.api.get<Page<User>>(`/users${q(params)}`, { token: pageToken });

    test("limit=2 over 5 users walks every page via nextCursor, no duplicates or gaps, ends with null", async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const res: Res<Page<User>> = await page(cursor ? { limit: 2, cursor } : { limit: 2 });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        sizes.push(res.body.items.length);
        seen.push(...res.body.items.map((u) => u.id));
        cursor = res.body.nextCursor;
        if (cursor === null) break;
        assert.equal(typeof cursor, "string");
      }
      assert.equal(cursor, null);
      assert.deepEqual(sizes, [2, 2, 1]);
      assert.equal(new Set(seen).size, seen.length, "a user appeared twice");
      assert.deepEqual(seen, expected);
    });

    test("a page that ends exactly at the last user has nextCursor null", async () => {
      const res = await page({ q: "Same", limit: 3 });
      assert.equal(res.status, 200);
      assert.equal(res.body.items.length, 3);
      assert.equal(res.body.nextCursor, null);
      const first = await page({ q: "Same", limit: 2 });
      assert.equal(first.body.items.length, 2);
      assert.ok(first.body.nextCursor);
      const second = await page({ q: "Same", limit: 2, cursor: first.body.nextCursor! });
      assert.equal(second.body.items.length, 1);
      assert.equal(second.body.nextCursor, null);
      assert.deepEqual(
        [...first.body.items, ...second.body.items].map((u) => u.id),
        res.body.items.map((u) => u.id),
      );
    });

    test("limit=1 and limit=100 are accepted; limit=0 and limit=101 are 400", async () => {
      const one = await page({ limit: 1 });
      assert.equal(one.status, 200);
      assert.equal(one.body.items.length, 1);
      const hundred = await page({ limit: LIMITS.pageSizeMax });
      assert.equal(hundred.status, 200);
      assert.equal(hundred.body.items.length, 5);
      for (const limit of [0, LIMITS.pageSizeMax + 1]) {
        const res = await page({ limit });
        assert.equal(res.status, 400, `limit=${limit}`);
        assert.equal(errorCode(res), "validation_failed");
      }
    });

    test("a bad cursor is 400", async () => {
      const b64 = (s: string): string => Buffer.from(s).toString("base64url");
      for (const cursor of ["garbage!!", b64("not json"), b64('{"x":1}'), b64('{"n":1,"i":"x"}'), b64("null"), "a".repeat(401)]) {
        const res = await page({ cursor });
        assert.equal(res.status, 400, `cursor=${cursor}`);
        assert.equal(errorCode(res), "validation_failed");
      }
    });

    // Cursors carry the display name, so the longest name after JSON escaping must still fit
    // the cursor cap: 80 backslashes (each escaped to two characters). Control characters,
    // which JSON inflates most, are refused in names altogether.
    test("paging works whatever the (valid) display name: 80 characters that JSON escapes", async () => {
      const ctrlApp = (await s.createTenant("Control chars")).id;
      const refused = await s.api.post("/auth/register", {
        app: ctrlApp,
        body: { email: "c@example.com", password: "correct horse battery", displayName: "a\u0001b" },
      });
      assert.equal(refused.status, 400, "control characters in a display name are refused");
      const name = "\\".repeat(LIMITS.displayNameMaxChars);
      const a = await s.api.register(ctrlApp, { displayName: name });
      const b = await s.api.register(ctrlApp, { displayName: name });
      const first = await s.api.get<Page<User>>(`/users${q({ limit: 1 })}`, { token: a.accessToken });
      assert.equal(first.status, 200);
      assert.equal(first.body.items[0]?.displayName, name);
      assert.ok(first.body.nextCursor);
      const second = await s.api.get<Page<User>>(`/users${q({ limit: 1, cursor: first.body.nextCursor! })}`, { token: a.accessToken });
      assert.equal(second.status, 200, `the server refused its own cursor: ${JSON.stringify(second.body)}`);
      assert.deepEqual([first.body.items[0]?.id, second.body.items[0]?.id].sort(), [a.user.id, b.user.id].sort());
      assert.equal(second.body.nextCursor, null);
    });
  });
});

describe("GET /v1/users/:id", () => {
  test("a user of the same app: 200 with the public view (no email, no appId)", async () => {
    const a = await s.api.register(app, { displayName: "Viewer" });
    const b = await s.api.register(app, { displayName: "Viewed" });
    const res = await s.api.get<User>(`/users/${b.user.id}`, { token: a.accessToken });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), USER_KEYS);
    assert.equal(res.body.id, b.user.id);
    assert.equal(res.body.displayName, "Viewed");
  });

  test("a user of another app is 404 with the same body as an id that does not exist", async () => {
    const mine = await s.api.register(app, { displayName: "Home User" });
    const elsewhere = (await s.createTenant("Elsewhere")).id;
    const stranger = await s.api.register(elsewhere, { displayName: "Stranger" });
    const cross = await s.api.get(`/users/${stranger.user.id}`, { token: mine.accessToken });
    const missing = await s.api.get("/users/usr_doesnotexist00000000", { token: mine.accessToken });
    assert.equal(cross.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(errorCode(cross), "not_found");
    assert.deepEqual(cross.body, missing.body);
    assert.deepEqual(Object.keys(cross.body.error).sort(), Object.keys(missing.body.error).sort());
    // And the stranger's own token still sees them: the 404 is about scope, not existence.
    const own = await s.api.get(`/users/${stranger.user.id}`, { token: stranger.accessToken });
    assert.equal(own.status, 200);
  });
});
