import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "@parley/sdk/protocol";

/**
 * The one error type thrown anywhere in the server. Its status comes from the protocol's
 * code -> status table; the transports (Koa middleware, socket acks) turn it into an ErrorBody.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Extra response headers, e.g. `Retry-After` for `rate_limited`. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) },
    };
  }
}

export const notFound = (what = "Resource"): AppError => new AppError("not_found", `${what} not found`);

/** Maps errors thrown by libraries (body parsers, multipart) that carry an HTTP status. */
export function fromHttpError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown; httpCode?: unknown; type?: unknown; message?: unknown };
  const status = Number(e.status ?? e.statusCode ?? e.httpCode);
  if (!Number.isInteger(status) || status < 400 || status >= 500) return undefined;
  const message = typeof e.message === "string" ? e.message : "Bad request";
  if (status === 413) return new AppError("payload_too_large", "Request body too large");
  if (status === 415) return new AppError("unsupported_media_type", "Unsupported content type");
  if (e.type === "entity.parse.failed" || /JSON/i.test(message)) return new AppError("invalid_json", "Malformed JSON body");
  if (status === 400) return new AppError("validation_failed", message.slice(0, 200));
  return undefined;
}
