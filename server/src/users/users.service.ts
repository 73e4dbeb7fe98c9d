import { Brackets, type DataSource, type Repository } from "typeorm";
import { AppError, notFound } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import { relatedUsers } from "../contacts/relations.js";
import type { AppEntity } from "../tenancy/app.entity.js";
import { normalizeEmail } from "./email.js";
import { UserEntity } from "./user.entity.js";

export interface SearchOptions {
  q: string;
  limit: number;
  cursor?: { name: string; id: string } | undefined;
}

/** Users of an app. Every query here is scoped by appId: there is no cross-app lookup. */
export class UsersService {
  private readonly repo: Repository<UserEntity>;

  constructor(private readonly db: DataSource) {
    this.repo = db.getRepository(UserEntity);
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
      await this.repo.insert(user);
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
        await this.repo.update({ id: existing.id }, { displayName: input.displayName, avatarUrl: input.avatarUrl, updatedAt: now });
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
      await this.repo.insert(user);
      return user;
    } catch (err) {
      // First sign-in from two tabs at once: the other insert won; use its row.
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.repo.findOneBy({ appId, externalId: input.externalId });
      if (!winner) throw err;
      return winner;
    }
  }

  async get(appId: string, id: string): Promise<UserEntity> {
    const user = id.length <= 32 ? await this.repo.findOneBy({ appId, id }) : null;
    // Exact match: MySQL's unicode_ci would also find `USR_…` for `usr_…`.
    if (!user || user.id !== id) throw notFound("User");
    return user;
  }

  async update(appId: string, id: string, patch: { displayName?: string | undefined; bio?: string | undefined; avatarUrl?: string | null; showLastSeen?: boolean | undefined }): Promise<UserEntity> {
    const changes: Partial<UserEntity> = { updatedAt: Date.now() };
    if (patch.displayName !== undefined) changes.displayName = patch.displayName;
    if (patch.bio !== undefined) changes.bio = patch.bio;
    if (patch.avatarUrl !== undefined) changes.avatarUrl = patch.avatarUrl;
    if (patch.showLastSeen !== undefined) changes.showLastSeen = patch.showLastSeen;
    await this.repo.update({ appId, id }, changes);
    return this.get(appId, id);
  }

  /**
   * Users whose display name starts with `q`, ordered by (displayName, id), keyset-paged; served by
   * the (appId, displayName, id) index. Emails are private: matching them would tell a stranger
   * which addresses have accounts. Only an app that opted in (`exactEmailSearch`) also finds the
   * one user whose whole email `q` is (any spelling that normalises to it), by (appId, email).
   */
  async search(app: AppEntity, opts: SearchOptions): Promise<UserEntity[]> {
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

  /** Which of `ids` the viewer may see the `lastSeenAt` of (see contacts/relations.ts). */
  relatedTo(appId: string, viewerId: string, ids: readonly string[]): Promise<Set<string>> {
    return relatedUsers(this.db, appId, viewerId, ids);
  }
}

const escapeLike = (s: string): string => s.replace(/[!%_]/g, (c) => "!" + c);

/** Both drivers' duplicate-key errors: MySQL ER_DUP_ENTRY, SQLite SQLITE_CONSTRAINT_UNIQUE. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return code === "ER_DUP_ENTRY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
