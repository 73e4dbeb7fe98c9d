import { Secret, TOTP } from "otpauth";

/** RFC 6238 as every authenticator app reads it: SHA-1, six digits, 30-second steps. */
const PERIOD_S = 30;

const totpOf = (secret: string, label = "console"): TOTP =>
  new TOTP({ issuer: "Parley", label, algorithm: "SHA1", digits: 6, period: PERIOD_S, secret: Secret.fromBase32(secret) });

/** A new secret (160 bits, base32) and the otpauth:// URI an authenticator app scans. */
export function newTotpSecret(email: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpOf(secret, email).toString() };
}

/**
 * The step of `code` if it is valid now (one step of clock drift either way), else null. The
 * caller refuses a step it has already accepted: a code seen once is not a password for 90 s.
 */
export function totpStep(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret).validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_S) + delta;
}

/** The code of `secret` at `now` (tests and the CLI's checks). */
export const totpCode = (secret: string, now = Date.now()): string => totpOf(secret).generate({ timestamp: now });
