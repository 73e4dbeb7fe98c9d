/**
 * The Parley wire contract: every shape that crosses between a client and the server.
 *
 * This file is the single source of truth for both sides: the server imports it (as
 * `@parley/sdk/protocol`) and the SDK re-exports it. It has no runtime dependencies; the only
 * values here are tables that both sides need at run time (error code -> HTTP status, limits).
 */

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

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
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes a client may retry as they are (after a delay); everything else needs a change first. */
export const RETRYABLE_CODES: readonly ErrorCode[] = ["rate_limited", "internal", "service_unavailable"];

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

// ---------------------------------------------------------------------------------------------
// Limits shared by validation on both sides
// ---------------------------------------------------------------------------------------------

export const LIMITS = {
  /** bcrypt ignores bytes past 72, so longer passwords are refused rather than truncated. */
  passwordMinChars: 8,
  passwordMaxBytes: 72,
  emailMaxChars: 254,
  displayNameMaxChars: 80,
  bioMaxChars: 500,
  avatarMaxBytes: 5 * 1024 * 1024,
  jsonBodyMaxBytes: 1024 * 1024,
  pageSizeDefault: 20,
  pageSizeMax: 100,
} as const;

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/** Names the app on calls made before there is a token (register, login, host-token, refresh). */
export const APP_HEADER = "X-Parley-App";
/** The same, as a query parameter, for requests that cannot carry headers (CORS preflights, img). */
export const APP_QUERY = "appId";

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

/** ISO-8601 timestamp in UTC, e.g. `2026-11-22T10:00:00.000Z`. */
export type Timestamp = string;

/** A user as anyone in the same app sees them. Never carries a password or token hash. */
export interface User {
  id: string;
  displayName: string;
  bio: string;
  avatarUrl: string | null;
  /** The host site's own id for this user, when they came in through a host-signed token. */
  externalId: string | null;
  lastSeenAt: Timestamp | null;
  createdAt: Timestamp;
}

/** The signed-in user's own view of themselves: a {@link User} plus private fields. */
export interface Me extends User {
  email: string | null;
  appId: string;
}

/** What a page of any list looks like: the items and the cursor for the next page, if any. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// REST: auth
// ---------------------------------------------------------------------------------------------

export interface RegisterRequest {
  email: string;
  password: string;
  displayName: string;
}

export interface LoginRequest {
  email: string;
  password: string;
}

/** The host site's backend signs `{ sub, name, email?, avatarUrl?, exp }` with its app secret. */
export interface HostTokenRequest {
  token: string;
}

/** Claims the host site puts into the token it signs (HS256, with its app secret). */
export interface HostTokenClaims {
  sub: string;
  name: string;
  email?: string;
  avatarUrl?: string;
  exp: number;
}

export interface RefreshRequest {
  refreshToken: string;
}

export interface LogoutRequest {
  refreshToken: string;
}

/** Every way in ends in the same session answer. */
export interface AuthResponse {
  user: Me;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
}

// ---------------------------------------------------------------------------------------------
// REST: users
// ---------------------------------------------------------------------------------------------

export interface UpdateMeRequest {
  displayName?: string;
  bio?: string;
}

export interface HealthResponse {
  status: "ok" | "degraded";
  db: "ok" | "down";
  version: string;
}
