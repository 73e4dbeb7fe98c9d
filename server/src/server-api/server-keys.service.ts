import { timingSafeEqual } from "node:crypto";
import { IsNull, type DataSource, type Repository } from "typeorm";
import { AppError } from "../shared/errors.js";
import { canExist, newId, newSecret } from "../shared/ids.js";
import { ServerKeyEntity } from "./server-key.entity.js";

/** A key as listed: never its secret, which is shown once, at creation. */
export interface ServerKeyInfo {
  id: string;
  appId: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
}

/** An app may hold this many live keys: enough for a rotation with room, few enough to audit. */
export const MAX_LIVE_KEYS = 10;

/**
 * Server keys (the `server_keys` table's one owner): created, listed and revoked by the CLI
 * (`npm run app:key`), verified on every `/v1/server/…` request. Not cached: a revocation takes
 * effect on every node at once, and a key lookup is one primary-key read.
 */
export class ServerKeysService {
  private readonly repo: Repository<ServerKeyEntity>;

  constructor(db: DataSource) {
    this.repo = db.getRepository(ServerKeyEntity);
  }

  async create(appId: string, name: string | null = null): Promise<ServerKeyEntity> {
    const live = await this.repo.count({ where: { appId, revokedAt: IsNull() } });
    if (live >= MAX_LIVE_KEYS) throw new AppError("conflict", `An app holds at most ${MAX_LIVE_KEYS} live server keys: revoke one first`);
    const key = this.repo.create({ id: newId("key", 16), appId, secret: newSecret("sk"), name, createdAt: Date.now(), revokedAt: null });
    await this.repo.insert(key);
    return key;
  }

  async list(appId: string): Promise<ServerKeyInfo[]> {
    const keys = await this.repo.find({ where: { appId }, order: { createdAt: "ASC" } });
    return keys.map(({ id, appId, name, createdAt, revokedAt }) => ({ id, appId, name, createdAt, revokedAt }));
  }

  /** Revokes a key of the app (idempotent); false when the app has no such key. */
  async revoke(appId: string, keyId: string): Promise<boolean> {
    if (!canExist(keyId)) return false;
    const key = await this.repo.findOneBy({ id: keyId, appId });
    if (!key) return false;
    if (key.revokedAt === null) await this.repo.update({ id: keyId, appId }, { revokedAt: Date.now() });
    return true;
  }

  /** The live (unrevoked) keys of an app, newest first: what webhooks are signed with and host tokens verify against. */
  live(appId: string): Promise<ServerKeyEntity[]> {
    return this.repo.find({ where: { appId, revokedAt: IsNull() }, order: { createdAt: "DESC" } });
  }

  /** The live key `keyId`, or null (unknown, revoked). */
  async liveKey(keyId: string): Promise<ServerKeyEntity | null> {
    if (!canExist(keyId)) return null;
    const key = await this.repo.findOneBy({ id: keyId });
    return key && key.revokedAt === null ? key : null;
  }

  /** The live key whose id and secret these are, or null; the secret is compared in constant time. */
  async verify(keyId: string, secret: string): Promise<ServerKeyEntity | null> {
    const key = await this.liveKey(keyId);
    if (!key) return null;
    const a = Buffer.from(key.secret);
    const b = Buffer.from(secret);
    return a.length === b.length && timingSafeEqual(a, b) ? key : null;
  }
}
