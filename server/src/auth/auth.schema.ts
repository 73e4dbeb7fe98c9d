import { z } from "zod";
import { LIMITS } from "@parley/sdk/protocol";

export const email = z
  .string()
  .trim()
  .max(LIMITS.emailMaxChars)
  .pipe(z.email({ message: "Invalid email address" }))
  .transform((s) => s.toLowerCase());

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

/** Login checks shape only: an over-long password simply cannot match. */
export const loginBody = z.object({
  email: z.string().trim().min(1).max(LIMITS.emailMaxChars).transform((s) => s.toLowerCase()),
  password: z.string().min(1).max(1024),
});

export const hostTokenBody = z.object({ token: z.string().min(1).max(8192) });

export const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) });

/** The current password is only compared (like login); the new one is validated like registration. */
export const changePasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: password,
});

/** What a host site may put in the token it signs. An `email` claim is ignored: the host owns it. */
export const hostClaims = z.object({
  sub: z.string().trim().min(1).max(191),
  name: displayName,
  avatarUrl: z.url({ protocol: /^https?$/ }).max(1024).optional(),
  exp: z.number(),
});
