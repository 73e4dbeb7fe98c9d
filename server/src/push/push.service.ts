import { createHash } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import webpush from "web-push";
import type { PushConfig } from "../config/outbound.js";
import { isUniqueViolation } from "../db/db-errors.js";
import { insertIgnoring } from "../db/insert-ignoring.js";
import { marks } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { UserCaller } from "../shared/caller.js";
import { chunks } from "../shared/chunks.js";
import { AppError } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import { invalidField } from "../shared/validate.js";
import { assertPublicTarget } from "../webhooks/url-guard.js";
import { PushSettingsEntity, PushSubscriptionEntity } from "./push.entities.js";
import type { PushQuota } from "./push-quota.js";
import { MAX_SUBSCRIPTIONS_PER_USER, type SubscribeInput, type UnsubscribeInput } from "./push.schema.js";

/** What the operator sees of an app's push settings (`app:push -- show`). */
export interface PushSettingsView {
  publicKey: string;
  includeText: boolean;
  subscriptions: number;
  createdAt: string;
  rotatedAt: string | null;
}

const endpointHash = (endpoint: string): string => createHash("sha256").update(endpoint).digest("hex");

/**
 * Web push (issue 31): the owner of push_settings and push_subscriptions.
 *
 * - An app's VAPID key pair is made the first time anyone asks for it (`key`), by whichever node
 *   asks first (INSERT … IGNORE, then read: two nodes racing agree on one pair); the operator can
 *   replace it (`rotate`), which drops every subscription of the app: a push service refuses
 *   pushes signed with another key than the one the device subscribed with, so each device has to
 *   subscribe again with the new key (a client compares `GET /v1/push/key` with its
 *   subscription's `applicationServerKey`).
 * - A subscription is the caller's, tied to the session their access token names. One row per
 *   endpoint and app: subscribing an endpoint again refreshes it, for another user moves it (one
 *   browser, a new sign-in). A user keeps the MAX_SUBSCRIPTIONS_PER_USER newest.
 * - The endpoint is a URL the server will POST to, given by a client: it is held to what webhook
 *   URLs are (webhooks/url-guard.ts) and must be https, unless PUSH_ALLOW_PRIVATE=1 (tests).
 * - Signing out ends the session, and `forgetSession` (called by auth's onSessionRevoked) removes
 *   its subscriptions; the sender also skips any whose session has ended (push/notifier.ts).
 */
/**
 * How long a node believes an app has never asked for a push key. Another node may hand out its
 * first key meanwhile: this node then starts pushing that app's messages at most this much later.
 */
const NO_PUSH_CACHE_MS = 10_000;

export class PushService {
  /** Apps known to have push keys (an app that has them keeps them: rotate replaces them). */
  private readonly withPush = new Set<string>();
  /** Apps without push keys, until when this node believes it. */
  private readonly withoutPushUntil = new Map<string, number>();

  constructor(
    private readonly deps: { db: DataSource; uow: UnitOfWork; quota?: PushQuota },
    private readonly config: Pick<PushConfig, "allowPrivate">,
  ) {}

  /** The app's VAPID public key, made now if the app has none yet. */
  async key(caller: Pick<UserCaller, "appId">): Promise<string> {
    return (await this.keysOf(caller.appId)).publicKey;
  }

  /** Subscribes (or re-subscribes) a device of the caller; see the class comment. */
  async subscribe(caller: UserCaller, input: SubscribeInput): Promise<void> {
    await this.deps.quota?.take(caller.appId, caller.user);
    await this.assertTarget(input.endpoint);
    // A device can only subscribe with the key it was given: there is one by now.
    await this.keysOf(caller.appId);
    const hash = endpointHash(input.endpoint);
    const row = {
      userId: caller.user,
      sessionId: caller.session ?? null,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      createdAt: Date.now(),
    };
    const write = () =>
      this.deps.uow.run(async ({ m }) => {
        const had = await m.findOneBy(PushSubscriptionEntity, { appId: caller.appId, endpointHash: hash });
        if (had) await m.update(PushSubscriptionEntity, { id: had.id }, row);
        else await m.insert(PushSubscriptionEntity, { id: newId("psub"), appId: caller.appId, endpointHash: hash, ...row });
        await this.evictOldest(m, caller.appId, caller.user);
      });
    try {
      await write();
    } catch (err) {
      // Another request inserted the same endpoint meanwhile: it is there now, so this one updates it.
      if (!isUniqueViolation(err)) throw err;
      await write();
    }
  }

  /** Removes the caller's subscription of this endpoint, if they have one (another user's or app's stays). */
  async unsubscribe(caller: UserCaller, input: UnsubscribeInput): Promise<void> {
    await this.deps.quota?.take(caller.appId, caller.user);
    await this.deps.uow.run(({ m }) =>
      m.delete(PushSubscriptionEntity, { appId: caller.appId, userId: caller.user, endpointHash: endpointHash(input.endpoint) }),
    );
  }

  /** A session ended (sign-out, theft detected, password change, account deletion): its devices get no more pushes. */
  async forgetSession(appId: string, userId: string, sessionId: string): Promise<void> {
    await this.deps.uow.run(({ m }) => m.delete(PushSubscriptionEntity, { appId, userId, sessionId }));
  }

  /** Subscriptions the push service said are gone (404/410), or whose session has ended. */
  async drop(appId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.deps.uow.run(async ({ m }) => {
      for (const chunk of chunks(ids, 500))
        await m.query(`DELETE FROM push_subscriptions WHERE appId = ? AND id IN (${marks(chunk.length)})`, [appId, ...chunk]);
    });
  }

  /** The app's settings row, or null when no key was ever asked for (then no device can have subscribed). */
  settingsOf(appId: string): Promise<PushSettingsEntity | null> {
    return this.deps.db.getRepository(PushSettingsEntity).findOneBy({ appId });
  }

  /**
   * Whether the app may have push subscriptions: not while it never asked for a key, since a device
   * subscribes with the app's key. The notifier asks before its look-up after each send batch, so an
   * app that does not use web push costs no statement a batch. Cached per node (see NO_PUSH_CACHE_MS).
   */
  async mayHavePush(appId: string): Promise<boolean> {
    if (this.withPush.has(appId)) return true;
    const now = Date.now();
    if ((this.withoutPushUntil.get(appId) ?? 0) > now) return false;
    if ((await this.settingsOf(appId)) !== null) {
      this.withPush.add(appId);
      this.withoutPushUntil.delete(appId);
      return true;
    }
    if (this.withoutPushUntil.size >= 10_000) for (const [id, until] of this.withoutPushUntil) if (until <= now) this.withoutPushUntil.delete(id);
    this.withoutPushUntil.set(appId, now + NO_PUSH_CACHE_MS);
    return false;
  }

  // --- The operator (app:push) ------------------------------------------------------------------

  async show(appId: string): Promise<PushSettingsView> {
    const s = await this.keysOf(appId);
    const n: { n: number | string }[] = await this.deps.db.query("SELECT COUNT(*) AS n FROM push_subscriptions WHERE appId = ?", [appId]);
    return {
      publicKey: s.publicKey,
      includeText: Boolean(s.includeText),
      subscriptions: Number(n[0]?.n ?? 0),
      createdAt: new Date(s.createdAt).toISOString(),
      rotatedAt: s.rotatedAt === null ? null : new Date(s.rotatedAt).toISOString(),
    };
  }

  /** Replaces the app's key pair and drops its subscriptions (they were made with the old key). Answers how many went. */
  async rotate(appId: string): Promise<{ publicKey: string; removed: number }> {
    await this.keysOf(appId);
    const { publicKey, privateKey } = webpush.generateVAPIDKeys();
    const removed = await this.deps.uow.run(async ({ m }) => {
      await m.update(PushSettingsEntity, { appId }, { publicKey, privateKey, rotatedAt: Date.now() });
      const n: { n: number | string }[] = await m.query("SELECT COUNT(*) AS n FROM push_subscriptions WHERE appId = ?", [appId]);
      await m.delete(PushSubscriptionEntity, { appId });
      return Number(n[0]?.n ?? 0);
    });
    return { publicKey, removed };
  }

  /** Whether pushes carry the message's text (off: a title only). */
  async setIncludeText(appId: string, includeText: boolean): Promise<void> {
    await this.keysOf(appId);
    await this.deps.uow.run(({ m }) => m.update(PushSettingsEntity, { appId }, { includeText }));
  }

  // ------------------------------------------------------------------------------------------------

  private async keysOf(appId: string): Promise<PushSettingsEntity> {
    const had = await this.settingsOf(appId);
    if (had) {
      this.withPush.add(appId);
      return had;
    }
    const { publicKey, privateKey } = webpush.generateVAPIDKeys();
    await this.deps.uow.run(({ m }) =>
      insertIgnoring(m, PushSettingsEntity, [{ appId, publicKey, privateKey, includeText: false, createdAt: Date.now(), rotatedAt: null }]),
    );
    const row = await this.settingsOf(appId);
    if (!row) throw new Error("push settings vanished after their insert");
    this.withPush.add(appId);
    this.withoutPushUntil.delete(appId);
    return row;
  }

  /** The cap: the user's newest MAX_SUBSCRIPTIONS_PER_USER stay. */
  private async evictOldest(m: EntityManager, appId: string, userId: string): Promise<void> {
    const rows: { id: string; createdAt: string | number }[] = await m.query("SELECT id, createdAt FROM push_subscriptions WHERE appId = ? AND userId = ?", [
      appId,
      userId,
    ]);
    if (rows.length <= MAX_SUBSCRIPTIONS_PER_USER) return;
    const oldest = rows
      .sort((a, b) => Number(b.createdAt) - Number(a.createdAt) || (a.id < b.id ? 1 : -1))
      .slice(MAX_SUBSCRIPTIONS_PER_USER)
      .map((r) => r.id);
    await m.query(`DELETE FROM push_subscriptions WHERE appId = ? AND id IN (${marks(oldest.length)})`, [appId, ...oldest]);
  }

  /** https and a public address, as webhook URLs are held to (both waived with PUSH_ALLOW_PRIVATE=1). */
  private async assertTarget(endpoint: string): Promise<void> {
    if (this.config.allowPrivate) return;
    if (new URL(endpoint).protocol !== "https:") throw invalidField("endpoint", "Push endpoints are https:// URLs");
    try {
      await assertPublicTarget(endpoint, false);
    } catch (err) {
      if (err instanceof AppError) throw invalidField("endpoint", err.message.replace(/; webhooks go to public addresses only$/, ""));
      throw err;
    }
  }
}
