/**
 * The machinery of the bad-input tables (server-api, moderation and threads): a table is a list
 * of routes, each with the cases it is sent; every case must come back as a 4xx with the one error
 * body whose code matches its status (`assertClientError`), never a 5xx.
 */
import { describe, test } from "node:test";
import type { AuthResponse } from "@parley/sdk/protocol";
import { type ApiClient, assertClientError, type Expect, type Res } from "./api.js";
import type { TestServer } from "./harness.js";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One bad request. `As` names the callers a table knows (its `send` maps them to credentials). */
export interface Case<As extends string = string> {
  name: string;
  body?: unknown;
  /** A raw body sent as is, with `contentType` (default JSON). */
  raw?: string;
  contentType?: string;
  /** Instead of the route's path (placeholders are still filled). */
  path?: string;
  query?: string;
  /** Who sends it; default: the table's own caller. */
  as?: As;
  /** Sent over the caller's headers (e.g. a different Authorization). */
  headers?: Record<string, string>;
  expect?: Expect;
}

export interface Route<As extends string = string> {
  method: Method;
  /** With placeholders (`:c`, `:m`, …) each table fills from its fixtures. */
  path: string;
  cases: Case<As>[];
}

/** Hostile strings: markup, SQL, a path, control characters and an oversized one (last). */
export const HOSTILE = ["<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "\u0000", "%00", "a".repeat(100_000)];

const BODY_METHODS: readonly Method[] = ["POST", "PUT", "PATCH"];
export const hasBody = (m: Method): boolean => BODY_METHODS.includes(m);

/** A body's framing gone wrong, for routes whose method is one of `withBody`: not JSON, or JSON but not an object. */
export function framingCases(method: Method, withBody: readonly Method[] = BODY_METHODS): Case<never>[] {
  if (!withBody.includes(method)) return [];
  return [
    { name: "malformed JSON", raw: "{not json", contentType: "application/json", expect: { status: 400 } },
    { name: "a JSON array", raw: "[]", contentType: "application/json", expect: { status: 400 } },
    { name: "a JSON string", raw: '"x"', contentType: "application/json", expect: { status: 400 } },
    { name: "not JSON", raw: "a=b", contentType: "application/x-www-form-urlencoded", expect: { status: 415 } },
  ];
}

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

/** Bad server-key credentials (`as: "none"` sends none); the table's own key is the default. */
export const serverKeyCases = (): Case<"none">[] => [
  { name: "no credentials", as: "none", expect: { status: 401 } },
  { name: "a wrong secret", headers: { Authorization: basic("key_x", "nope") }, expect: { status: 401 } },
  { name: "a bearer token instead of a key", headers: { Authorization: "Bearer abc.def.ghi" }, expect: { status: 401 } },
  { name: "basic without a colon", headers: { Authorization: `Basic ${Buffer.from("justakey").toString("base64")}` }, expect: { status: 401 } },
  { name: "from a browser (Origin)", headers: { Origin: "https://site.example" }, expect: { status: 403 } },
];

/** Bad conversation (`:c`) and message (`:m`) ids in the path, for routes that have them. */
export function pathIdCases(path: string): Case<never>[] {
  const out: Case<never>[] = [];
  if (path.includes(":c")) {
    out.push(
      { name: "an unknown conversation", path: path.replace(":c", "cnv_missing00000000000000"), expect: { status: [400, 404] } },
      { name: "an over-long conversation id", path: path.replace(":c", "c".repeat(300)), expect: { status: [400, 404] } },
      { name: "a hostile conversation id", path: path.replace(":c", encodeURIComponent("' OR 1=1 --")), expect: { status: [400, 404] } },
    );
  }
  if (path.includes(":m")) {
    out.push(
      { name: "an unknown message", path: path.replace(":m", "999999999"), expect: { status: [400, 404] } },
      { name: "a non-numeric message id", path: path.replace(":m", "abc"), expect: { status: [400, 404] } },
      { name: "a huge message id", path: path.replace(":m", "9".repeat(40)), expect: { status: [400, 404] } },
    );
  }
  return out;
}

/** A caller's credentials: a bearer token and/or headers. */
export interface Auth {
  token?: string;
  headers?: Record<string, string>;
}

/** Sends case `c` to `path` (filled, without the query) as `auth`, with `body` (the case's, filled; or none) or its raw body. */
export function sendCase(api: ApiClient, method: Method, path: string, auth: Auth, c: Case, body: unknown): Promise<Res> {
  return api.req(method, path + (c.query ? `?${c.query}` : ""), {
    headers: { ...auth.headers, ...c.headers },
    ...(auth.token ? { token: auth.token } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(c.raw !== undefined ? { raw: c.raw, contentType: c.contentType ?? "application/json" } : {}),
  });
}

/** One `describe` per route (titled `METHOD prefix+path`), one test per case. */
export function runTable<R extends Route<any>>(routes: R[], send: (r: R, c: R["cases"][number]) => Promise<Res>, prefix = ""): void {
  for (const r of routes) {
    describe(`${r.method} ${prefix}${r.path}`, () => {
      for (const c of r.cases) test(c.name, async () => assertClientError(await send(r, c), c.expect));
    });
  }
}

/** Creates `sub` in `app` with the server key `auth` and signs them in with a host token. */
export async function signIn(s: TestServer, auth: string, app: string, sub: string): Promise<AuthResponse> {
  await s.api.post("/server/users", { headers: { Authorization: auth }, body: { sub, name: sub } });
  const tok = await s.api.post("/server/tokens", { headers: { Authorization: auth }, body: { sub } });
  return (await s.api.post<AuthResponse>("/auth/host-token", { app, body: { token: tok.body.hostToken } })).body;
}
