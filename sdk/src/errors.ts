import { RETRYABLE_CODES, type ErrorBody, type ErrorCode } from "./protocol/index.js";

/** Codes only the client produces: the server was never reached or never answered. */
export type ClientErrorCode = "network_error" | "timeout" | "not_signed_in";

/** The one error type the SDK throws: the server's code and status, or a client-side code. */
export class ChatError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  /** HTTP status when the server answered; undefined for client-side failures. */
  readonly status: number | undefined;
  /** True when trying again later, unchanged, may succeed. */
  readonly retryable: boolean;
  readonly details: unknown;
  /** How long the server asked us to wait before trying again (its `Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode | ClientErrorCode, message: string, opts: { status?: number; details?: unknown; retryAfterMs?: number } = {}) {
    super(message);
    this.name = "ChatError";
    this.code = code;
    this.status = opts.status;
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
    this.retryable = code === "network_error" || code === "timeout" || (RETRYABLE_CODES as readonly string[]).includes(code);
  }

  /** From a server error body (REST answer or socket ack). */
  static fromBody(body: ErrorBody["error"], status?: number, retryAfterMs?: number): ChatError {
    return new ChatError(body.code, body.message, { status, details: body.details, retryAfterMs });
  }
}

export function isChatError(e: unknown): e is ChatError {
  return e instanceof ChatError;
}
