import { ChatError } from "./errors.js";
import { APP_HEADER, type ErrorBody } from "./protocol/index.js";
import { notSignedIn, signedOut, type SessionManager } from "./session.js";

export interface RequestOptions {
  body?: unknown;
  /** Sent as multipart instead of JSON. */
  form?: FormData;
  /** False for calls made before sign-in. */
  auth?: boolean;
  signal?: AbortSignal;
  /** Upload progress 0..1 of a `form` body (browsers: per chunk, via XMLHttpRequest). */
  onProgress?: ((fraction: number) => void) | undefined;
}

/** A query string of the fields that are set (not undefined or empty). */
export const query = (fields: object): URLSearchParams =>
  new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined && v !== "") as [string, string][]);

export type FetchLike = typeof fetch;

export interface HttpOptions {
  /** How long one attempt of a call may take, answer body included (ms); then a `timeout` error. */
  timeoutMs?: number;
  /** The same for uploads (multipart bodies), which may be large. */
  uploadTimeoutMs?: number;
  /** How many times a `429` or `503` is tried again. */
  maxRetries?: number;
  /** The longest `Retry-After` waited for; a longer one fails at once (the error carries it). */
  maxRetryAfterMs?: number;
}

export const DEFAULT_HTTP_OPTIONS: Required<HttpOptions> = { timeoutMs: 15_000, uploadTimeoutMs: 300_000, maxRetries: 3, maxRetryAfterMs: 30_000 };

/** Statuses that mean "not done, try the same again later": rate limited, temporarily unavailable. */
const RETRY_STATUSES = [429, 503];

interface Answer {
  status: number;
  text: string;
  retryAfter: string | null;
}

/**
 * REST over fetch: JSON in and out, the app header on every call, the bearer token when signed
 * in, and one transparent refresh-and-retry when the access token has expired (a refused
 * refresh ends the session: see SessionManager). Every attempt has a timeout; `429` and `503`
 * are tried again after the server's `Retry-After` (or a backoff).
 */
export class HttpClient {
  private readonly opts: Required<HttpOptions>;

  constructor(
    readonly server: string,
    private readonly appId: string,
    private readonly session: SessionManager,
    private readonly fetchImpl: FetchLike,
    options: HttpOptions = {},
  ) {
    this.opts = { ...DEFAULT_HTTP_OPTIONS, ...options };
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.authed<T>(method, path, opts);
      } catch (err) {
        const wait = this.retryDelay(err, attempt);
        if (wait === undefined) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** How long to wait before trying a refused call again, or undefined to give up. */
  private retryDelay(err: unknown, attempt: number): number | undefined {
    if (!(err instanceof ChatError) || !RETRY_STATUSES.includes(err.status ?? 0) || attempt >= this.opts.maxRetries) return undefined;
    const wait = err.retryAfterMs ?? 250 * 2 ** attempt * (1 + Math.random());
    return wait <= this.opts.maxRetryAfterMs ? wait : undefined;
  }

  private async authed<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const auth = opts.auth ?? true;
    const used = this.session.current?.accessToken;
    try {
      return await this.once<T>(method, path, opts, auth);
    } catch (err) {
      if (!auth || !(err instanceof ChatError) || err.code !== "token_expired") throw err;
      await this.session.refresh(used);
      return this.once<T>(method, path, opts, auth);
    }
  }

  /** GETs a protected file (e.g. an attachment for an <img>) with the bearer token. */
  async blob(path: string): Promise<Blob> {
    const used = this.session.current?.accessToken;
    const attempt = async (): Promise<Blob | number> => {
      const s = this.session.current;
      if (!s) throw notSignedIn();
      return this.timed(this.opts.timeoutMs, undefined, async (signal) => {
        const res = await this.fetchImpl(this.url(path), { headers: { [APP_HEADER]: this.appId, Authorization: `Bearer ${s.accessToken}` }, signal });
        return res.ok ? res.blob() : res.status;
      });
    };
    let res = await attempt();
    if (res === 401) {
      await this.session.refresh(used);
      res = await attempt();
    }
    if (typeof res === "number") throw new ChatError(res === 404 ? "not_found" : "internal", `HTTP ${res}`, { status: res });
    return res;
  }

  url(path: string): string {
    return `${this.server}/v1${path}`;
  }

  private async once<T>(method: string, path: string, opts: RequestOptions, auth: boolean): Promise<T> {
    const headers: Record<string, string> = { [APP_HEADER]: this.appId };
    const s = this.session.current;
    if (auth) {
      if (!s) throw notSignedIn();
      headers["Authorization"] = `Bearer ${s.accessToken}`;
    }
    let body: BodyInit | undefined;
    if (opts.form) body = opts.form;
    else if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    const ms = opts.form ? this.opts.uploadTimeoutMs : this.opts.timeoutMs;
    const { status, text, retryAfter } = await this.timed(ms, opts.signal, async (signal): Promise<Answer> => {
      if (opts.onProgress && opts.form && typeof XMLHttpRequest !== "undefined")
        return xhr(method, this.url(path), headers, opts.form, opts.onProgress, signal);
      const res = await this.fetchImpl(this.url(path), { method, headers, body, signal });
      return { status: res.status, text: await res.text(), retryAfter: res.headers.get("Retry-After") };
    });
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    // The session ended while this call was out: its answer belongs to no one here now.
    if (auth && this.session.current?.user.id !== s?.user.id) throw signedOut();
    if (status < 200 || status >= 300) {
      const e = (data as ErrorBody | undefined)?.error;
      const retryAfterMs = parseRetryAfter(retryAfter);
      if (e && typeof e.code === "string") throw ChatError.fromBody(e, status, retryAfterMs);
      throw new ChatError(
        status === 503 ? "service_unavailable" : status === 429 ? "rate_limited" : status >= 500 ? "internal" : "validation_failed",
        `HTTP ${status}`,
        { status, retryAfterMs },
      );
    }
    return data as T;
  }

  /** Runs one network exchange with a deadline; failures become `timeout` or `network_error`. */
  private async timed<R>(ms: number, outer: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const ctl = new AbortController();
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      ctl.abort();
    }, ms);
    const cancel = (): void => ctl.abort();
    outer?.addEventListener("abort", cancel);
    try {
      return await run(ctl.signal);
    } catch (err) {
      if (late) throw new ChatError("timeout", `No answer within ${ms} ms`);
      throw new ChatError("network_error", `Unreachable: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener("abort", cancel);
    }
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const ms = /^\d+$/.test(v.trim()) ? Number(v) * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/** fetch cannot report upload progress; XMLHttpRequest can. */
function xhr(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: FormData,
  onProgress: (f: number) => void,
  signal: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = new XMLHttpRequest();
    req.open(method, url);
    for (const [k, v] of Object.entries(headers)) req.setRequestHeader(k, v);
    req.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    req.onload = () => resolve({ status: req.status, text: req.responseText, retryAfter: req.getResponseHeader("Retry-After") });
    req.onerror = req.onabort = () => reject(new Error("network error"));
    signal.addEventListener("abort", () => req.abort());
    req.send(body);
  });
}
