import { randomBytes } from "node:crypto";
import { IsNull, MoreThan, Not, type DataSource, type Repository } from "typeorm";
import type { AuthResponse, HostTokenClaims } from "@parley/sdk/protocol";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { batchedRead } from "../db/read-batch.js";
import { type Caller, isUserCaller, userOf } from "../shared/caller.js";
import { AppError } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import type { AppEntity } from "../tenancy/app.entity.js";
import { UserEntity } from "../users/user.entity.js";
import { presentMe } from "../users/users.presenter.js";
import type { UsersService } from "../users/users.service.js";
import type { PasswordHasher } from "./passwords.js";
import { RefreshTokenEntity } from "./refresh-token.entity.js";
import { sha256, type TokenService, verifyHostToken } from "./tokens.js";
import type { ServerKeysService } from "../server-api/server-keys.service.js";
import jwt from "jsonwebtoken";
import { verifyHostTokenOfApp } from "../tenancy/app-secrets.js";
import { hostClaims } from "./auth.schema.js";
import { invalidField, parse } from "../shared/validate.js";

export interface AuthServiceDeps {
  db: DataSource;
  uow: UnitOfWork;
  tokens: TokenService;
  passwords: PasswordHasher;
  users: UsersService;
  refreshTtlSec: number;
  /** Live server keys: a host token whose header names one (`kid`) verifies with its secret. */
  serverKeys?: Pick<ServerKeysService, "liveKey">;
  /**
   * How long a rotated refresh token is still answered with the session's newest one before its
   * use counts as theft (default DEFAULT_REFRESH_GRACE_SEC; 0 turns the allowance off).
   */
  refreshGraceSec?: number;
  /** Moderation (moderation/gate.ts): a user banned from the app gets no session (login, host token, refresh). */
  bans?: { assertNotAppBanned(appId: string, userId: string): Promise<void>; isModerator?(appId: string, userId: string): Promise<boolean> } | undefined;
}

/** Seconds a just-rotated refresh token is still accepted: tabs sharing one session refresh near together. */
export const DEFAULT_REFRESH_GRACE_SEC = 30;

/** How many rotations within one grace window are followed to the newest token. */
const GRACE_MAX_HOPS = 8;

const invalidRefresh = (): AppError => new AppError("invalid_token", "Refresh token is invalid or expired");

/** Registration, login, host-signed sign-in, password change and the session lifecycle (refresh, logout). */
export class AuthService {
  private readonly refreshRepo: Repository<RefreshTokenEntity>;
  private readonly revokedListeners = new Set<(appId: string, userId: string, sessionId: string) => void>();

  constructor(private readonly deps: AuthServiceDeps) {
    this.refreshRepo = deps.db.getRepository(RefreshTokenEntity);
  }

  /** Verifies access tokens (the auth routes build their bearer check from it). */
  get tokens(): TokenService {
    return this.deps.tokens;
  }

  async register(app: AppEntity, input: { email: string; password: string; displayName: string }): Promise<AuthResponse> {
    const passwordHash = await this.deps.passwords.hash(input.password);
    const user = await this.deps.users.createAccount(app.id, { email: input.email, passwordHash, displayName: input.displayName });
    return this.startSession(user);
  }

  /** Unknown email and wrong password give the same error after the same work. */
  async login(app: AppEntity, input: { email: string; password: string }): Promise<AuthResponse> {
    const user = await this.deps.users.findByEmail(app.id, input.email);
    const ok = await this.deps.passwords.verify(input.password, user?.passwordHash ?? null);
    if (!user || !ok) throw new AppError("invalid_credentials", "Wrong email or password");
    await this.deps.bans?.assertNotAppBanned(app.id, user.id);
    return this.startSession(user);
  }

  async signInWithHostToken(app: AppEntity, token: string): Promise<AuthResponse> {
    const raw = await this.verifyHostToken(token, app);
    let claims: HostTokenClaims;
    try {
      claims = parse(hostClaims, raw);
    } catch (err) {
      throw new AppError("invalid_token", "Host token claims are invalid", (err as AppError).details);
    }
    const user = await this.deps.users.upsertExternal(app.id, {
      externalId: claims.sub,
      displayName: claims.name,
      avatarUrl: claims.avatarUrl ?? null,
    });
    await this.deps.bans?.assertNotAppBanned(app.id, user.id);
    return this.startSession(user);
  }

  /**
   * A host token with a `kid` header verifies with that live server key of the app (key rotation:
   * old and new keys verify side by side until the old one is revoked); an unknown, revoked or
   * other app's kid is a 401. Without a kid, the app secret (and its grace after a rotation).
   */
  private async verifyHostToken(token: string, app: AppEntity): Promise<HostTokenClaims> {
    let header: unknown;
    try {
      header = jwt.decode(token, { complete: true })?.header;
    } catch {
      header = undefined; // not a JWT: the verification below says so
    }
    const kid = header && typeof header === "object" && "kid" in header ? (header as { kid: unknown }).kid : undefined;
    if (kid === undefined) return verifyHostTokenOfApp(token, app);
    const key = typeof kid === "string" && this.deps.serverKeys ? await this.deps.serverKeys.liveKey(kid) : null;
    if (!key || key.appId !== app.id || key.id !== kid) throw new AppError("invalid_token", "Unknown or revoked server key");
    return verifyHostToken(token, key.secret);
  }

  /** How long a rotated refresh token is still answered (see AuthServiceDeps.refreshGraceSec). */
  get refreshGraceMs(): number {
    return (this.deps.refreshGraceSec ?? DEFAULT_REFRESH_GRACE_SEC) * 1000;
  }

  /**
   * Exchanges a refresh token for a new pair of the same session. A token rotates once; tabs of
   * one browser share it, though, and one tab may present it just after (or while) another
   * rotated it. For `refreshGraceMs` after its rotation such a token is answered with the
   * session's newest refresh token (the very one the first caller got: successors are derived,
   * see TokenService.successorOf) and a fresh access token, as Auth0's reuse interval does. Later,
   * presenting it means it leaked (or was replayed): the whole session is revoked.
   */
  async refresh(app: AppEntity, refreshToken: string): Promise<AuthResponse> {
    const now = Date.now();
    const row = await this.liveToken(app.id, refreshToken, now);
    if (row.rotatedAt !== null && now - row.rotatedAt >= this.refreshGraceMs) {
      await this.revokeFamily(row);
      throw new AppError("invalid_token", "Refresh token was already used; the session has been revoked");
    }
    const user = await this.deps.db.getRepository(UserEntity).findOneBy({ id: row.userId, appId: app.id });
    if (!user || user.deletedAt !== null) throw invalidRefresh();
    await this.deps.bans?.assertNotAppBanned(app.id, user.id);
    if (row.rotatedAt !== null) {
      // Within the grace window: walk the chain of successors to the session's newest token.
      let token = refreshToken;
      for (let hop = 0; hop < GRACE_MAX_HOPS; hop++) {
        token = this.deps.tokens.successorOf(token);
        if ((await this.liveToken(app.id, token, now)).rotatedAt === null) return this.answer(user, row.familyId, token);
      }
      throw invalidRefresh();
    }
    // The successor is stored before this token is marked rotated, so whoever sees the mark
    // finds the successor. Two refreshes racing with this token both insert the same successor
    // (the second insert is ignored) and both answer it: neither is taken for a thief.
    const next = this.deps.tokens.successorOf(refreshToken);
    await this.insertToken(user, row.familyId, next, now);
    await this.deps.uow.run(({ m }) => m.update(RefreshTokenEntity, { id: row.id, rotatedAt: IsNull() }, { rotatedAt: now }));
    // A logout or password change that revoked the family after the check above must not be
    // outlived by the token just inserted (the revoke's UPDATE did not see it).
    if (await this.refreshRepo.existsBy({ familyId: row.familyId, revokedAt: Not(IsNull()) })) {
      await this.revokeFamily(row);
      throw invalidRefresh();
    }
    return this.answer(user, row.familyId, next);
  }

  /**
   * Replaces a Parley account's password. Every session of the user ends, the caller's included
   * (each fires `onSessionRevoked`, so their sockets drop on every node), and the caller gets a
   * fresh session. A wrong current password answers exactly like a wrong login.
   */
  async changePassword(caller: Caller, input: { currentPassword: string; newPassword: string }): Promise<AuthResponse> {
    const appId = caller.appId;
    // An access token outlives its session by a few minutes: a revoked one may not do this.
    const session = isUserCaller(caller) ? caller.session : undefined;
    if (session === undefined || !(await this.isSessionActive(session))) throw new AppError("invalid_token", "This session has ended");
    const user = await this.deps.db.getRepository(UserEntity).findOneBy({ id: userOf(caller), appId });
    if (!user) throw new AppError("invalid_token", "Invalid access token");
    if (user.passwordHash === null) {
      throw new AppError("forbidden", "This account signs in through its host site and has no Parley password");
    }
    const wrong = new AppError("invalid_credentials", "Wrong email or password");
    if (!(await this.deps.passwords.verify(input.currentPassword, user.passwordHash))) throw wrong;
    const passwordHash = await this.deps.passwords.hash(input.newPassword);
    const now = Date.now();
    // Compare-and-set: of two concurrent changes from the same current password, one wins.
    if (!(await this.deps.users.replacePassword(appId, user.id, user.passwordHash, passwordHash, now))) throw wrong;
    await this.revokeAllSessions(appId, user.id);
    return this.startSession(Object.assign(user, { passwordHash, updatedAt: now }));
  }

  /**
   * Before an account is deleted (`DELETE /v1/me`): the session must still be live, and a Parley
   * account must give its current password (a wrong or missing one answers like a wrong login); a
   * user who signs in through the host site has no password to give.
   */
  async confirmDeletion(caller: Caller, password: string | undefined): Promise<void> {
    const session = isUserCaller(caller) ? caller.session : undefined;
    if (session === undefined || !(await this.isSessionActive(session))) throw new AppError("invalid_token", "This session has ended");
    const user = await this.deps.db.getRepository(UserEntity).findOneBy({ id: userOf(caller), appId: caller.appId });
    if (!user || user.deletedAt !== null) throw new AppError("invalid_token", "Invalid access token");
    if (user.passwordHash === null) return;
    if (password === undefined) throw invalidField("password", "Required for an account with a password");
    if (!(await this.deps.passwords.verify(password, user.passwordHash))) throw new AppError("invalid_credentials", "Wrong email or password");
  }

  /** Ends every session of the user (account deletion): their sockets drop on every node. */
  endAllSessions(appId: string, userId: string): Promise<void> {
    return this.revokeAllSessions(appId, userId);
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored (idempotent). */
  async logout(app: AppEntity, refreshToken: string): Promise<void> {
    const row = await this.refreshRepo.findOneBy({ tokenHash: sha256(refreshToken), appId: app.id });
    if (row) await this.revokeFamily(row);
  }

  /** Called whenever a session ends (logout, reuse detected, password change): the realtime layer drops its sockets. */
  onSessionRevoked(fn: (appId: string, userId: string, sessionId: string) => void): () => void {
    this.revokedListeners.add(fn);
    return () => this.revokedListeners.delete(fn);
  }

  /**
   * True while the session has not been revoked (checked twice on every socket connect). Plain
   * SQL, stopping at the first live token of the family (ix_refresh_tokens_family): the query
   * builder's `COUNT` cost more CPU than the lookup itself (issue 34).
   */
  async isSessionActive(sessionId: string): Promise<boolean> {
    const rows: unknown[] = await batchedRead(this.deps.db, "SELECT 1 AS live FROM refresh_tokens WHERE familyId = ? AND revokedAt IS NULL LIMIT 1", [
      sessionId,
    ]);
    return rows.length > 0;
  }

  private async startSession(user: UserEntity): Promise<AuthResponse> {
    const familyId = newId("ses");
    const refreshToken = `rt_${randomBytes(32).toString("base64url")}`;
    await this.insertToken(user, familyId, refreshToken, Date.now());
    return this.answer(user, familyId, refreshToken);
  }

  /** A stored, unrevoked, unexpired refresh token of the app (rotated or not), or `invalid_token`. */
  private async liveToken(appId: string, refreshToken: string, now: number): Promise<RefreshTokenEntity> {
    const row = await this.refreshRepo.findOneBy({ tokenHash: sha256(refreshToken), appId });
    if (!row || row.revokedAt !== null || row.expiresAt <= now) throw invalidRefresh();
    return row;
  }

  /** Stores a refresh token (its hash); one already stored is left as it is. */
  private async insertToken(user: UserEntity, familyId: string, refreshToken: string, now: number): Promise<void> {
    await this.deps.uow.run(({ m }) =>
      m
        .createQueryBuilder()
        .insert()
        .into(RefreshTokenEntity)
        .values({
          id: newId("rtk"),
          appId: user.appId,
          userId: user.id,
          familyId,
          tokenHash: sha256(refreshToken),
          createdAt: now,
          expiresAt: now + this.deps.refreshTtlSec * 1000,
          rotatedAt: null,
          revokedAt: null,
        })
        .orIgnore()
        .execute(),
    );
  }

  /** A session's answer; `user.moderator` as GET /me has it, so a UI knows at sign-in and on every refresh. */
  private async answer(user: UserEntity, familyId: string, refreshToken: string): Promise<AuthResponse> {
    const moderator = (await this.deps.bans?.isModerator?.(user.appId, user.id)) ?? false;
    return {
      user: { ...presentMe(user), ...(moderator ? { moderator: true as const } : {}) },
      accessToken: this.deps.tokens.signAccess({ userId: user.id, appId: user.appId, sessionId: familyId }),
      expiresIn: this.deps.tokens.accessTtlSec,
      refreshToken,
    };
  }

  /** Ends every session of a user, and tells the listeners about each one that may still be in use. */
  private async revokeAllSessions(appId: string, userId: string): Promise<void> {
    const now = Date.now();
    await this.deps.uow.run(({ m }) => m.update(RefreshTokenEntity, { appId, userId, revokedAt: IsNull() }, { revokedAt: now }));
    // Read after the update, so a token that a racing refresh inserted before it is covered; one
    // inserted after it is caught by refresh itself. Long-expired sessions need no socket sweep.
    const ended: { familyId: string }[] = await this.refreshRepo
      .createQueryBuilder("t")
      .select("DISTINCT t.familyId", "familyId")
      .where({ appId, userId, revokedAt: now, expiresAt: MoreThan(now) })
      .getRawMany();
    for (const { familyId } of ended) {
      for (const fn of this.revokedListeners) fn(appId, userId, familyId);
    }
  }

  private async revokeFamily(row: RefreshTokenEntity): Promise<void> {
    await this.deps.uow.run(({ m }) => m.update(RefreshTokenEntity, { familyId: row.familyId, revokedAt: IsNull() }, { revokedAt: Date.now() }));
    for (const fn of this.revokedListeners) fn(row.appId, row.userId, row.familyId);
  }
}
