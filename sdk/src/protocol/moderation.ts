// Moderation (issue 17): app moderators, mutes, bans, slow mode, word filter, reports, audit log.
//
// Moderator routes live under `/v1/moderation/…` (a moderator's access token; anyone else: 403)
// and, for the host's backend, `/v1/server/moderation/…` (a server key; users named by `sub`).
// Owners and admins of a group may also mute, ban and set slow mode in their own group.
// Refusals: `muted` (403, details.until), `banned` (403), `slow_mode` (429, details.retryAfterSec),
// `content_blocked` (400, details.words). Every action is written to the audit log with its reason.

/** The fixed reasons a report may give. */
export const REPORT_REASONS = ["spam", "harassment", "hate", "sexual", "violence", "self_harm", "illegal", "other"] as const;

export type ReportReason = (typeof REPORT_REASONS)[number];

/** Caps of moderation inputs. */
export const MODERATION_LIMITS = {
  reasonMaxChars: 500,
  reportNoteMaxChars: 1000,
  filterWordsMax: 500,
  filterWordMaxChars: 64,
  slowModeMaxSec: 3600,
  /** The longest mute: a year (longer is a ban). */
  muteMaxSec: 365 * 24 * 3600,
} as const;

/**
 * `POST /v1/reports`: a message (its sender is the reported user) or a user. 201 with the new
 * report; 200 with the reporter's own open report of the same message (or of the same user, for a
 * user report), unchanged: no second report, no second `report.created`. Each user files a
 * limited number of new reports an hour (the server's REPORTS_PER_HOUR): past it, 429
 * `rate_limited` with Retry-After.
 */
export interface CreateReportRequest {
  messageId?: string;
  userId?: string;
  reason: ReportReason;
  note?: string;
}

export type ReportStatus = "open" | "resolved" | "dismissed";

export interface Report {
  id: string;
  reporterId: string;
  /** The reported user (a message's sender). */
  userId: string;
  messageId: string | null;
  conversationId: string | null;
  /** The reported message's text when reported (null for a user report or a deleted message). */
  messageText: string | null;
  /** `handoff`: not a member's report but a conversation handed to people by an AI agent (issue 54). */
  reason: ReportReason | "handoff";
  note: string | null;
  status: ReportStatus;
  createdAt: string;
  resolvedAt: string | null;
  /** Who resolved it: a moderator's user id, or `server:<key id>`. */
  resolvedBy: string | null;
  resolution: string | null;
}

export interface ReportResponse {
  report: Report;
}

/** `POST /v1/moderation/reports/:id/resolve`. */
export interface ResolveReportRequest {
  status: "resolved" | "dismissed";
  note?: string;
}

export type ModerationAction =
  | "moderator.add"
  | "moderator.remove"
  | "mute"
  | "unmute"
  | "ban.conversation"
  | "unban.conversation"
  | "ban.app"
  | "unban.app"
  | "slow_mode.set"
  | "word_filter.set"
  | "message.delete"
  | "report.resolve"
  | "report.dismiss"
  /** The host's backend sent `from` a user with `moderation: "bypass"` (messageId: the message). */
  | "message.bypass";

/** One audit log entry: who did what to whom, when and why. */
export interface AuditEntry {
  id: string;
  action: ModerationAction;
  /** The acting moderator's user id, or null when the host's backend acted (`actorServerKey`). */
  actorUserId: string | null;
  /** The server key id (or `cli`) when the host's backend or an operator acted. */
  actorServerKey: string | null;
  targetUserId: string | null;
  conversationId: string | null;
  messageId: string | null;
  reportId: string | null;
  reason: string | null;
  /** Action-specific facts (a mute's `until`, slow mode `seconds`, filter word count). */
  details: Record<string, unknown> | null;
  createdAt: string;
}

/** `PUT …/conversations/:id/mutes/:userId`: until a time, or for a duration. */
export interface MuteRequest {
  until?: string;
  durationSec?: number;
  reason?: string;
}

/** Bans and un-doings carry a reason. */
export interface ModerationReasonRequest {
  reason?: string;
}

export interface Sanction {
  kind: "mute" | "ban";
  userId: string;
  /** Null for an app-wide ban. */
  conversationId: string | null;
  /** Null: until lifted. */
  until: string | null;
  reason: string | null;
  createdAt: string;
}

export interface SanctionResponse {
  sanction: Sanction;
}

/** `PUT …/conversations/:id/slow-mode`: 0 turns it off. */
export interface SlowModeRequest {
  seconds: number;
  reason?: string;
}

export interface SlowModeResponse {
  conversationId: string;
  seconds: number;
}

export type FilterAction = "block" | "mask";

/** A literal word or phrase, matched case-insensitively as a whole word (no regular expressions). */
export interface FilterWord {
  word: string;
  action: FilterAction;
}

/** `GET /v1/moderation/word-filter`: the app's list, and whether names pass it too. */
export interface WordFilter {
  words: FilterWord[];
  /**
   * Group names (create, rename) and display names (registration, `PATCH /me`, host-token
   * sign-in, the server API's user upsert) pass the filter too: a blocked word answers
   * `content_blocked`, a masked one is stored as asterisks. Off unless set.
   */
  names: boolean;
}

/** `PUT /v1/moderation/word-filter`: replaces the app's list; `names` left out stays as it was. */
export interface WordFilterRequest {
  words: FilterWord[];
  names?: boolean;
  reason?: string;
}

/** `GET /v1/server/moderators`. */
export interface ModeratorsResponse {
  /** User ids, with the host's `sub` where the user came from the host. */
  moderators: { userId: string; sub: string | null; since: string }[];
}
