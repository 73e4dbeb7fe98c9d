import type { HostTokenClaims } from "@parley/sdk/protocol";
import { verifyHostToken } from "../auth/tokens.js";
import type { AppEntity } from "./app.entity.js";

/**
 * Verifies a host-signed token against the app's secret, and, during the grace period after an
 * `app:rotate-secret`, against the secret before it: the host site's backends switch over one by
 * one, and a token either of them signed meanwhile still works. After `previousSecretUntil` only
 * the current secret counts.
 */
export function verifyHostTokenOfApp(token: string, app: AppEntity, now = Date.now()): HostTokenClaims {
  try {
    return verifyHostToken(token, app.secret);
  } catch (err) {
    const previous = app.previousSecret && app.previousSecretUntil !== null && now < app.previousSecretUntil ? app.previousSecret : null;
    if (!previous) throw err;
    // jsonwebtoken checks the signature before `exp`: an expiry error means the old secret signed it.
    return verifyHostToken(token, previous);
  }
}
