import { Brackets, type DataSource, type Repository } from "typeorm";
import { type Caller, userOf } from "../shared/caller.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { relatedUsers } from "../contacts/relations.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { normalizeEmail } from "./email.js";
import { UserEntity } from "./user.entity.js";

export interface SearchOptions {
  q: string;
  limit: number;
  cursor?: { name: string; id: string } | undefined;
}

/** What the users service is built from. */
export interface UsersDeps {
  db: DataSource;
  uow: UnitOfWork;
  /** The app's settings (exactEmailSearch), from its cache. */
  apps: AppsService;
}

/**
 * Users of an app — the owner of the users table (others ask it: presence for lastSeenAt, auth
 * for passwords). Every query here is scoped by appId: there is no cross-app lookup.
 */
export class UsersService {
  private readonly repo: Repository<UserEntity>;

  constructor(private readonly deps: UsersDeps) {
    this.repo = deps.db.getRepository(UserEntity);
  }

  async createAccount(appId: string, input: { email: string; passwordHash: string; displayName: string }): Promise<UserEntity> {
    const now = Date.now();
    const user = this.repo.create({
      id: newId("usr"),
      appId,
      email: normalizeEmail(input.email),
      passwordHash: input.passwordHash,
      externalId: null,
      displayName: input.displayName,
      bio: "",
      avatarUrl: null,
      lastSeenAt: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.deps.uow.run(({ m }) => m.insert(UserEntity, user));
    } catch (err) {
      // The unique (appId, email) index decides, so two racing registrations cannot both win.
      if (isUniqueViolation(err)) throw new AppError("email_taken", "An account with this email already exists");
      throw err;
    }
    return user;
  }

  /** Exact match on the normalised form: the column compares byte for byte on every database. */
  findByEmail(appId: string, email: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ appId, email: normalizeEmail(email) });
  }

  /** Creates or refreshes the user a host site vouches for, keyed by (app, host user id). */
  async upsertExternal(appId: string, input: { externalId: string; displayName: string; avatarUrl: string | null }): Promise<UserEntity> {
    const now = Date.now();
    const existing = await this.repo.findOneBy({ appId, externalId: input.externalId });
    if (existing) {
      if (existing.displayName !== input.displayName || existing.avatarUrl !== input.avatarUrl) {
        existing.displayName = input.displayName;
        existing.avatarUrl = input.avatarUrl;
        existing.updatedAt = now;
        await this.deps.uow.run(({ m }) => m.update(UserEntity, { id: existing.id }, { displayName: input.displayName, avatarUrl: input.avatarUrl, updatedAt: now }));
      }
      return existing;
    }
    const user = this.repo.create({
      id: newId("usr"),
      appId,
      email: null,
      passwordHash: null,
      externalId: input.externalId,
      displayName: input.displayName,
      bio: "",
      avatarUrl: input.avatarUrl,
      lastSeenAt: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.deps.uow.run(({ m }) => m.insert(UserEntity, user));
      return user;
    } catch (err) {
      // First sign-in from two tabs at once: the other insert won; use its row.
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.repo.findOneBy({ appId, externalId: input.externalId });
      if (!winner) throw err;
      return winner;
    }
  }

  /** The caller's own account. */
  me(caller: Caller): Promise<UserEntity> {
    return this.get(caller.appId, userOf(caller));
  }

  /** A user of the caller's app (404 for anyone else). */
  find(caller: Caller, id: string): Promise<UserEntity> {
    return this.get(caller.appId, id);
  }

  /** A user of the app, by id: the lookup other services make (404 when absent). */
  async get(appId: string, id: string): Promise<UserEntity> {
    const user = canExist(id) ? await this.repo.findOneBy({ appId, id }) : null;
    // Exact match: MySQL's unicode_ci would also find `USR_…` for `usr_…`.
    if (!user || user.id !== id) throw notFound("User");
    return user;
  }

  /** Changes the caller's own profile. */
  async update(caller: Caller, patch: { displayName?: string | undefined; bio?: string | undefined; avatarUrl?: string | null; showLastSeen?: boolean | undefined }): Promise<UserEntity> {
    const { appId } = caller;
    const id = userOf(caller);
    const changes: Partial<UserEntity> = { updatedAt: Date.now() };
    if (patch.displayName !== undefined) changes.displayName = patch.displayName;
    if (patch.bio !== undefined) changes.bio = patch.bio;
    if (patch.avatarUrl !== undefined) changes.avatarUrl = patch.avatarUrl;
    if (patch.showLastSeen !== undefined) changes.showLastSeen = patch.showLastSeen;
    await this.deps.uow.run(({ m }) => m.update(UserEntity, { appId, id }, changes));
    return this.get(appId, id);
  }

  /**
   * Replaces a password hash if it is still `expected` (compare-and-set: of two concurrent changes
   * from the same current password, one wins). True when it was replaced.
   */
  async replacePassword(appId: string, id: string, expected: string, passwordHash: string, now: number): Promise<boolean> {
    const res = await this.deps.uow.run(({ m }) => m.update(UserEntity, { id, appId, passwordHash: expected }, { passwordHash, updatedAt: now }));
    return res.affected === 1;
  }

  /** When the user was last seen online (presence calls it when they go offline). */
  async markSeen(appId: string, id: string, at: number): Promise<void> {
    await this.deps.uow.run(({ m }) => m.update(UserEntity, { id, appId }, { lastSeenAt: at }));
  }

  /**
   * Users whose display name starts with `q`, ordered by (displayName, id), keyset-paged; served by
   * the (appId, displayName, id) index. Emails are private: matching them would tell a stranger
   * which addresses have accounts. Only an app that opted in (`exactEmailSearch`) also finds the
   * one user whose whole email `q` is (any spelling that normalises to it), by (appId, email).
   */
  async search(caller: Caller, opts: SearchOptions): Promise<UserEntity[]> {
    const app = await this.deps.apps.get(caller.appId);
    const qb = this.repo.createQueryBuilder("u").where("u.appId = :appId", { appId: app.id });
    if (opts.q) {
      const prefix = escapeLike(opts.q) + "%";
      const email = app.exactEmailSearch && opts.q.includes("@") ? normalizeEmail(opts.q) : undefined;
      qb.andWhere(
        new Brackets((w) => {
          w.where("u.displayName LIKE :prefix ESCAPE '!'", { prefix });
          if (email) w.orWhere("u.email = :email", { email });
        }),
      );
    }
    if (opts.cursor) {
      const { name, id } = opts.cursor;
      qb.andWhere(
        new Brackets((w) => {
          w.where("u.displayName > :cname", { cname: name }).orWhere(
            new Brackets((w2) => w2.where("u.displayName = :cname", { cname: name }).andWhere("u.id > :cid", { cid: id })),
          );
        }),
      );
    }
    return qb.orderBy("u.displayName", "ASC").addOrderBy("u.id", "ASC").take(opts.limit).getMany();
  }

  /** Which of `ids` the caller may see the `lastSeenAt` of (see contacts/relations.ts). */
  relatedTo(caller: Caller, ids: readonly string[]): Promise<Set<string>> {
    return relatedUsers(this.deps.db, caller.appId, userOf(caller), ids);
  }
}

const escapeLike = (s: string): string => s.replace(/[!%_]/g, (c) => "!" + c);

/** Both drivers' duplicate-key errors: MySQL ER_DUP_ENTRY, SQLite SQLITE_CONSTRAINT_UNIQUE. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return code === "ER_DUP_ENTRY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
