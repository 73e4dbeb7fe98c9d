import { z } from "zod";
import { LIMITS } from "@parley/sdk/protocol";
import { normalizeEmail } from "../users/email.js";

/** Room for padding and full-width spellings before normalising; the normalised form gets the real cap. */
const RAW_EMAIL_MAX = LIMITS.emailMaxChars * 4;

/** A new account's email: normalised (see normalizeEmail), then validated. */
export const email = z
  .string()
  .max(RAW_EMAIL_MAX)
  .transform(normalizeEmail)
  .pipe(
    z
      .string()
      .max(LIMITS.emailMaxChars)
      .pipe(z.email({ message: "Invalid email address" })),
  );

/** bcrypt only reads 72 bytes: longer passwords are refused, never silently truncated. */
export const password = z
  .string()
  .min(LIMITS.passwordMinChars, `Password must be at least ${LIMITS.passwordMinChars} characters`)
  .refine((s) => Buffer.byteLength(s, "utf8") <= LIMITS.passwordMaxBytes, {
    message: `Password must be at most ${LIMITS.passwordMaxBytes} bytes`,
  });

/** Control characters (newlines, NUL, escapes) have no place in a name shown to others. */
export const noControlChars = /^[^\p{Cc}]*$/u;

export const displayName = z
  .string()
  .trim()
  .min(1, "Display name is required")
  .max(LIMITS.displayNameMaxChars)
  .regex(noControlChars, "Display name must not contain control characters");

export const registerBody = z.object({ email, password, displayName });

/**
 * Login checks shape only: an over-long password simply cannot match. The email is normalised
 * exactly as at registration, and that form is also the lockout's key, so every spelling of one
 * address spends one budget.
 */
export const loginBody = z.object({
  email: z.string().max(RAW_EMAIL_MAX).transform(normalizeEmail).pipe(z.string().min(1).max(LIMITS.emailMaxChars)),
  password: z.string().min(1).max(1024),
});

export const hostTokenBody = z.object({ token: z.string().min(1).max(8192) });

export const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) });

/** The current password is only compared (like login); the new one is validated like registration. */
export const changePasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: password,
});

/** A lone UTF-16 surrogate cannot be stored: both databases would turn it into U+FFFD, merging ids. */
const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);

/**
 * What a host site may put in the token it signs. An `email` claim is ignored: the host owns it.
 * `sub` is the host's user id, kept verbatim (no trimming, no case folding): ` a` and `a` are two
 * users of the host, so they are two Parley users. Only an empty or all-blank one is refused.
 */
export const hostClaims = z.object({
  sub: z
    .string()
    .max(191)
    .refine((s) => s.trim() !== "", "sub must not be empty or blank")
    .refine(wellFormed, "sub must be well-formed Unicode"),
  name: displayName,
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(1024)
    .optional(),
  exp: z.number(),
});
