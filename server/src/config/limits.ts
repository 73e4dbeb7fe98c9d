/** Rate limits, group limits and storage quotas: what one user or one app may do (config.ts reads them). */

/** A rate limit: at most `points` requests per `durationSec` seconds. */
export interface RateLimit {
  points: number;
  durationSec: number;
}

export interface GroupLimits {
  /** Add non-contacts to groups without their consent (default false: they get an invitation). */
  directAdd: boolean;
  /** Members (and pending invitations) one group may have. */
  maxMembers: number;
  /** Groups one user may create. */
  createdPerUser: RateLimit;
  /** Users one user may add or invite to groups (creation included). */
  addedPerUser: RateLimit;
}

/** Upload storage limits (see UploadsService). */
export interface UploadsConfig {
  /** Bytes one user may keep stored (attached and unattached uploads together). */
  userQuotaBytes: number;
  /** Bytes one app's users may keep stored in all. */
  appQuotaBytes: number;
  /** An upload not sent with a message within this long is deleted (row and file). */
  unattachedTtlMs: number;
  /** How often the clean-up runs. */
  sweepIntervalMs: number;
  /** VOICE_MAX_SECONDS: the longest voice message, for apps that set none (apps.voiceMaxSeconds). */
  voiceMaxSeconds: number;
}
