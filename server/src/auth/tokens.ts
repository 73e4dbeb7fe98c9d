import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { HostTokenClaims } from "@parley/sdk/protocol";
import { AppError } from "../shared/errors.js";

const ISSUER = "parley";
const AUDIENCE = "parley:access";

/** Secrets held as key objects at most; past it the cache starts again (a few hundred apps' secrets in practice). */
const KEYS_MAX = 1000;
const keys = new Map<string, KeyObject>();

/**
 * An HMAC secret as a KeyObject, made once per secret. Given a string, jsonwebtoken first tries
 * it as a PEM public key with `createPublicKey`, which throws, and only then makes a secret key:
 * measured at 1.8 ms of CPU per verify, a quarter of the server's time in a reconnect storm.
 */
export function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    if (keys.size >= KEYS_MAX) keys.clear();
    key = createSecretKey(Buffer.from(secret));
    keys.set(secret, key);
  }
  return key;
}

/** What an access token proves. */
export interface AccessClaims {
  userId: string;
  appId: string;
  /** The session (refresh-token family) it was issued for. */
  sessionId: string;
}

/** Signs and verifies Parley's own access tokens (HS256 only, issuer + audience checked). */
export class TokenService {
  constructor(
    private readonly secret: string,
    readonly accessTtlSec: number,
  ) {}

  private readonly key = secretKey(this.secret);

  signAccess(c: AccessClaims): string {
    return jwt.sign({ app: c.appId, sid: c.sessionId }, this.key, {
      algorithm: "HS256",
      subject: c.userId,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: this.accessTtlSec,
    });
  }

  /**
   * The refresh token that replaces `refreshToken` when it is rotated. Derived (keyed with the
   * secret), not random: a rotated token presented again within the grace window is answered
   * with this same successor, and only hashes of tokens are ever stored.
   */
  successorOf(refreshToken: string): string {
    return `rt_${createHmac("sha256", this.secret).update(`refresh:${refreshToken}`).digest("base64url")}`;
  }

  /** Throws `token_expired` (the client should refresh) or `invalid_token`. */
  verifyAccess(token: string): AccessClaims {
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new AppError("token_expired", "Access token expired");
      throw new AppError("invalid_token", "Invalid access token");
    }
    if (typeof payload === "string" || typeof payload.sub !== "string" || typeof payload["app"] !== "string" || typeof payload["sid"] !== "string") {
      throw new AppError("invalid_token", "Invalid access token");
    }
    return { userId: payload.sub, appId: payload["app"], sessionId: payload["sid"] };
  }
}

/**
 * Verifies a token the host site's backend signed with its app secret. Only HS256 is accepted
 * (so `alg: none` and key-confusion tricks fail), and `exp` is mandatory.
 */
export function verifyHostToken(token: string, appSecret: string): HostTokenClaims {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, secretKey(appSecret), { algorithms: ["HS256"] });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new AppError("invalid_token", "Host token expired");
    throw new AppError("invalid_token", "Invalid host token");
  }
  if (typeof payload === "string" || typeof payload.exp !== "number") {
    throw new AppError("invalid_token", "Host token must carry an exp claim");
  }
  return payload as unknown as HostTokenClaims;
}

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");
