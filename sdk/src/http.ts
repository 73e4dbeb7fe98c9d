import { ChatError } from "./errors.js";
import { APP_HEADER, type ErrorBody } from "./protocol.js";
import type { SessionManager } from "./session.js";

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

export type FetchLike = typeof fetch;

/**
 * REST over fetch: JSON in and out, the app header on every call, the bearer token when signed
 * in, and one transparent refresh-and-retry when the access token has expired.
 */
export class HttpClient {
  constructor(
    readonly server: string,
    private readonly appId: string,
    private readonly session: SessionManager,
    private readonly fetchImpl: FetchLike,
  ) {}

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const auth = opts.auth ?? true;
    try {
      return await this.once<T>(method, path, opts, auth);
    } catch (err) {
      if (!auth || !(err instanceof ChatError) || err.code !== "token_expired") throw err;
      await this.refreshOrEnd();
      return this.once<T>(method, path, opts, auth);
    }
  }

  /** GETs a protected file (e.g. an attachment for an <img>) with the bearer token. */
  async blob(path: string): Promise<Blob> {
    const attempt = async (): Promise<Response> => {
      const s = this.session.current;
      if (!s) throw new ChatError("not_signed_in", "Sign in first");
      try {
        return await this.fetchImpl(this.url(path), { headers: { [APP_HEADER]: this.appId, Authorization: `Bearer ${s.accessToken}` } });
      } catch (err) {
        throw new ChatError("network_error", `Could not reach the Parley server: ${(err as Error).message}`);
      }
    };
    let res = await attempt();
    if (res.status === 401) {
      await this.refreshOrEnd();
      res = await attempt();
    }
    if (!res.ok) throw new ChatError(res.status === 404 ? "not_found" : "internal", `HTTP ${res.status}`, { status: res.status });
    return res.blob();
  }

  /** Refreshes the session; a refused refresh ends it (signed out) and is rethrown. */
  async refreshOrEnd(): Promise<void> {
    try {
      await this.session.refresh();
    } catch (err) {
      if (err instanceof ChatError && !err.retryable) this.session.set(null);
      throw err;
    }
  }

  url(path: string): string {
    return `${this.server}/v1${path}`;
  }

  private async once<T>(method: string, path: string, opts: RequestOptions, auth: boolean): Promise<T> {
    const headers: Record<string, string> = { [APP_HEADER]: this.appId };
    if (auth) {
      const s = this.session.current;
      if (!s) throw new ChatError("not_signed_in", "Sign in first");
      headers["Authorization"] = `Bearer ${s.accessToken}`;
    }
    let body: BodyInit | undefined;
    if (opts.form) body = opts.form;
    else if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
    let status: number;
    let text: string;
    try {
      if (opts.onProgress && opts.form && typeof XMLHttpRequest !== "undefined") {
        ({ status, text } = await xhr(method, this.url(path), headers, opts.form, opts.onProgress));
      } else {
        const res = await this.fetchImpl(this.url(path), { method, headers, body, signal: opts.signal });
        status = res.status;
        text = await res.text();
      }
    } catch (err) {
      throw new ChatError("network_error", `Could not reach the Parley server: ${(err as Error).message}`);
    }
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (status < 200 || status >= 300) {
      const e = (data as ErrorBody | undefined)?.error;
      if (e && typeof e.code === "string") throw ChatError.fromBody(e, status);
      throw new ChatError(status >= 500 ? "internal" : "validation_failed", `HTTP ${status}`, { status });
    }
    return data as T;
  }
}

/** fetch cannot report upload progress; XMLHttpRequest can. */
function xhr(method: string, url: string, headers: Record<string, string>, body: FormData, onProgress: (f: number) => void): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = new XMLHttpRequest();
    req.open(method, url);
    for (const [k, v] of Object.entries(headers)) req.setRequestHeader(k, v);
    req.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    req.onload = () => resolve({ status: req.status, text: req.responseText });
    req.onerror = () => reject(new Error("network error"));
    req.send(body);
  });
}
