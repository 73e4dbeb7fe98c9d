/**
 * Table-driven bad input: for every route, missing fields, wrong types, huge strings, malformed
 * JSON, wrong content types, bad query params and bad credentials must each be answered with a
 * 4xx and the one error body, never a 500. After the whole table the stored data is unchanged.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { deflateSync, gzipSync } from "node:zlib";
import jwt from "jsonwebtoken";
import { LIMITS, type Me } from "@parley/sdk/protocol";
import { assertClientError, type Expect, type ReqOptions, type Res } from "./helpers/api.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";

let s: TestServer;
let app: string;
let appSecret: string;
let otherApp: string;
let token: string;
let refreshToken: string;
let meBefore: Me;

const EMAIL = "victim@example.com";
const PASSWORD = "correct horse battery";
const DISPLAY_NAME = "Victim";

before(async () => {
  s = await startServer();
  ({ id: app, secret: appSecret } = await s.createTenant("Bad input"));
  otherApp = (await s.createTenant("Other")).id;
  const reg = await s.api.register(app, { email: EMAIL, password: PASSWORD, displayName: DISPLAY_NAME });
  token = reg.accessToken;
  refreshToken = reg.refreshToken;
  const me = await s.api.get<Me>("/me", { token });
  assert.equal(me.status, 200);
  meBefore = me.body;
});
after(() => s?.close());

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const u8 = (b: Buffer | string): Uint8Array<ArrayBuffer> => new Uint8Array(typeof b === "string" ? Buffer.from(b) : b);

/** A valid 2x2 RGBA PNG (CRC-32 per chunk), so upload cases fail for the reason under test only. */
function makePng(): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = table[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    td.copy(out, 4);
    out.writeUInt32BE(crc32(td), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 2, 0, 0, 0, 2, 8, 6, 0, 0, 0]);
  const pixels = Buffer.from([0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255, 128]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
const PNG = makePng();

function multipart(parts: Array<{ field: string; bytes?: Buffer; filename?: string; type?: string; text?: string }>): FormData {
  const form = new FormData();
  for (const p of parts) {
    if (p.text !== undefined) form.append(p.field, p.text);
    else form.append(p.field, new Blob([u8(p.bytes ?? PNG)], { type: p.type ?? "image/png" }), p.filename ?? "a.png");
  }
  return form;
}

/** 900 KB: under the 1 MB body limit, far over every field limit. */
const BIG = "a".repeat(900 * 1024);
/** 1.1 MB: on its own over the 1 MB body limit. */
const HUGE = "a".repeat(LIMITS.jsonBodyMaxBytes + 100 * 1024);

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
/** A request of the table: the client's options, plus a path/method override and a chunked body. */
type Req = ReqOptions & { path?: string; method?: Method; chunked?: string };
type Credential = "app" | "bearer";

interface Case {
  name: string;
  /** Builds the request when it runs (tokens exist only after `before`). */
  req: () => Req;
  expect?: Expect;
}

interface Route {
  method: Method;
  path: string;
  credential: Credential;
  /** A body that is valid in shape (JSON routes): each case breaks exactly one thing. */
  body?: () => Record<string, unknown>;
  /** Fields that must be present. */
  required?: string[];
  /** Fields for which "" is a valid value (so no empty-string case is generated). */
  emptyOk?: string[];
  cases: Case[];
}

/** The credential the route needs, in working order. */
const cred = (c: Credential): ReqOptions => (c === "app" ? { app } : { token });

const WRONG_TYPES: Array<[string, (valid: unknown) => unknown]> = [
  ["a number", () => 12345],
  ["a boolean", () => true],
  ["null", () => null],
  ["an array", (v) => [v]],
  ["an object", () => ({ x: 1 })],
];

const MALFORMED_JSON: Array<[string, string | Uint8Array<ArrayBuffer>]> = [
  ["truncated", '{"email":'],
  ["a trailing comma", '{"email":"a@b.co",}'],
  ["single quotes", "{'email':'a@b.co'}"],
  ["unquoted keys", '{email:"a@b.co"}'],
  ["trailing garbage", '{"a":1}}'],
  ["NaN", '{"a":NaN}'],
  ["a lone brace", "{"],
  ["invalid UTF-8 bytes", u8(Buffer.from([0xff, 0xfe, 0x7b]))],
];

const JSON_SCALARS: Array<[string, string]> = [
  ["null", "null"],
  ["a string", '"hello"'],
  ["a number", "42"],
  ["true", "true"],
];

const WRONG_CONTENT_TYPES: Array<[string, string]> = [
  ["text/plain", "text/plain"],
  ["text/plain;charset=UTF-8", "text/plain;charset=UTF-8"],
  ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded"],
  ["application/xml", "application/xml"],
  ["application/octet-stream", "application/octet-stream"],
  ["application/jsonx", "application/jsonx"],
];

/** The cases every JSON-body route gets, generated from its valid body and required fields. */
function jsonCases(route: Omit<Route, "cases">): Case[] {
  const base = route.body!;
  const c = (name: string, o: ReqOptions, expect: Expect): Case => ({ name, req: () => ({ ...cred(route.credential), ...o }), expect });
  const cases: Case[] = [];

  cases.push(c("empty object {}", { body: {} }, { status: 400, code: "validation_failed" }));
  for (const f of route.required ?? []) {
    cases.push({
      name: `missing ${f}`,
      req: () => {
        const b = base();
        delete b[f];
        return { ...cred(route.credential), body: b };
      },
      expect: { status: 400, code: "validation_failed" },
    });
  }
  for (const f of Object.keys(base())) {
    for (const [label, make] of WRONG_TYPES) {
      cases.push({
        name: `${f} as ${label}`,
        req: () => {
          const b = base();
          return { ...cred(route.credential), body: { ...b, [f]: make(b[f]) } };
        },
        expect: { status: 400, code: "validation_failed" },
      });
    }
    if (!route.emptyOk?.includes(f)) {
      cases.push({
        name: `${f} as an empty string`,
        req: () => ({ ...cred(route.credential), body: { ...base(), [f]: "" } }),
        expect: { status: 400, code: "validation_failed" },
      });
    }
    cases.push({
      name: `${f} as a 900 KB string`,
      req: () => ({ ...cred(route.credential), body: { ...base(), [f]: BIG } }),
      expect: { status: 400, code: "validation_failed" },
    });
    cases.push({
      name: `${f} as a 1.1 MB string`,
      req: () => ({ ...cred(route.credential), body: { ...base(), [f]: HUGE } }),
      expect: { status: [400, 413], code: ["validation_failed", "payload_too_large"] },
    });
  }
  cases.push({
    name: "a body over 1 MB (padding in an unknown field)",
    req: () => ({ ...cred(route.credential), body: { ...base(), padding: HUGE } }),
    expect: { status: 413, code: "payload_too_large" },
  });
  cases.push({
    name: "a body over 1 MB sent chunked (no Content-Length)",
    req: () => ({
      ...cred(route.credential),
      contentType: "application/json",
      chunked: JSON.stringify({ ...base(), padding: HUGE }),
    }),
    expect: { status: 413, code: "payload_too_large" },
  });
  for (const [label, raw] of MALFORMED_JSON) {
    cases.push(c(`malformed JSON: ${label}`, { raw, contentType: "application/json" }, { status: 400, code: "invalid_json" }));
  }
  for (const [label, raw] of JSON_SCALARS) {
    cases.push(c(`JSON ${label} instead of an object`, { raw, contentType: "application/json" }, { status: 400, code: ["invalid_json", "validation_failed"] }));
  }
  cases.push(c("a JSON array instead of an object: []", { raw: "[]", contentType: "application/json" }, { status: 400, code: "validation_failed" }));
  cases.push({
    name: "a JSON array wrapping the valid body",
    req: () => ({ ...cred(route.credential), raw: JSON.stringify([base()]), contentType: "application/json" }),
    expect: { status: 400, code: "validation_failed" },
  });
  cases.push(
    c("deeply nested JSON arrays (100k levels)", { raw: "[".repeat(100_000) + "]".repeat(100_000), contentType: "application/json" }, { status: 400 }),
  );
  cases.push({
    name: "a __proto__ key (prototype poisoning)",
    req: () => ({ ...cred(route.credential), raw: JSON.stringify(base()).replace(/^\{/, '{"__proto__":{"isAdmin":true},'), contentType: "application/json" }),
    expect: { status: 400 },
  });
  cases.push(c("an empty body with Content-Type application/json", { raw: "", contentType: "application/json" }, { status: 400, code: "validation_failed" }));
  for (const [label, type] of WRONG_CONTENT_TYPES) {
    cases.push({
      name: `Content-Type ${label} with a JSON-looking body`,
      req: () => ({ ...cred(route.credential), raw: JSON.stringify(base()), contentType: type }),
      expect: { status: 415, code: "unsupported_media_type" },
    });
  }
  cases.push({
    name: "no Content-Type with a JSON-looking body",
    req: () => ({ ...cred(route.credential), raw: u8(JSON.stringify(base())) }),
    expect: { status: 415, code: "unsupported_media_type" },
  });
  cases.push({
    name: "multipart/form-data instead of JSON",
    req: () => ({ ...cred(route.credential), raw: formOf(base()) }),
    expect: { status: [400, 415] },
  });
  // Compressed bodies: koa-body (co-body -> inflation) honours Content-Encoding gzip/deflate/br.
  // A body that fails to inflate must be a 4xx (zlib errors carry no HTTP status of their own).
  for (const enc of ["gzip", "deflate", "br"]) {
    cases.push({
      name: `Content-Encoding ${enc} with bytes that are not ${enc}`,
      req: () => ({ ...cred(route.credential), raw: JSON.stringify(base()), contentType: "application/json", headers: { "Content-Encoding": enc } }),
      expect: { status: [400, 415] },
    });
  }
  cases.push(
    c(
      "Content-Encoding compress (unsupported)",
      { raw: "{}", contentType: "application/json", headers: { "Content-Encoding": "compress" } },
      { status: 415, code: "unsupported_media_type" },
    ),
  );
  cases.push({
    name: "a gzip bomb (5 MB once inflated)",
    req: () => ({
      ...cred(route.credential),
      raw: u8(gzipSync(JSON.stringify({ ...base(), padding: "a".repeat(5 * 1024 * 1024) }))),
      contentType: "application/json",
      headers: { "Content-Encoding": "gzip" },
    }),
    expect: { status: 413, code: "payload_too_large" },
  });
  return cases;
}

/** A body that fetch sends with Transfer-Encoding: chunked (a stream has no known length). */
function chunkedBody(text: string): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(new Uint8Array(bytes.subarray(at, at + 64 * 1024)));
      at += 64 * 1024;
    },
  });
}

function formOf(body: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(body)) form.append(k, String(v));
  return form;
}

/** Missing, unknown and oversized app ids for the pre-sign-in routes. */
function appCases(route: Omit<Route, "cases">): Case[] {
  const body = route.body!;
  return [
    { name: "no X-Parley-App header", req: () => ({ body: body() }), expect: { status: 400, code: "validation_failed" } },
    { name: "an unknown app id", req: () => ({ app: "app_doesnotexist0000", body: body() }), expect: { status: 404, code: "not_found" } },
    { name: "an app id of 1000 characters", req: () => ({ app: "a".repeat(1000), body: body() }), expect: { status: 404, code: "not_found" } },
    { name: "an app id with SQL in it", req: () => ({ app: "' OR '1'='1", body: body() }), expect: { status: 404, code: "not_found" } },
    {
      name: "an unknown app id in ?appId=",
      req: () => ({ path: `${route.path}?appId=app_doesnotexist0000`, body: body() }),
      expect: { status: 404, code: "not_found" },
    },
  ];
}

/** Bad credentials for the signed-in routes; the request is otherwise valid. */
function bearerCases(request: () => Req): Case[] {
  const sign = (payload: object, secret = TEST_JWT_SECRET, opts: jwt.SignOptions = {}): string =>
    jwt.sign(payload, secret, { algorithm: "HS256", issuer: "parley", audience: "parley:access", expiresIn: 600, ...opts });
  const withAuth =
    (authorization: string | undefined): (() => Req) =>
    () => {
      const r = request();
      return { ...r, headers: { ...r.headers, ...(authorization === undefined ? {} : { Authorization: authorization }) } };
    };
  const unauth: Expect = { status: 401, code: ["unauthenticated", "invalid_token"] };
  return [
    { name: "no Authorization header", req: withAuth(undefined), expect: { status: 401, code: "unauthenticated" } },
    { name: "a garbage bearer token", req: withAuth("Bearer garbage"), expect: { status: 401, code: "invalid_token" } },
    { name: "an empty bearer token", req: withAuth("Bearer "), expect: unauth },
    { name: "Basic auth instead of Bearer", req: withAuth("Basic dXNlcjpwYXNz"), expect: unauth },
    { name: "the token without the Bearer scheme", req: () => ({ ...request(), headers: { Authorization: token } }), expect: unauth },
    { name: "a 10 KB bearer token", req: withAuth(`Bearer ${"x".repeat(10_000)}`), expect: { status: 401, code: "invalid_token" } },
    {
      name: "the refresh token used as the bearer",
      req: () => ({ ...request(), headers: { Authorization: `Bearer ${refreshToken}` } }),
      expect: { status: 401, code: "invalid_token" },
    },
    {
      name: "a token signed with another secret",
      req: () => ({
        ...request(),
        headers: { Authorization: `Bearer ${sign({ app, sid: "ses_x" }, "another-secret-that-is-long-enough-0123456789", { subject: meBefore.id })}` },
      }),
      expect: { status: 401, code: "invalid_token" },
    },
    {
      name: "an alg:none token",
      req: () => {
        const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
        const t = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: meBefore.id, app, sid: "ses_x", iss: "parley", aud: "parley:access", exp: Math.floor(Date.now() / 1000) + 600 })}.`;
        return { ...request(), headers: { Authorization: `Bearer ${t}` } };
      },
      expect: { status: 401, code: "invalid_token" },
    },
    {
      name: "an expired token",
      req: () => ({
        ...request(),
        headers: { Authorization: `Bearer ${sign({ app, sid: "ses_x" }, TEST_JWT_SECRET, { subject: meBefore.id, expiresIn: -60 })}` },
      }),
      expect: { status: 401, code: "token_expired" },
    },
    {
      name: "a token for an app that does not exist",
      req: () => ({
        ...request(),
        headers: { Authorization: `Bearer ${sign({ app: "app_doesnotexist0000", sid: "ses_x" }, TEST_JWT_SECRET, { subject: meBefore.id })}` },
      }),
      expect: { status: 401, code: "invalid_token" },
    },
    {
      name: "a token with the wrong audience",
      req: () => ({
        ...request(),
        headers: { Authorization: `Bearer ${sign({ app, sid: "ses_x" }, TEST_JWT_SECRET, { subject: meBefore.id, audience: "someone-else" })}` },
      }),
      expect: { status: 401, code: "invalid_token" },
    },
    {
      name: "a valid token naming another app in X-Parley-App",
      req: () => ({ ...request(), token, app: otherApp }),
      expect: { status: 401, code: "invalid_token" },
    },
  ];
}

/** An HS256 JWT signed by hand, so claims jsonwebtoken would refuse to sign can be sent too. */
function hs256(claims: Record<string, unknown>, secret: string): string {
  const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/** Host tokens correctly signed with the app's secret whose claims are wrong: 401, never 500. */
function hostClaimCases(): Case[] {
  const exp = (): number => Math.floor(Date.now() / 1000) + 600;
  const signed = (name: string, claims: () => Record<string, unknown>, secret?: () => string): Case => ({
    name: `host token: ${name}`,
    req: () => ({ app, body: { token: hs256(claims(), secret ? secret() : appSecret) } }),
    expect: { status: 401, code: "invalid_token" },
  });
  return [
    signed("no exp", () => ({ sub: "host-1", name: "Host User" })),
    signed("exp as a string", () => ({ sub: "host-1", name: "Host User", exp: "tomorrow" })),
    signed("expired", () => ({ sub: "host-1", name: "Host User", exp: Math.floor(Date.now() / 1000) - 60 })),
    signed("no sub", () => ({ name: "Host User", exp: exp() })),
    signed("sub as a number", () => ({ sub: 42, name: "Host User", exp: exp() })),
    signed("sub of only spaces", () => ({ sub: "   ", name: "Host User", exp: exp() })),
    signed("sub of 192 characters", () => ({ sub: "s".repeat(192), name: "Host User", exp: exp() })),
    signed("no name", () => ({ sub: "host-1", exp: exp() })),
    signed("name as an object", () => ({ sub: "host-1", name: { first: "Host" }, exp: exp() })),
    signed(`name of ${LIMITS.displayNameMaxChars + 1} characters`, () => ({ sub: "host-1", name: "n".repeat(LIMITS.displayNameMaxChars + 1), exp: exp() })),
    signed("avatarUrl with javascript:", () => ({ sub: "host-1", name: "Host User", avatarUrl: "javascript:alert(1)", exp: exp() })),
    signed("avatarUrl that is not a URL", () => ({ sub: "host-1", name: "Host User", avatarUrl: "not a url", exp: exp() })),
    signed("avatarUrl as a number", () => ({ sub: "host-1", name: "Host User", avatarUrl: 7, exp: exp() })),
    signed(
      "signed with another app's secret",
      () => ({ sub: "host-1", name: "Host User", exp: exp() }),
      () => "sk_" + "z".repeat(43),
    ),
    {
      name: "host token: a Parley access token instead",
      req: () => ({ app, body: { token } }),
      expect: { status: 401, code: "invalid_token" },
    },
  ];
}

const GOOD_LOGIN = (): Record<string, unknown> => ({ email: EMAIL, password: PASSWORD });

const ROUTES: Route[] = [];
function route(r: Omit<Route, "cases">, extra: (r: Omit<Route, "cases">) => Case[]): void {
  ROUTES.push({ ...r, cases: extra(r) });
}

// Pre-sign-in routes: every body here is one fix away from working against the stored account,
// so a case that slipped through would show up as a 2xx (and in the final unchanged-data check).
route(
  {
    method: "POST",
    path: "/auth/register",
    credential: "app",
    body: () => ({ email: "fresh@example.com", password: PASSWORD, displayName: "Fresh" }),
    required: ["email", "password", "displayName"],
  },
  (r) => [...jsonCases(r), ...appCases(r)],
);
route({ method: "POST", path: "/auth/login", credential: "app", body: GOOD_LOGIN, required: ["email", "password"] }, (r) => [...jsonCases(r), ...appCases(r)]);
route({ method: "POST", path: "/auth/host-token", credential: "app", body: () => ({ token: "eyJhbGciOiJIUzI1NiJ9.e30.x" }), required: ["token"] }, (r) => [
  ...jsonCases(r),
  ...appCases(r),
  ...hostClaimCases(),
]);
route({ method: "POST", path: "/auth/refresh", credential: "app", body: () => ({ refreshToken }), required: ["refreshToken"] }, (r) => [
  ...jsonCases(r),
  ...appCases(r),
]);
route({ method: "POST", path: "/auth/logout", credential: "app", body: () => ({ refreshToken }), required: ["refreshToken"] }, (r) => [
  ...jsonCases(r),
  ...appCases(r),
]);

route({ method: "GET", path: "/me", credential: "bearer" }, () => bearerCases(() => ({})));

route(
  // Both fields are optional, but at least one is needed: no "missing field" cases (each alone is valid).
  { method: "PATCH", path: "/me", credential: "bearer", body: () => ({ displayName: "Renamed", bio: "Changed bio" }), required: [], emptyOk: ["bio"] },
  (r) => [
    ...jsonCases(r),
    ...bearerCases(() => ({ body: r.body!() })),
    {
      name: "only unknown fields",
      req: () => ({ token, body: { email: "new@example.com", appId: otherApp } }),
      expect: { status: 400, code: "validation_failed" },
    },
    { name: "displayName of only spaces", req: () => ({ token, body: { displayName: "    " } }), expect: { status: 400, code: "validation_failed" } },
    {
      name: `displayName of ${LIMITS.displayNameMaxChars + 1} characters`,
      req: () => ({ token, body: { displayName: "n".repeat(LIMITS.displayNameMaxChars + 1) } }),
      expect: { status: 400, code: "validation_failed" },
    },
    {
      name: `bio of ${LIMITS.bioMaxChars + 1} characters`,
      req: () => ({ token, body: { bio: "b".repeat(LIMITS.bioMaxChars + 1) } }),
      expect: { status: 400, code: "validation_failed" },
    },
  ],
);

route({ method: "PUT", path: "/me/avatar", credential: "bearer" }, () => [
  ...bearerCases(() => ({ raw: multipart([{ field: "file" }]) })),
  { name: "a JSON body", req: () => ({ token, body: { file: PNG.toString("base64") } }), expect: { status: 415, code: "unsupported_media_type" } },
  { name: "malformed JSON", req: () => ({ token, raw: '{"file":', contentType: "application/json" }), expect: { status: 400, code: "invalid_json" } },
  { name: "a text/plain body", req: () => ({ token, raw: "hello", contentType: "text/plain" }), expect: { status: 415, code: "unsupported_media_type" } },
  { name: "the raw PNG as image/png", req: () => ({ token, raw: u8(PNG), contentType: "image/png" }), expect: { status: 415, code: "unsupported_media_type" } },
  { name: "no body at all", req: () => ({ token }), expect: { status: 415, code: "unsupported_media_type" } },
  {
    name: "multipart/mixed",
    req: () => ({ token, raw: "--x\r\n\r\n--x--\r\n", contentType: "multipart/mixed; boundary=x" }),
    expect: { status: 415, code: "unsupported_media_type" },
  },
  {
    name: "multipart/form-data without a boundary",
    req: () => ({ token, raw: "--x\r\n\r\n--x--\r\n", contentType: "multipart/form-data" }),
    expect: { status: 400, code: "validation_failed" },
  },
  {
    name: "multipart with a boundary that never appears",
    req: () => ({ token, raw: "garbage without any boundary", contentType: "multipart/form-data; boundary=nope" }),
    expect: { status: 400, code: "validation_failed" },
  },
  {
    name: "multipart cut off in the middle of the file",
    req: () => ({
      token,
      raw: u8(
        Buffer.concat([
          Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'),
          PNG.subarray(0, 20),
        ]),
      ),
      contentType: "multipart/form-data; boundary=b",
    }),
    expect: { status: 400, code: "validation_failed" },
  },
  {
    name: "multipart with the file under another field name",
    req: () => ({ token, raw: multipart([{ field: "avatar" }]) }),
    expect: { status: 400, code: "validation_failed" },
  },
  {
    name: "multipart with `file` as a text field",
    req: () => ({ token, raw: multipart([{ field: "file", text: "not a file" }]) }),
    expect: { status: 400, code: "validation_failed" },
  },
  {
    name: "multipart with two files",
    req: () => ({ token, raw: multipart([{ field: "file" }, { field: "file", filename: "b.png" }]) }),
    expect: { status: 400, code: "validation_failed" },
  },
  {
    name: "multipart with an empty file",
    req: () => ({ token, raw: multipart([{ field: "file", bytes: Buffer.alloc(0) }]) }),
    expect: { status: 400, code: "validation_failed" },
  },
  {
    name: "multipart with an HTML file named .png",
    req: () => ({ token, raw: multipart([{ field: "file", bytes: Buffer.from("<html><script>alert(1)</script></html>"), filename: "evil.png" }]) }),
    expect: { status: 415, code: "unsupported_media_type" },
  },
  {
    name: "multipart with a filename that traverses",
    req: () => ({ token, raw: multipart([{ field: "file", bytes: Buffer.from("<svg/>"), filename: "../../../etc/passwd" }]) }),
    expect: { status: 415, code: "unsupported_media_type" },
  },
  {
    name: "multipart with a 6 MB file",
    req: () => ({ token, raw: multipart([{ field: "file", bytes: Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]) }]) }),
    expect: { status: 413, code: "payload_too_large" },
  },
]);

route({ method: "GET", path: "/users", credential: "bearer" }, () => {
  const b64 = (x: string): string => Buffer.from(x).toString("base64url");
  const query = (name: string, qs: string): Case => ({
    name,
    req: () => ({ token, path: `/users?${qs}` }),
    expect: { status: 400, code: "validation_failed" },
  });
  return [
    ...bearerCases(() => ({})),
    query("limit=0", "limit=0"),
    query(`limit=${LIMITS.pageSizeMax + 1}`, `limit=${LIMITS.pageSizeMax + 1}`),
    query("limit=-1", "limit=-1"),
    query("limit=abc", "limit=abc"),
    query("limit=1.5", "limit=1.5"),
    query("limit empty", "limit="),
    query("limit=1e9", "limit=1e9"),
    query("limit=Infinity", "limit=Infinity"),
    query("limit given twice", "limit=1&limit=2"),
    query("limit of only a space", "limit=%20"),
    query("q of 101 characters", `q=${"a".repeat(101)}`),
    query("q of 8 KB", `q=${"a".repeat(8 * 1024)}`),
    query("q given twice", "q=a&q=b"),
    query("cursor that is not base64 JSON", "cursor=garbage!!"),
    query("cursor of base64 non-JSON", `cursor=${b64("not json")}`),
    query("cursor of base64 JSON null", `cursor=${b64("null")}`),
    query("cursor of base64 JSON array", `cursor=${b64("[]")}`),
    query("cursor with the wrong fields", `cursor=${b64('{"x":1}')}`),
    query("cursor with wrong field types", `cursor=${b64('{"n":1,"i":2}')}`),
    query("cursor of 401 characters", `cursor=${"a".repeat(401)}`),
    query("cursor given twice", `cursor=${b64('{"n":"a","i":"b"}')}&cursor=x`),
    query("cursor with a percent-encoded NUL", "cursor=%00"),
  ];
});

route({ method: "GET", path: "/users/:id", credential: "bearer" }, () => {
  const path = (name: string, p: string, expect: Expect): Case => ({ name, req: () => ({ token, path: p }), expect });
  return [
    ...bearerCases(() => ({ path: `/users/${meBefore.id}` })),
    path("an id of 65 characters", `/users/${"u".repeat(65)}`, { status: 400, code: "validation_failed" }),
    path("an id of 2000 characters", `/users/${"u".repeat(2000)}`, { status: 400, code: "validation_failed" }),
    path("an id of 40 characters", `/users/${"u".repeat(40)}`, { status: 404, code: "not_found" }),
    path("an id that does not exist", "/users/usr_doesnotexist00000000", { status: 404, code: "not_found" }),
    path("an id with a NUL", "/users/%00", { status: 404, code: "not_found" }),
    path("an id with broken percent-encoding", "/users/%E0%A4%A", { status: 404, code: "not_found" }),
    path("an id with SQL in it", `/users/${encodeURIComponent("' OR '1'='1")}`, { status: 404, code: "not_found" }),
    path("an id with LIKE wildcards", "/users/usr_%25", { status: 404, code: "not_found" }),
    path("an encoded path traversal", "/users/..%2Fme", { status: 404, code: "not_found" }),
  ];
});

/** Methods and paths that are not routes at all. */
const STRAY: Case[] = [
  // DELETE /me deletes the account (issue 17): without the password it is refused, and nothing changes.
  { name: "DELETE /me without the password", req: () => ({ method: "DELETE", path: "/me", token }), expect: { status: 400, code: "validation_failed" } },
  { name: "POST /me", req: () => ({ method: "POST", path: "/me", token, body: {} }), expect: { status: 405, code: "method_not_allowed" } },
  { name: "PUT /me", req: () => ({ method: "PUT", path: "/me", token, body: { displayName: "Put" } }), expect: { status: 405, code: "method_not_allowed" } },
  { name: "POST /users", req: () => ({ method: "POST", path: "/users", token, body: {} }), expect: { status: 405, code: "method_not_allowed" } },
  { name: "GET /auth/login", req: () => ({ method: "GET", path: "/auth/login", app }), expect: { status: 405, code: "method_not_allowed" } },
  { name: "DELETE /users/:id", req: () => ({ method: "DELETE", path: `/users/${meBefore.id}`, token }), expect: { status: 405, code: "method_not_allowed" } },
  { name: "GET /nope", req: () => ({ method: "GET", path: "/nope", token }), expect: { status: 404, code: "not_found" } },
  { name: "POST /auth/nope", req: () => ({ method: "POST", path: "/auth/nope", app, body: {} }), expect: { status: 404, code: "not_found" } },
];

// ---------------------------------------------------------------------------------------------
// Run it: one test per case, grouped by route
// ---------------------------------------------------------------------------------------------

async function send(r: Route | undefined, c: Case): Promise<Res> {
  const { path: p, method: m, chunked, ...opts } = c.req();
  const target = p ?? r?.path ?? "/";
  const method = m ?? r?.method ?? "GET";
  if (chunked === undefined) return s.api.req(method, target, opts);
  // The test client cannot stream (fetch needs `duplex`), so this one goes by hand.
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.app) headers["X-Parley-App"] = opts.app;
  if (opts.token) headers["Authorization"] = `Bearer ${opts.token}`;
  if (opts.contentType) headers["Content-Type"] = opts.contentType;
  const res = await fetch(`${s.url}/v1${target}`, { method, headers, body: chunkedBody(chunked), duplex: "half" } as RequestInit & { duplex: "half" });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the failure message
  }
  return { status: res.status, body, headers: res.headers };
}

for (const r of ROUTES) {
  describe(`${r.method} /v1${r.path}`, () => {
    for (const c of r.cases) {
      test(c.name, async () => assertClientError(await send(r, c), c.expect));
    }
  });
}

describe("stray methods and paths", () => {
  for (const c of STRAY) test(c.name, async () => assertClientError(await send(undefined, c), c.expect));
});

describe("after the whole table", () => {
  test("the table covers every auth and profile route, each with many cases", () => {
    assert.deepEqual(
      ROUTES.map((r) => `${r.method} ${r.path}`),
      [
        "POST /auth/register",
        "POST /auth/login",
        "POST /auth/host-token",
        "POST /auth/refresh",
        "POST /auth/logout",
        "GET /me",
        "PATCH /me",
        "PUT /me/avatar",
        "GET /users",
        "GET /users/:id",
      ],
    );
    for (const r of ROUTES) assert.ok(r.cases.length >= 10, `${r.method} ${r.path} has only ${r.cases.length} cases`);
  });

  test("the stored profile is unchanged", async () => {
    const me = await s.api.get<Me>("/me", { token });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, meBefore);
  });

  test("login with the original password still works, and the session's refresh token is still valid", async () => {
    const login = await s.api.post("/auth/login", { app, body: { email: EMAIL, password: PASSWORD } });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.user.id, meBefore.id);
    const refreshed = await s.api.post("/auth/refresh", { app, body: { refreshToken } });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  });

  test("no account was created by any case", async () => {
    const list = await s.api.get("/users?limit=100", { token });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((u: { id: string }) => u.id),
      [meBefore.id],
    );
    const fresh = await s.api.post("/auth/login", { app, body: { email: "fresh@example.com", password: PASSWORD } });
    assert.equal(fresh.status, 401);
  });

  test("no upload left a temp file behind, and no avatar was stored", async () => {
    assert.deepEqual(await readdir(path.join(s.dataDir, "uploads", "tmp")), []);
    assert.deepEqual(await readdir(path.join(s.dataDir, "uploads", "avatars")), []);
  });
});
