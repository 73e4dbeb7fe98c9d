import type { DataSource, Repository } from "typeorm";
import { AppError } from "../shared/errors.js";
import { newId, newSecret } from "../shared/ids.js";
import { AppEntity } from "./app.entity.js";

export interface CreateAppInput {
  name: string;
  allowedOrigins: string[];
}

/** How long an app read from the DB is trusted in memory (origin lists change rarely). */
const CACHE_TTL_MS = 30_000;

/** Apps (host sites): created by the CLI, read on every request, so cached briefly. */
export class AppsService {
  private readonly repo: Repository<AppEntity>;
  private readonly cache = new Map<string, { app: AppEntity | null; at: number }>();
  private all: { apps: AppEntity[]; at: number } | undefined;

  constructor(db: DataSource) {
    this.repo = db.getRepository(AppEntity);
  }

  async create(input: CreateAppInput): Promise<AppEntity> {
    const origins = input.allowedOrigins.map(normalizeOrigin);
    const app = this.repo.create({
      id: newId("app", 16),
      name: input.name,
      secret: newSecret("sk"),
      allowedOrigins: origins,
      createdAt: Date.now(),
    });
    await this.repo.insert(app);
    this.cache.delete(app.id);
    this.all = undefined;
    return app;
  }

  list(): Promise<AppEntity[]> {
    return this.repo.find({ order: { createdAt: "ASC" } });
  }

  /** The app, or null when no such app exists. */
  async find(id: string): Promise<AppEntity | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.app;
    const app = id.length <= 32 ? await this.repo.findOneBy({ id }) : null;
    this.cache.set(id, { app, at: Date.now() });
    return app;
  }

  /** True when at least one app allows `origin` (answers preflights that name no app). */
  async anyAllows(origin: string): Promise<boolean> {
    if (!this.all || Date.now() - this.all.at > CACHE_TTL_MS) this.all = { apps: await this.list(), at: Date.now() };
    return this.all.apps.some((a) => isOriginAllowed(a, origin));
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

/** `https://Shop.Example:443/` -> `https://shop.example`. Throws on anything that is not an origin. */
export function normalizeOrigin(origin: string): string {
  if (origin === "*") return origin;
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`Not an http(s) origin: ${origin}`);
  return url.origin;
}
