// Errors: every code the server answers with, the HTTP status it travels with, and the error body
// (REST answers and socket acks alike).

/** Every error code the server can answer with, and the HTTP status it travels with. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  invalid_token: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  /** `GET /sync` from a cursor older than the event log keeps (retention): reload from `/sync/head`. */
  sync_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  /** Moderation: the sender is muted in this conversation until `details.until` (ISO). */
  muted: 403,
  /** Moderation: the user is banned from this conversation, or from the whole app. */
  banned: 403,
  /** Moderation: the conversation's slow mode; `details.retryAfterSec` (also `Retry-After`). */
  slow_mode: 429,
  /** Moderation: the text has a word the app's word filter blocks (`details.words`). */
  content_blocked: 400,
  /** A streamed message's append past its text's length (`details.length`: the offset to append at). */
  stream_gap: 409,
  /** A streamed message's append whose text differs from what is stored at its offset (`details.length`). */
  stream_conflict: 409,
  /** A member stopped the streamed message: stop generating (`details.length`). */
  stream_stopped: 409,
  /** The streamed message is finished or failed already (`details.state`). */
  stream_ended: 409,
  /** `POST /v1/messages/:id/translate` while the app has not named an agent to translate (`AgentSettings.translateAgentId`). */
  translate_off: 409,
  /** `POST /v1/conversations/:id/summary` while the app has not named an agent to summarize (`AgentSettings.summarizeAgentId`). */
  summarize_off: 409,
  internal: 500,
  service_unavailable: 503,
  /** The model behind a translation or summary could not answer: unreachable, an error status, garbage, or too slow. Try again later. */
  model_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes a client may retry as they are (after a delay); everything else needs a change first. */
export const RETRYABLE_CODES: readonly ErrorCode[] = ["rate_limited", "internal", "service_unavailable", "model_unavailable"];

/** The body of every error answer, REST and socket ack alike. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Per-field problems for `validation_failed`; free-form otherwise. */
    details?: unknown;
    /** Present on 500s so a report can be matched to the server log. */
    requestId?: string;
  };
}
