import { ChatError, type ClientErrorCode } from "../errors.js";
import type { ErrorCode } from "../protocol/index.js";

/**
 * What `ParleyServer` throws: the server's `{ error: { code, message, details } }` with the HTTP
 * status, or `network_error` (no status) when the server was never reached. A `ChatError` too, so
 * `isChatError` and `retryable` work the same on both sides.
 */
export class ParleyServerError extends ChatError {
  constructor(code: ErrorCode | ClientErrorCode, message: string, opts: { status?: number; details?: unknown; retryAfterMs?: number } = {}) {
    super(code, message, opts);
    this.name = "ParleyServerError";
  }
}

export function isParleyServerError(e: unknown): e is ParleyServerError {
  return e instanceof ParleyServerError;
}
