import { errorMessage, type FieldProblem, fieldMessage } from "./errors.js";
import { strings } from "./strings.js";

/** An answer other than 2xx, with the field-level messages of a 400 by field path. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** `validation_failed` details: the message of each field, by its path ("password", "events.0"). */
    readonly fields: Readonly<Record<string, string>> = {},
    /** `details.reason`, where the server gives one (totp_required, role, …). */
    readonly reason?: string,
    /** Seconds to wait, for a 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /** The message for a field, or for the first field under it ("events" for "events.0"). */
  field(path: string): string | undefined {
    return this.fields[path] ?? Object.entries(this.fields).find(([k]) => k.startsWith(`${path}.`))?.[1];
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/**
 * The console API (`/v1/console/…`) from the browser: the session is the HttpOnly cookie the
 * browser sends by itself (same origin), and every change carries the session's CSRF token.
 */
export class ConsoleApi {
  /** The session's CSRF token (from sign-in, sign-up or /me). */
  csrf = "";

  constructor(private readonly base = "/v1/console") {}

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>("POST", path, body ?? {});
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("PUT", path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("PATCH", path, body);
  }
  delete<T = void>(path: string, body?: unknown): Promise<T> {
    return this.call<T>("DELETE", path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && this.csrf) headers["X-Parley-CSRF"] = this.csrf;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, "network", strings().networkError);
    }
    if (res.status === 204) return undefined as T;
    const data = (await res.json().catch(() => null)) as unknown;
    if (res.ok) return data as T;
    const e = (data as ErrorBody | null)?.error;
    const details = e?.details;
    // Said in the reader's language where the server says what kind of problem it is (errors.ts).
    const fields: Record<string, string> = {};
    if (Array.isArray(details))
      for (const d of details as FieldProblem[]) if (typeof d?.path === "string" && !(d.path in fields)) fields[d.path] = fieldMessage(d);
    const reason = details && typeof details === "object" && "reason" in details ? String((details as { reason: unknown }).reason) : undefined;
    const retry = Number(res.headers.get("Retry-After"));
    const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : undefined;
    const code = e?.code ?? `http_${res.status}`;
    throw new ApiError(res.status, code, errorMessage(res.status, code, reason, e?.message ?? strings().serverError, retryAfter), fields, reason, retryAfter);
  }
}
