import { escapeLike } from "../db/sql.js";
import { Brackets, In, IsNull, type DataSource, type EntityManager, type Repository } from "typeorm";
import type { CustomData } from "@parley/sdk/protocol";
import { type Caller, type ServerCaller, userOf } from "../shared/caller.js";
import { storeData } from "../shared/custom-data.js";
import type { NewEvent } from "../events/event-log.js";
import { presentUser } from "./users.presenter.js";
import { isUniqueViolation } from "../db/db-errors.js";
import { keysetAfter } from "../db/keyset.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { chunks } from "../shared/chunks.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { relatedUsers } from "../contacts/relations.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { normalizeEmail } from "./email.js";
import { UserEntity } from "./user.entity.js";
import { DELETED_USER_NAME } from "./tombstone.js";

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
  /** The word filter, for display names when the app filters names (moderation/gate.ts). */
  names?: { filterName(appId: string, name: string): Promise<string> } | undefined;
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
    input = { ...input, displayName: await this.filteredName(appId, input.displayName) };
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
      await this.insertUser(user);
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

  /** A display name as the app's word filter leaves it (as given unless the app filters names). */
  private filteredName(appId: string, name: string): Promise<string> {
    return this.deps.names ? this.deps.names.filterName(appId, name) : Promise.resolve(name);
  }

  /** Creates or refreshes the user a host site vouches for, keyed by (app, host user id). */
  async upsertExternal(appId: string, input: { externalId: string; displayName: string; avatarUrl: string | null }): Promise<UserEntity> {
    input = { ...input, displayName: await this.filteredName(appId, input.displayName) };
    const now = Date.now();
    const existing = await this.repo.findOneBy({ appId, externalId: input.externalId });
    if (existing) {
      if (existing.displayName !== input.displayName || existing.avatarUrl !== input.avatarUrl) {
        existing.displayName = input.displayName;
        existing.avatarUrl = input.avatarUrl;
        existing.updatedAt = now;
        await this.deps.uow.run(({ m }) =>
          m.update(UserEntity, { id: existing.id }, { displayName: input.displayName, avatarUrl: input.avatarUrl, updatedAt: now }),
        );
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
      await this.insertUser(user);
      return user;
    } catch (err) {
      // First sign-in from two tabs at once: the other insert won; use its row.
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.repo.findOneBy({ appId, externalId: input.externalId });
      if (!winner) throw err;
      return winner;
    }
  }

  /**
   * The host's backend creates or updates the user it knows as `sub` (their externalId). Fields
   * left out stay as they are; `avatarUrl`, `email` and `data` set to null are cleared. An email
   * another user of the app has is a 409. Two racing creations: the loser updates the winner's row.
   */
  async upsertBySub(
    caller: ServerCaller,
    input: { sub: string; name: string; avatarUrl?: string | null | undefined; email?: string | null | undefined; data?: CustomData | null | undefined },
  ): Promise<{ user: UserEntity; created: boolean }> {
    const { appId } = caller;
    input = { ...input, name: await this.filteredName(appId, input.name) };
    const email = input.email === undefined || input.email === null ? input.email : normalizeEmail(input.email);
    const existing = await this.findBySub(appId, input.sub);
    const now = Date.now();
    if (!existing) {
      const user = this.repo.create({
        id: newId("usr"),
        appId,
        email: email ?? null,
        passwordHash: null,
        externalId: input.sub,
        displayName: input.name,
        bio: "",
        avatarUrl: input.avatarUrl ?? null,
        lastSeenAt: null,
        createdAt: now,
        updatedAt: now,
        data: storeData(input.data),
      });
      try {
        await this.insertUser(user);
        return { user, created: true };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Not a racing twin: the email is taken (or, on MariaDB, a sub differing only in trailing spaces).
        if (!(await this.findBySub(appId, input.sub))) throw new AppError("conflict", "Another user of this app has this email or this sub");
        return this.upsertBySub(caller, input);
      }
    }
    const changes: Partial<UserEntity> = { displayName: input.name, updatedAt: now };
    if (input.avatarUrl !== undefined) changes.avatarUrl = input.avatarUrl;
    if (email !== undefined) changes.email = email;
    if (input.data !== undefined) changes.data = storeData(input.data);
    try {
      await this.deps.uow.run(({ m }) => m.update(UserEntity, { appId, id: existing.id }, changes));
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError("email_taken", "Another user of this app has this email");
      throw err;
    }
    return { user: await this.get(appId, existing.id), created: false };
  }

  /** The user the host knows as `sub` (exactly: MySQL's unicode_ci would match other spellings), or null. */
  async findBySub(appId: string, sub: string): Promise<UserEntity | null> {
    const user = sub.length <= 191 ? await this.repo.findOneBy({ appId, externalId: sub }) : null;
    return user && user.externalId === sub ? user : null;
  }

  /** Users by the host's ids, in one query: a map from sub to user; the subs that name no one are absent. */
  async findBySubs(appId: string, subs: string[]): Promise<Map<string, UserEntity>> {
    const out = new Map<string, UserEntity>();
    const wanted = [...new Set(subs)].filter((s) => s.length <= 191);
    for (const chunk of chunks(wanted, 500)) {
      const rows = await this.repo.find({ where: { appId, externalId: In(chunk) } });
      for (const u of rows) if (u.externalId !== null && wanted.includes(u.externalId)) out.set(u.externalId, u);
    }
    return out;
  }

  /**
   * Inserts a new user with its `user.created` event, in one unit. The event is the app's (no
   * user, no conversation): webhooks get it, while no /sync or socket does (a new user's own
   * stream starts with what concerns them, as before the server API).
   */
  private insertUser(user: UserEntity): Promise<void> {
    return this.deps.uow.write(user.appId, async (m) => {
      await m.insert(UserEntity, user);
      const event: NewEvent<"user.created"> = { type: "user.created", conversationId: null, userId: null, data: { user: presentUser(user) } };
      return { result: undefined, events: [event] };
    });
  }

  /** The caller's own account. */
  me(caller: Caller): Promise<UserEntity> {
    return this.get(caller.appId, userOf(caller));
  }

  /** A user of the caller's app (404 for anyone else); a deleted account answers its tombstone ("Deleted user"). */
  find(caller: Caller, id: string): Promise<UserEntity> {
    return this.get(caller.appId, id, { tombstones: true });
  }

  /** A user of the app, by id: the lookup other services make (404 when absent or deleted). */
  async get(appId: string, id: string, opts: { tombstones?: boolean } = {}): Promise<UserEntity> {
    const user = canExist(id) ? await this.repo.findOneBy({ appId, id }) : null;
    // Exact match: MySQL's unicode_ci would also find `USR_…` for `usr_…`.
    if (!user || user.id !== id || (user.deletedAt !== null && !opts.tombstones)) throw notFound("User");
    return user;
  }

  /**
   * Account deletion (issue 17), inside the deleting unit: the row stays as a tombstone, so the
   * senderId of the user's tombstoned messages still names someone, but nothing of theirs is left
   * on it (name, email, sub, password, bio, avatar, custom data, last seen) and no sign-in finds it.
   * False when it was deleted already.
   */
  async anonymise(m: EntityManager, appId: string, id: string, now: number): Promise<boolean> {
    const res = await m.update(
      UserEntity,
      { appId, id, deletedAt: IsNull() },
      {
        displayName: DELETED_USER_NAME,
        email: null,
        passwordHash: null,
        externalId: null,
        bio: "",
        avatarUrl: null,
        data: null,
        lastSeenAt: null,
        showLastSeen: false,
        deletedAt: now,
        updatedAt: now,
      },
    );
    return res.affected === 1;
  }

  /** Changes the caller's own profile. */
  async update(
    caller: Caller,
    patch: { displayName?: string | undefined; bio?: string | undefined; avatarUrl?: string | null; showLastSeen?: boolean | undefined },
  ): Promise<UserEntity> {
    const { appId } = caller;
    const id = userOf(caller);
    const changes: Partial<UserEntity> = { updatedAt: Date.now() };
    if (patch.displayName !== undefined) changes.displayName = await this.filteredName(appId, patch.displayName);
    if (patch.bio !== undefined) changes.bio = patch.bio;
    if (patch.avatarUrl !== undefined) changes.avatarUrl = patch.avatarUrl;
    if (patch.showLastSeen !== undefined) changes.showLastSeen = patch.showLastSeen;
    // A deleted account's access token outlives it by a few minutes: it changes nothing here.
    await this.deps.uow.run(({ m }) => m.update(UserEntity, { appId, id, deletedAt: IsNull() }, changes));
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

  /** Marks (or unmarks) an AI agent's user: agents/ calls it as an agent is made and removed. */
  async markAgent(appId: string, id: string, agent: boolean): Promise<void> {
    await this.deps.uow.run(({ m }) => m.update(UserEntity, { id, appId }, { agent, updatedAt: Date.now() }));
  }

  /** When the user was last seen online (presence calls it when they go offline). */
  async markSeen(appId: string, id: string, at: number): Promise<void> {
    await this.deps.uow.run(({ m }) => m.update(UserEntity, { id, appId, deletedAt: IsNull() }, { lastSeenAt: at }));
  }

  /**
   * Users whose display name starts with `q`, ordered by (displayName, id), keyset-paged; served by
   * the (appId, displayName, id) index. Emails are private: matching them would tell a stranger
   * which addresses have accounts. Only an app that opted in (`exactEmailSearch`) also finds the
   * one user whose whole email `q` is (any spelling that normalises to it), by (appId, email).
   */
  async search(caller: Caller, opts: SearchOptions): Promise<UserEntity[]> {
    const app = await this.deps.apps.get(caller.appId);
    const qb = this.repo.createQueryBuilder("u").where("u.appId = :appId", { appId: app.id }).andWhere("u.deletedAt IS NULL");
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
    if (opts.cursor) keysetAfter(qb, "asc", ["u.displayName", "u.id"], [opts.cursor.name, opts.cursor.id]);
    return qb.orderBy("u.displayName", "ASC").addOrderBy("u.id", "ASC").take(opts.limit).getMany();
  }

  /** Which of `ids` the caller may see the `lastSeenAt` of (see contacts/relations.ts). */
  relatedTo(caller: Caller, ids: readonly string[]): Promise<Set<string>> {
    return relatedUsers(this.deps.db, caller.appId, userOf(caller), ids);
  }
}
