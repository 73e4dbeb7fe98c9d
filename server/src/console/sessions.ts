import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { In, LessThan, type DataSource, type Repository } from "typeorm";
import { sha256 } from "../auth/tokens.js";
import { newId } from "../shared/ids.js";
import { ConsoleSessionEntity } from "./console.entities.js";

/** A console session ends after this long without a request… */
export const IDLE_MS = 12 * 3600_000;
/** …and this long after sign-in, whatever it does. */
export const ABSOLUTE_MS = 7 * 24 * 3600_000;
/** lastSeenAt is written at most this often: a request is not a write. */
const TOUCH_MS = 60_000;
/** An account keeps at most this many sessions: a new sign-in ends the oldest past it. */
const MAX_PER_ACCOUNT = 20;

/** When a session lapses unless used again: idle too long, or its absolute end, whichever is first. */
export const deadlineOf = (s: Pick<ConsoleSessionEntity, "expiresAt" | "lastSeenAt">): number => Math.min(s.expiresAt, s.lastSeenAt + IDLE_MS);

/** Where a sign-in came from: shown in the session list, written to the audit log. */
export interface Client {
  ip: string;
  userAgent: string;
}

/**
 * Console sessions (the `console_sessions` table's writer): a random token in an HttpOnly cookie,
 * its SHA-256 in the row, checked on every request (so an ended session is ended on every node);
 * the CSRF token is an HMAC of the session id, so it needs no storage and changes with the session.
 */
export class ConsoleSessions {
  private readonly repo: Repository<ConsoleSessionEntity>;
  private readonly endedListeners = new Set<(ids: string[]) => void>();

  constructor(
    db: DataSource,
    private readonly secret: string,
  ) {
    this.repo = db.getRepository(ConsoleSessionEntity);
  }

  /** Calls `fn` with the ids of sessions ended here (the console feed drops their sockets on every node). */
  onEnded(fn: (ids: string[]) => void): () => void {
    this.endedListeners.add(fn);
    return () => this.endedListeners.delete(fn);
  }

  private ended(ids: string[]): void {
    if (ids.length > 0) for (const fn of this.endedListeners) fn(ids);
  }

  /** A new session for the account: its cookie token (never stored) and row. */
  async start(accountId: string, client: Client): Promise<{ token: string; session: ConsoleSessionEntity }> {
    const token = randomBytes(32).toString("base64url");
    const now = Date.now();
    const session = this.repo.create({
      id: newId("csn", 20),
      tokenHash: sha256(token),
      accountId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + ABSOLUTE_MS,
      ip: client.ip.slice(0, 64),
      userAgent: client.userAgent.slice(0, 200),
    });
    await this.repo.insert(session);
    const old = await this.repo.find({ where: { accountId }, order: { createdAt: "DESC" }, skip: MAX_PER_ACCOUNT, take: 1000, select: { id: true } });
    if (old.length > 0) {
      await this.repo.delete({ id: In(old.map((s) => s.id)) });
      this.ended(old.map((s) => s.id));
    }
    return { token, session };
  }

  /** The live session of a cookie's token, touched; null when unknown, idle too long or past its end (then removed). */
  async find(token: string): Promise<ConsoleSessionEntity | null> {
    if (!token || token.length > 100) return null;
    const session = await this.repo.findOneBy({ tokenHash: sha256(token) });
    if (!session) return null;
    const now = Date.now();
    if (now >= deadlineOf(session)) {
      await this.repo.delete({ id: session.id });
      this.ended([session.id]);
      return null;
    }
    if (now - session.lastSeenAt >= TOUCH_MS) {
      session.lastSeenAt = now;
      await this.repo.update({ id: session.id }, { lastSeenAt: now });
    }
    return session;
  }

  /**
   * The session's deadline as it stands (a request since may have moved it), or null once it has
   * ended; one found past it is removed and announced as ended, as a request would find it.
   */
  async deadline(id: string): Promise<number | null> {
    const session = await this.repo.findOne({ where: { id }, select: { id: true, expiresAt: true, lastSeenAt: true } });
    if (!session) return null;
    const at = deadlineOf(session);
    if (Date.now() < at) return at;
    await this.repo.delete({ id });
    this.ended([id]);
    return null;
  }

  csrfOf(session: ConsoleSessionEntity): string {
    return createHmac("sha256", this.secret).update(`console-csrf:${session.id}`).digest("base64url");
  }

  checkCsrf(session: ConsoleSessionEntity, given: string): boolean {
    const want = Buffer.from(this.csrfOf(session));
    const got = Buffer.from(given);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  list(accountId: string): Promise<ConsoleSessionEntity[]> {
    return this.repo.find({ where: { accountId }, order: { createdAt: "DESC" } });
  }

  /** Ends one of the account's sessions; false when it has none by that id. */
  async end(accountId: string, id: string): Promise<boolean> {
    const r = await this.repo.delete({ id, accountId });
    if (!r.affected) return false;
    this.ended([id]);
    return true;
  }

  /** Ends every session of the account but `keep` (a password or second-factor change), or all (its deletion). */
  async endOthers(accountId: string, keep: string | null): Promise<void> {
    const others = await this.repo.find({ where: { accountId }, select: { id: true } });
    const ids = others.map((s) => s.id).filter((id) => id !== keep);
    if (ids.length > 0) await this.repo.delete({ id: In(ids) });
    this.ended(ids);
  }

  /** Removes sessions past their absolute end (housekeeping; an expired one is refused anyway). */
  async prune(now = Date.now()): Promise<void> {
    await this.repo.delete({ expiresAt: LessThan(now) });
  }
}
