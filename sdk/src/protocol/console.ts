// The console's API (issue 32): `/v1/console/*`, for the people who run Parley and its host sites
// (operators, and owners, admins, moderators and viewers of an app). Not a chat client's: it signs
// in with an HttpOnly cookie and sends `X-Parley-CSRF` on every change. Types only.

import type { Message } from "./messages.js";
import type { FilterWord, Report, Sanction } from "./moderation.js";
import type { WebhookDelivery, WebhookEndpoint, WebhookSettings } from "./webhooks.js";

/** A console role on one app, weakest first. Operators have every app and are not a role of one. */
export type ConsoleAppRole = "viewer" | "moderator" | "admin" | "owner";

/** The signed-in console account. */
export interface ConsoleAccount {
  id: string;
  email: string;
  /** Every app, app creation, console accounts. */
  operator: boolean;
  totpEnabled: boolean;
  /** Operators and owners must enrol TOTP before anything else. */
  totpRequired: boolean;
  roles: { appId: string; role: ConsoleAppRole }[];
}

/**
 * `POST /v1/console/signup`, `POST /v1/console/session`, `GET /v1/console/me`: the account, and the
 * CSRF token to send as `X-Parley-CSRF` with every change of this session. While
 * `totpEnrolmentRequired`, only the TOTP enrolment, the session list and sign-out answer.
 */
export interface ConsoleSessionResponse {
  account: ConsoleAccount;
  csrfToken: string;
  totpEnrolmentRequired: boolean;
}

/** `POST /v1/console/session`: sign in; `code` is the TOTP code (or a recovery code) once enrolled. */
export interface ConsoleSignInRequest {
  email: string;
  password: string;
  code?: string;
}

/** `GET /v1/console/invites/{token}`: what a sign-up link is for. */
export interface ConsoleInviteInfo {
  email: string;
  role: ConsoleAppRole | "operator";
  appId: string | null;
  appName: string | null;
  expiresAt: string;
  /**
   * A console account with this e-mail exists already: it signs in and accepts the invitation
   * (`POST /v1/console/invites/{token}/accept`) instead of signing up.
   */
  accountExists: boolean;
}

/** `POST /v1/console/signup`: a sign-up link's token and the new account's password. */
export interface ConsoleSignUpRequest {
  token: string;
  password: string;
}

/** `POST /v1/console/invites`: who, as what; `appId` for an app role, none for an operator. */
export interface ConsoleInviteRequest {
  email: string;
  role: ConsoleAppRole | "operator";
  appId?: string;
}

/** The one-time sign-up link (its path, under the server's origin) and when it expires. */
export interface ConsoleInviteResponse {
  link: string;
  expiresAt: string;
}

/** One console account's role on an app, as its owners see it. */
export interface ConsoleMember {
  accountId: string;
  email: string;
  role: ConsoleAppRole;
  totpEnabled: boolean;
  /** The account asking. */
  you: boolean;
}

/** An invitation to a role on the app not used yet (its link is shown only when made). */
export interface ConsolePendingInvite {
  id: string;
  email: string;
  role: ConsoleAppRole;
  /** The e-mail of the console account that made it (null: the CLI, or an account since deleted). */
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

/** `GET /v1/console/apps/{appId}/members`: who has a role on the app, and who is invited to one. */
export interface ConsoleMembersResponse {
  items: ConsoleMember[];
  invites: ConsolePendingInvite[];
}

/** `PUT /v1/console/apps/{appId}/members/{accountId}`: another role for an account that has one on the app. */
export interface ConsoleSetRoleRequest {
  role: ConsoleAppRole;
}

/** One console account as operators see it (`GET /v1/console/accounts`). */
export interface ConsoleAccountSummary {
  id: string;
  email: string;
  operator: boolean;
  totpEnabled: boolean;
  createdAt: string;
  /** Its roles on apps, by app name. */
  roles: { appId: string; appName: string; role: ConsoleAppRole }[];
  /** The account asking. */
  you: boolean;
}

/** `GET /v1/console/accounts`: every console account, by e-mail, keyset-paged (operators). */
export interface ConsoleAccountsResponse {
  items: ConsoleAccountSummary[];
  nextCursor: string | null;
}

/** `PUT /v1/console/accounts/{accountId}/operator`: give or take the operator's powers. */
export interface ConsoleSetOperatorRequest {
  operator: boolean;
}

/** `DELETE /v1/console/accounts/{accountId}`: `confirm` is the account's e-mail, typed. */
export interface ConsoleDeleteAccountRequest {
  confirm: string;
}

/** `POST /v1/console/me/totp/setup`: a new secret to enrol (base32) and its otpauth:// URI (for a QR code). */
export interface ConsoleTotpSetupResponse {
  secret: string;
  uri: string;
}

/** A TOTP code, to enrol (`POST /v1/console/me/totp`) or to turn TOTP off (`DELETE`). */
export interface ConsoleTotpCodeRequest {
  code: string;
}

/** `POST /v1/console/me/totp`: enrolled; ten single-use recovery codes, shown this once. */
export interface ConsoleRecoveryCodesResponse {
  recoveryCodes: string[];
}

/** One of the account's signed-in browsers (`GET /v1/console/sessions`). */
export interface ConsoleSessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
  /** The session this request came with. */
  current: boolean;
}

export interface ConsoleSessionsResponse {
  items: ConsoleSessionInfo[];
}

/** An app as the console lists it, with the caller's role on it (`operator` for operators). */
export interface ConsoleApp {
  id: string;
  name: string;
  allowedOrigins: string[];
  disabled: boolean;
  createdAt: string;
  role: ConsoleAppRole | "operator";
}

export interface ConsoleAppsResponse {
  items: ConsoleApp[];
}

/** `POST /v1/console/apps` (operators). */
export interface ConsoleCreateAppRequest {
  name: string;
  allowedOrigins: string[];
}

/** A new app, with its secret (signs host tokens), shown this once. */
export interface ConsoleAppCreatedResponse {
  app: ConsoleApp;
  secret: string;
}

/** A server key of an app (never its secret). */
export interface ConsoleServerKey {
  id: string;
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface ConsoleServerKeysResponse {
  items: ConsoleServerKey[];
}

/** `POST /v1/console/apps/{appId}/keys` (owners, admins). */
export interface ConsoleCreateKeyRequest {
  name?: string;
}

/** A new server key with its secret, shown this once. */
export interface ConsoleKeyCreatedResponse {
  key: ConsoleServerKey;
  secret: string;
}

// --- Webhooks of an app (viewers and up read; admins and owners change) ---------------------------
// Bodies and answers as the server API's (`/v1/server/webhooks…`): `POST …/webhooks` takes a
// CreateWebhookRequest and answers a WebhookEndpointResponse; `PUT …/webhooks/settings` a
// WebhookSettings; `GET …/webhooks/{webhookId}/deliveries?status=&limit=&cursor=` a
// WebhookDeliveriesResponse; `POST …/webhooks/{webhookId}/replay` a ReplayWebhookRequest and a
// ReplayWebhookResponse.

/** `GET /v1/console/apps/{appId}/webhooks`: the app's endpoints (oldest first) and its settings. */
export interface ConsoleWebhooksResponse {
  endpoints: WebhookEndpoint[];
  settings: WebhookSettings;
}

/** `GET /v1/console/apps/{appId}/webhooks/{webhookId}/deliveries/{deliveryId}`: one delivery, what is sent and what came back. */
export interface ConsoleWebhookDeliveryDetail {
  delivery: WebhookDelivery;
  request: {
    /** The endpoint's URL it is POSTed to. */
    url: string;
    /** The JSON body POSTed (a WebhookPayload), the same on every attempt; signed when sent. */
    body: unknown;
  };
  /** The last attempt's outcome. */
  response: {
    /**
     * The HTTP status of the last answer when it was not a 2xx; null when no answer came (timed
     * out, refused, not attempted yet) and once delivered (some 2xx: the code is not kept).
     */
    status: number | null;
    /** Why the last attempt failed (or why it waits, e.g. for a server key to sign with); null once delivered. */
    error: string | null;
    /** When the last attempt was made; null before the first. */
    at: string | null;
  };
}

/** `POST /v1/console/apps/{appId}/webhooks/{webhookId}/test`: the `webhook.test` delivery queued to that endpoint. */
export interface ConsoleWebhookTestResponse {
  deliveryId: string;
}

// --- Moderation of an app (moderators, admins, owners) -------------------------------------------
// `GET /v1/console/apps/{appId}/moderation/reports?status=&limit=&cursor=` answers the server
// API's PageOfReport; resolving and dismissing answer its ReportResponse. Users are named by their
// Parley id (a report's `userId`). Message text is shown only in the context of a report.

/** `GET /v1/console/apps/{appId}/moderation/reports/{reportId}`: a report and its message in context. */
export interface ConsoleReportDetail {
  report: Report;
  /** The reported message as it is now; null when deleted since (or for a report of a user). */
  message: Message | null;
  /** Up to five messages of its conversation right before it, oldest first. */
  before: Message[];
  /** Up to five messages right after it, oldest first. */
  after: Message[];
}

/** `POST …/moderation/reports/{reportId}/resolve` and `…/dismiss`: an optional note, kept on the report. */
export interface ConsoleResolveReportRequest {
  note?: string;
}

/** `DELETE …/moderation/messages/{messageId}` (body optional): `reportId` resolves that report of this message with it. */
export interface ConsoleDeleteMessageRequest {
  reason?: string;
  reportId?: string;
}

/**
 * `POST …/moderation/users/{userId}/mute`: muted in one conversation for 10 minutes, an hour or a
 * day. `conversationId` may be left out with a `reportId` (the report's conversation).
 */
export interface ConsoleMuteRequest {
  minutes: 10 | 60 | 1440;
  conversationId?: string;
  reason?: string;
  reportId?: string;
}

/**
 * `POST …/moderation/users/{userId}/ban`: from the whole app (every session ends) or from one
 * group (`conversationId`, or the report's conversation). A ban always says why.
 */
export interface ConsoleBanRequest {
  scope: "app" | "conversation";
  conversationId?: string;
  reason: string;
  reportId?: string;
}

/** `DELETE …/moderation/bans/{banId}`, `…/mutes/{muteId}` (body optional): why it is lifted, for the moderation audit. */
export interface ConsoleLiftRequest {
  reason?: string;
}

/** A mute or ban just set, and the report it resolved (null when none was named). */
export interface ConsoleSanctionResponse {
  sanction: Sanction;
  report: Report | null;
}

/** A ban or mute in force, as listed: its id (to lift it) and who set it (`console:<account id>`, `server:<key id>` or a moderator's user id). */
export interface ConsoleSanction extends Sanction {
  id: string;
  by: string;
}

/** `GET …/moderation/bans` and `GET …/moderation/mutes` (running ones), newest first; `DELETE …/bans/{banId}`, `…/mutes/{muteId}` lift one. */
export interface ConsoleSanctionsResponse {
  items: ConsoleSanction[];
  nextCursor: string | null;
}

/** `PUT /v1/console/apps/:appId/moderation/conversations/:conversationId/slow-mode`: 0 turns it off. */
export interface ConsoleSlowModeRequest {
  seconds: number;
  reason?: string;
}

/** `PUT /v1/console/apps/:appId/moderation/moderators/:userId`. */
export interface ConsoleModeratorRequest {
  moderator: boolean;
}

/** `POST /v1/console/apps/:appId/moderation/word-filter/test`: a word list as edited, and a text to try it on. */
export interface ConsoleWordFilterTestRequest {
  words: FilterWord[];
  text: string;
}

/** What the list makes of the text: blocked words (a send would be refused), or the text as stored (masked words as asterisks). */
export interface ConsoleWordFilterTestResponse {
  blocked: string[];
  text: string;
}

/**
 * The console's live feed: Socket.IO namespace `/console`, signed in by the console's session
 * cookie from the console's own page. A moderator hears each report of the apps they moderate
 * (operators: every app) as it is filed or settled; the socket closes when its session ends.
 */
export interface ConsoleFeedEvents {
  report: (e: { appId: string; report: Report }) => void;
}
