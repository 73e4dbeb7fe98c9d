import assert from "node:assert/strict";
import { ERROR_STATUS, type AuthResponse, type ErrorCode } from "@parley/sdk/protocol";

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ReqOptions {
  body?: unknown;
  /** A raw body sent as is (with `contentType`), for malformed-input tests. */
  raw?: BodyInit;
  contentType?: string;
  token?: string;
  app?: string;
  headers?: Record<string, string>;
}

/** A thin real-HTTP client for tests: JSON in, status + parsed body + headers out. */
export class ApiClient {
  constructor(readonly base: string) {}

  async req<T = any>(method: string, path: string, o: ReqOptions = {}): Promise<Res<T>> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.app) headers["X-Parley-App"] = o.app;
    if (o.token) headers["Authorization"] = `Bearer ${o.token}`;
    let body: BodyInit | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["Content-Type"] = "application/json";
    }
    if (o.contentType) headers["Content-Type"] = o.contentType;
    const res = await fetch(this.base + "/v1" + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = any>(path: string, o?: ReqOptions) => this.req<T>("GET", path, o);
  post = <T = any>(path: string, o?: ReqOptions) => this.req<T>("POST", path, o);
  patch = <T = any>(path: string, o?: ReqOptions) => this.req<T>("PATCH", path, o);
  put = <T = any>(path: string, o?: ReqOptions) => this.req<T>("PUT", path, o);
  del = <T = any>(path: string, o?: ReqOptions) => this.req<T>("DELETE", path, o);

  /** Registers a fresh user in `app` and returns the session. */
  async register(app: string, over: Partial<{ email: string; password: string; displayName: string }> = {}): Promise<AuthResponse> {
    const n = Math.random().toString(36).slice(2, 10);
    const res = await this.post<AuthResponse>("/auth/register", {
      app,
      body: { email: `user-${n}@example.com`, password: "correct horse battery", displayName: `User ${n}`, ...over },
    });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}

/** Asserts the shape every error answer must have, and returns its code. */
export function errorCode(res: Res): string {
  const e = (res.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!e || typeof e.code !== "string" || typeof e.message !== "string") {
    throw new Error(`not an error body (status ${res.status}): ${JSON.stringify(res.body)}`);
  }
  return e.code;
}

export type Expect = { status?: number | number[]; code?: ErrorCode | ErrorCode[] };

/** Every answer: a 4xx whose body is `{ error: { code, message } }` and whose code matches the status. */
export function assertClientError(res: Res, expect: Expect = {}): void {
  const shown = `${res.status} ${typeof res.body === "string" ? res.body.slice(0, 200) : JSON.stringify(res.body)?.slice(0, 300)}`;
  assert.ok(res.status >= 400 && res.status <= 499, `expected a 4xx, got ${shown}`);
  const code = errorCode(res);
  assert.equal(typeof res.body.error.message, "string");
  assert.ok(res.body.error.message.length > 0, "empty error message");
  assert.equal(ERROR_STATUS[code as ErrorCode], res.status, `code ${code} does not match status ${res.status}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  if (expect.status !== undefined) {
    const ok = ([] as number[]).concat(expect.status);
    assert.ok(ok.includes(res.status), `expected status ${ok.join(" or ")}, got ${shown}`);
  }
  if (expect.code !== undefined) {
    const ok = ([] as string[]).concat(expect.code);
    assert.ok(ok.includes(code), `expected code ${ok.join(" or ")}, got ${shown}`);
  }
}
