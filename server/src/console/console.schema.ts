import { z } from "zod";
import { MESSAGE_LIMITS, MODERATION_LIMITS } from "@parley/sdk/protocol";
import { email, password } from "../auth/auth.schema.js";
import { auditQuery, reasonBody, resolveReportBody, slowModeBody, wordFilterBody } from "../moderation/moderation.schema.js";
import { idString, pageLimit } from "../shared/schema.js";

const appId = z.string().min(1).max(32);
const role = z.enum(["viewer", "moderator", "admin", "owner", "operator"]);
const appRole = z.enum(["viewer", "moderator", "admin", "owner"]);

export const signInBody = z.strictObject({
  email: email,
  password: z.string().min(1).max(1024),
  code: z.string().trim().min(1).max(32).optional(),
});

export const signUpBody = z.strictObject({ token: z.string().min(10).max(100), password });

export const inviteBody = z.strictObject({ email, role, appId: appId.optional() }).refine((b) => (b.role === "operator") === (b.appId === undefined), {
  message: "An app role names its app (appId); an operator has every app and names none",
  path: ["appId"],
});

/** Another role on the app for one of its members. */
export const memberRoleBody = z.strictObject({ role: appRole });

/** A sign-up link's token in a path. */
export const inviteTokenParam = z.string().min(10).max(100);

export const totpCodeBody = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"),
});

export const createAppBody = z.strictObject({
  name: z.string().trim().min(1, "Name the app").max(100),
  allowedOrigins: z.array(z.string().max(200)).max(50),
});

export const createKeyBody = z.strictObject({ name: z.string().trim().min(1).max(120).optional() });

/** An app's id in a console path: one the caller has no role on (or that does not exist) is a 404. */
export const appIdParam = appId;

// --- Moderation: the server API's reasons and notes (moderation.schema.ts), the console's choices.

const reason = reasonBody.shape.reason;
const reportId = idString.optional();

export const resolveBody = z.strictObject({ note: resolveReportBody.shape.note });

export const deleteMessageBody = z.strictObject({ reason, reportId });

export const muteUserBody = z
  .strictObject({
    minutes: z.union([z.literal(10), z.literal(60), z.literal(1440)], { error: "Mute for 10, 60 or 1440 minutes" }),
    conversationId: idString.optional(),
    reason,
    reportId,
  })
  .refine((b) => b.conversationId !== undefined || b.reportId !== undefined, {
    message: "Name the conversation (or the report whose conversation it is)",
    path: ["conversationId"],
  });

export const banUserBody = z
  .strictObject({
    scope: z.enum(["app", "conversation"]),
    conversationId: idString.optional(),
    reason: z
      .string()
      .max(MODERATION_LIMITS.reasonMaxChars * 4)
      .trim()
      .min(1, "Say why")
      .max(MODERATION_LIMITS.reasonMaxChars),
    reportId,
  })
  .refine((b) => b.scope === "conversation" || b.conversationId === undefined, { message: "An app ban names no conversation", path: ["conversationId"] })
  .refine((b) => b.scope === "app" || b.conversationId !== undefined || b.reportId !== undefined, {
    message: "Name the conversation (or the report whose conversation it is)",
    path: ["conversationId"],
  });

/** `DELETE …/bans/:banId`, `…/mutes/:muteId`: an optional reason (the body may be absent). */
export const liftBody = z.strictObject({ reason });

/** The bans and mutes lists: a page. */
export const sanctionsQuery = auditQuery;

export type ResolveBody = z.infer<typeof resolveBody>;
export type DeleteMessageInput = z.infer<typeof deleteMessageBody>;
export type MuteUserInput = z.infer<typeof muteUserBody>;
export type BanUserInput = z.infer<typeof banUserBody>;
export type SignInInput = z.infer<typeof signInBody>;
export type SignUpInput = z.infer<typeof signUpBody>;
export type InviteInput = z.infer<typeof inviteBody>;

/** Slow mode of one conversation, from the console: seconds between a member's messages (0: off). */
export const slowModeConsoleBody = z.strictObject({ seconds: slowModeBody.shape.seconds, reason });
export type SlowModeInput = z.infer<typeof slowModeConsoleBody>;

/** The word filter's test box: a word list as edited (not saved yet) and a text to try it on. */
export const wordFilterTestBody = z.strictObject({
  words: wordFilterBody.shape.words,
  text: z.string().max(MESSAGE_LIMITS.textMaxChars),
});
export type WordFilterTestInput = z.infer<typeof wordFilterTestBody>;

export const moderatorBody = z.strictObject({ moderator: z.boolean() });

/** `PUT /v1/console/accounts/:accountId/operator`. */
export const operatorBody = z.strictObject({ operator: z.boolean({ error: "true or false" }) });

/** `GET /v1/console/accounts`: `q` the start of an e-mail. */
export const accountsQuery = z.strictObject({
  q: z.string().max(254, "At most 254 characters").default(""),
  cursor: z.string().max(400).optional(),
  limit: pageLimit(100, 50),
});

/** The accounts list's cursor: the last row's e-mail (unique). */
export const accountCursor = z.object({ e: z.string().max(254) });

export type AccountsQuery = z.infer<typeof accountsQuery>;
