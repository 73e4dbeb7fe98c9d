import { z } from "zod";
import { MODERATION_LIMITS, REPORT_REASONS } from "@parley/sdk/protocol";
import { idString, messageIdString, pageLimit } from "../shared/schema.js";

/** A reason or note: trimmed, capped; empty means none. */
const text = (max: number) =>
  z
    .string()
    .max(max * 4)
    .trim()
    .max(max)
    .optional();

const reason = text(MODERATION_LIMITS.reasonMaxChars);

/** Bans, unbans, unmutes and message deletions: an optional reason (the body may be absent). */
export const reasonBody = z.object({ reason });
export type ReasonInput = z.infer<typeof reasonBody>;

/** A mute until a time (ISO, in the future) or for a duration in seconds; a year at most. */
export const muteBody = z
  .object({
    until: z.iso.datetime({ offset: true }).optional(),
    durationSec: z.number().int().min(1).max(MODERATION_LIMITS.muteMaxSec).optional(),
    reason,
  })
  .refine((b) => (b.until === undefined) !== (b.durationSec === undefined), { message: "Give either until or durationSec", path: ["until"] })
  .refine((b) => b.until === undefined || (Date.parse(b.until) > Date.now() && Date.parse(b.until) - Date.now() <= MODERATION_LIMITS.muteMaxSec * 1000), {
    message: "until must be in the future, within a year",
    path: ["until"],
  });
export type MuteInput = z.infer<typeof muteBody>;

/** Slow mode: seconds between a member's messages (0 turns it off). */
export const slowModeBody = z.object({ seconds: z.number().int().min(0).max(MODERATION_LIMITS.slowModeMaxSec), reason });

/** One literal word or phrase of the filter: letters, digits, marks, inner spaces and punctuation; no control characters. */
const filterWord = z
  .string()
  .trim()
  .min(1)
  .max(MODERATION_LIMITS.filterWordMaxChars)
  .regex(/^[^\p{C}]+$/u, "No control characters")
  .regex(/[\p{L}\p{N}]/u, "A word needs a letter or a digit");

/**
 * The whole word list (it replaces the app's); a word appears once (case-insensitively). Words
 * match as written and through disguises: invisible characters, look-alike letters of other
 * scripts, accents, compatibility forms, spaced-out letters (moderation/word-filter.ts).
 */
export const wordFilterBody = z.object({
  words: z
    .array(z.object({ word: filterWord, action: z.enum(["block", "mask"]) }))
    .max(MODERATION_LIMITS.filterWordsMax)
    .refine((ws) => new Set(ws.map((w) => w.word.toLowerCase())).size === ws.length, { message: "Duplicate word" }),
  /**
   * Whether group names (create, rename) and display names (registration, `PATCH /me`, host-token
   * sign-in, the server API's user upsert) pass the filter too: a blocked word is refused
   * (`content_blocked`), a masked one stored as asterisks. Left out: stays as it was (off at first).
   */
  names: z.boolean().optional(),
  reason,
});
export type WordFilterInput = z.infer<typeof wordFilterBody>;

/** `POST /v1/reports`: exactly one of messageId and userId. */
export const reportBody = z
  .object({
    messageId: messageIdString.optional(),
    userId: idString.optional(),
    reason: z.enum(REPORT_REASONS),
    note: text(MODERATION_LIMITS.reportNoteMaxChars),
  })
  .refine((b) => (b.messageId === undefined) !== (b.userId === undefined), { message: "Report either a messageId or a userId", path: ["messageId"] });
export type ReportInput = z.infer<typeof reportBody>;

export const resolveReportBody = z.object({ status: z.enum(["resolved", "dismissed"]), note: reason });
export type ResolveInput = z.infer<typeof resolveReportBody>;

/** Keyset cursor of the audit log and the report queue: (createdAt, id). */
export const timeCursor = z.object({ t: z.number().int().min(0), i: z.string().max(64) });

export const auditQuery = z.object({ cursor: z.string().max(400).optional(), limit: pageLimit(100, 50) });
export const reportsQuery = z.object({
  status: z.enum(["open", "resolved", "dismissed", "all"]).default("open"),
  cursor: z.string().max(400).optional(),
  limit: pageLimit(100, 50),
});
