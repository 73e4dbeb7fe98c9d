import type { DataSource, Repository } from "typeorm";
import { onPrimary } from "../db/read-replicas.js";
import { AppError } from "../shared/errors.js";
import type { FieldProblem } from "../shared/validate.js";
import { canExist, newId, newSecret } from "../shared/ids.js";
import { DOMAIN_RULES_MAX, normalizeHostPatterns } from "../previews/links.js";
import { AppEntity } from "./app.entity.js";

/** What `app:update` (and the console's settings) may change; an absent field stays as it is. */
export interface UpdateAppInput {
  name?: string;
  allowedOrigins?: string[];
  /** The app's group policy (null: the server's GROUP_DIRECT_ADD / GROUP_MAX_MEMBERS; conversations/group-policy.ts). */
  groupDirectAdd?: boolean | null;
  groupMaxMembers?: number | null;
  /** The largest conversation whose members are pushed each other's presence (null: PRESENCE_GROUP_MAX; presence/). */
  presenceGroupMax?: number | null;
  exactEmailSearch?: boolean;
  /** The longest voice message in seconds (null: the server's VOICE_MAX_SECONDS); the caller bounds it. */
  voiceMaxSeconds?: number | null;
  /** Link previews on or off, and their host lists (previews/links.ts: `example.com`, `*.example.com`; at most 200 each). */
  linkPreviews?: boolean;
  previewAllow?: string[];
  previewDeny?: string[];
}

/** The longest grace an old secret may get after a rotation. */
export const MAX_SECRET_GRACE_MS = 30 * 24 * 3600_000;

export interface CreateAppInput {
  name: string;
  allowedOrigins: string[];
  /** See AppEntity.exactEmailSearch; default false. */
  exactEmailSearch?: boolean;
}

/** How long an app read from the DB is trusted in memory (origin lists change rarely). */
const CACHE_TTL_MS = 30_000;
/**
 * Entries kept at most: ids come from clients (headers, query, tokens), so misses are cached too,
 * but boundedly. Least recently used goes first (each hit moves its app to the back), so a flood
 * of made-up ids evicts idle entries and its own before the apps in steady use.
 */
const CACHE_MAX = 10_000;

/** Apps (host sites): created by the CLI, read on every request, so cached briefly. */
export class AppsService {
  private readonly repo: Repository<AppEntity>;
  private readonly cache = new Map<string, { app: AppEntity | null; at: number }>();
  private all: { apps: AppEntity[]; at: number } | undefined;

  constructor(db: DataSource) {
    this.repo = db.getRepository(AppEntity);
  }

  async create(input: CreateAppInput): Promise<AppEntity> {
    const origins = input.allowedOrigins.map((o, i) => checkedOrigin(o, i));
    const app = this.repo.create({
      id: newId("app", 16),
      name: input.name,
      secret: newSecret("sk"),
      allowedOrigins: origins,
      exactEmailSearch: input.exactEmailSearch ?? false,
      createdAt: Date.now(),
      disabledAt: null,
      previousSecret: null,
      previousSecretUntil: null,
      updatedAt: Date.now(),
    });
    await this.repo.insert(app);
    this.cache.delete(app.id);
    this.all = undefined;
    return app;
  }

  /** Turns exact-email lookup in user search on or off for an app (see AppEntity.exactEmailSearch). */
  async setExactEmailSearch(id: string, on: boolean): Promise<void> {
    await this.repo.update({ id }, { exactEmailSearch: on });
    this.cache.delete(id);
    this.all = undefined;
  }

  list(): Promise<AppEntity[]> {
    return this.repo.find({ order: { createdAt: "ASC" } });
  }

  /**
   * The app, or null when no such app exists. A disabled app throws a 403 that says so: every
   * request and socket handshake looks its app up here, so all of them are refused alike.
   */
  async find(id: string): Promise<AppEntity | null> {
    const app = await this.findCached(id);
    if (app?.disabledAt != null) throw new AppError("forbidden", "This app is disabled", { reason: "app_disabled" });
    return app;
  }

  /** The app, disabled or not, or null: the console manages disabled apps too. */
  findAny(id: string): Promise<AppEntity | null> {
    return this.findCached(id);
  }

  private async findCached(id: string): Promise<AppEntity | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) {
      // A Map iterates in insertion order: re-inserting makes this the most recently used.
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit.app;
    }
    if (!canExist(id)) return null; // no app id is longer; not worth a query or a cache entry
    // From the primary even on a route that reads a replica: what is cached here is served for
    // CACHE_TTL_MS to every request of this node.
    const found = await onPrimary(() => this.repo.findOneBy({ id }));
    // Exact match: MySQL's unicode_ci would also find `APP_…` for `app_…`.
    const app = found && found.id === id ? found : null;
    this.cache.delete(id);
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, { app, at: Date.now() });
    return app;
  }

  /** True when at least one app allows `origin` (answers preflights that name no app). */
  async anyAllows(origin: string): Promise<boolean> {
    if (!this.all || Date.now() - this.all.at > CACHE_TTL_MS) this.all = { apps: await this.list(), at: Date.now() };
    return this.all.apps.some((a) => a.disabledAt == null && isOriginAllowed(a, origin));
  }

  /** Drops the cached copy: the next look-up reads the row (another process changed it). */
  forget(id: string): void {
    this.cache.delete(id);
    this.all = undefined;
  }

  /** The app in whatever state (disabled too), read from the database: for operators' commands. */
  async lookup(id: string): Promise<AppEntity> {
    const found = canExist(id) ? await this.repo.findOneBy({ id }) : null;
    if (!found || found.id !== id) throw new AppError("not_found", `No app with id ${id}`);
    return found;
  }

  /** Renames an app, replaces its allowed origins (each an http(s) origin, or `*`), sets its group policy and e-mail search. */
  async update(id: string, input: UpdateAppInput): Promise<AppEntity> {
    const app = await this.lookup(id);
    const changes: Partial<AppEntity> = { updatedAt: Date.now() };
    if (input.name !== undefined) changes.name = input.name;
    if (input.allowedOrigins !== undefined) changes.allowedOrigins = [...new Set(input.allowedOrigins.map((o, i) => checkedOrigin(o, i)))];
    if (input.groupDirectAdd !== undefined) changes.groupDirectAdd = input.groupDirectAdd;
    if (input.groupMaxMembers !== undefined) changes.groupMaxMembers = input.groupMaxMembers;
    if (input.presenceGroupMax !== undefined) changes.presenceGroupMax = input.presenceGroupMax;
    if (input.exactEmailSearch !== undefined) changes.exactEmailSearch = input.exactEmailSearch;
    if (input.voiceMaxSeconds !== undefined) changes.voiceMaxSeconds = input.voiceMaxSeconds;
    if (input.linkPreviews !== undefined) changes.linkPreviews = input.linkPreviews;
    if (input.previewAllow !== undefined) changes.previewAllow = checkedHostPatterns(input.previewAllow, "previewAllow");
    if (input.previewDeny !== undefined) changes.previewDeny = checkedHostPatterns(input.previewDeny, "previewDeny");
    await this.repo.update({ id }, changes);
    this.forget(id);
    return Object.assign(app, changes);
  }

  /**
   * Gives the app a new secret. Host tokens signed with the old one keep verifying for `graceMs`
   * (0: not at all), while the host site's backends switch; only the latest old secret is kept.
   */
  async rotateSecret(id: string, graceMs: number): Promise<AppEntity> {
    if (!Number.isSafeInteger(graceMs) || graceMs < 0 || graceMs > MAX_SECRET_GRACE_MS)
      throw new AppError("validation_failed", "The grace period must be between 0 and 30 days");
    const app = await this.lookup(id);
    const now = Date.now();
    const changes = {
      secret: newSecret("sk"),
      previousSecret: graceMs > 0 ? app.secret : null,
      previousSecretUntil: graceMs > 0 ? now + graceMs : null,
      updatedAt: now,
    };
    await this.repo.update({ id }, changes);
    this.forget(id);
    return Object.assign(app, changes);
  }

  /** Disables (refuses every request and socket of) or re-enables an app; its data stays. */
  async setDisabled(id: string, disabled: boolean): Promise<AppEntity> {
    const app = await this.lookup(id);
    const now = Date.now();
    const changes = { disabledAt: disabled ? (app.disabledAt ?? now) : null, updatedAt: now };
    await this.repo.update({ id }, changes);
    this.forget(id);
    return Object.assign(app, changes);
  }

  /** The app, or a 404 that looks the same as any other missing resource. */
  async get(id: string): Promise<AppEntity> {
    const app = await this.find(id);
    if (!app) throw new AppError("not_found", "App not found");
    return app;
  }
}

/** True when a browser at `origin` may talk to `app`. Exact match only: no suffix games. */
export function isOriginAllowed(app: AppEntity, origin: string): boolean {
  if (app.allowedOrigins.includes("*")) return true;
  let normalized: string;
  try {
    normalized = normalizeOrigin(origin);
  } catch {
    return false;
  }
  return app.allowedOrigins.includes(normalized);
}

/** A preview host list as stored, or a 400 naming the entry (`previewAllow.<i>`), or the list past its length. */
function checkedHostPatterns(list: string[], field: string): string[] {
  const checked = normalizeHostPatterns(list);
  if (checked.ok) return checked.list;
  const path = checked.index < 0 ? field : `${field}.${checked.index}`;
  const message = checked.index < 0 ? checked.message : `"${list[checked.index]}": ${checked.message}`;
  const kind = checked.index < 0 ? { issue: "too_big", limit: DOMAIN_RULES_MAX, origin: "array" } : { issue: "invalid_format", format: "hostname" };
  throw new AppError("validation_failed", message, [{ path, message, ...kind } satisfies FieldProblem]);
}

/** The origin normalised, or a 400 naming the list entry (`allowedOrigins.<i>`), so a form can show it at its field. */
function checkedOrigin(origin: string, i: number): string {
  try {
    return normalizeOrigin(origin);
  } catch {
    const message = `"${origin}" is not an origin: use scheme and host, like https://shop.example (or * for any)`;
    throw new AppError("validation_failed", message, [{ path: `allowedOrigins.${i}`, message }]);
  }
}

/** `https://Shop.Example:443/` -> `https://shop.example`. Throws on anything that is not an origin. */
export function normalizeOrigin(origin: string): string {
  if (origin === "*") return origin;
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`Not an http(s) origin: ${origin}`);
  return url.origin;
}
