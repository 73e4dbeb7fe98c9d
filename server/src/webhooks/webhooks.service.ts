import type { DataSource, EntityManager } from "typeorm";
import type {
  ChatEvent,
  ConsoleWebhookDeliveryDetail,
  WebhookDeliveriesResponse,
  WebhookDelivery,
  WebhookDeliveryType,
  WebhookEndpoint,
  WebhookEventType,
  WebhookSettings,
  WebhookTestData,
} from "@parley/sdk/protocol";
import { WEBHOOK_EVENT_TYPES } from "@parley/sdk/protocol";
import type { WebhooksConfig } from "../config/outbound.js";
import { deferWrite } from "../db/pipeline.js";
import { keysetAfter } from "../db/keyset.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { dialectOf, marks, replaceColumn, rowMarks } from "../db/sql.js";
import type { ServerCaller } from "../shared/caller.js";
import { chunks } from "../shared/chunks.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { iso } from "../shared/time.js";
import { assertPublicTarget } from "./url-guard.js";
import { WebhookDeliveryEntity, WebhookEndpointEntity, WebhookSettingsEntity } from "./webhook.entities.js";
import { presentDelivery, presentDeliveryDetail, presentEndpoint } from "./webhooks.presenter.js";
import {
  DEFAULT_UNREAD_AFTER_SEC,
  deliveryCursor,
  MAX_ENDPOINTS_PER_APP,
  WEBHOOK_TEST_EVENT,
  type CreateWebhookInput,
  type DeliveriesQuery,
  type DeliveryCursor,
} from "./webhooks.schema.js";

/** What the append hook needs of an app, cached for `endpointCacheMs`. */
export interface AppHooks {
  endpoints: { id: string; events: Set<string> }[];
  unreadAfterSec: number;
}

/** One event to queue for delivery. */
export interface Queued {
  type: WebhookDeliveryType;
  seq: number;
  at: number;
  data: unknown;
}

const SUBSCRIBABLE = new Set<string>(WEBHOOK_EVENT_TYPES);
/** Delivery rows per INSERT statement. */
const INSERT_CHUNK = 200;
/** Events re-queued per unit by a replay. */
const REPLAY_CHUNK = 500;

/**
 * Webhook endpoints, settings and the delivery outbox (the owner of the webhook_* tables). Its
 * `onAppend` runs inside every unit of work that appends events and writes one delivery row per
 * event per subscribed endpoint, in that transaction: a delivery commits (or rolls back) with its
 * event and survives a restart. The dispatcher delivers them; the unread notifier adds its own.
 *
 * An app's endpoint list is cached per node for `endpointCacheMs` (default 2 s); the node that
 * registers or removes an endpoint drops its own copy at once. So an endpoint gets every event
 * committed more than `endpointCacheMs` after its registration, on every node.
 */
export class WebhooksService {
  private readonly cache = new Map<string, { until: number; hooks: AppHooks }>();

  constructor(
    private readonly deps: { db: DataSource; uow: UnitOfWork },
    private readonly config: Readonly<WebhooksConfig>,
  ) {}

  async create(caller: ServerCaller, input: CreateWebhookInput): Promise<WebhookEndpoint> {
    await assertPublicTarget(input.url, this.config.allowPrivate);
    const events = [...new Set(input.events)];
    const row = await this.deps.uow.run(async ({ m }) => {
      const count = await m.count(WebhookEndpointEntity, { where: { appId: caller.appId } });
      if (count >= MAX_ENDPOINTS_PER_APP) throw new AppError("conflict", `An app holds at most ${MAX_ENDPOINTS_PER_APP} webhook endpoints: remove one first`);
      const e = m.create(WebhookEndpointEntity, {
        id: newId("whe"),
        appId: caller.appId,
        url: input.url,
        events: events.join(","),
        createdAt: Date.now(),
        leaseOwner: null,
        leaseUntil: 0,
      });
      await m.insert(WebhookEndpointEntity, e);
      return e;
    });
    this.cache.delete(caller.appId);
    return presentEndpoint(row);
  }

  async list(caller: ServerCaller): Promise<WebhookEndpoint[]> {
    const rows = await this.deps.db.getRepository(WebhookEndpointEntity).find({ where: { appId: caller.appId }, order: { createdAt: "ASC" } });
    return rows.map(presentEndpoint);
  }

  /** Removes an endpoint and its deliveries (pending ones are dropped). 404 for another app's or an unknown one. */
  async remove(caller: ServerCaller, id: string): Promise<void> {
    await this.endpoint(caller, id);
    await this.deps.uow.run(async ({ m }) => {
      await m.delete(WebhookDeliveryEntity, { endpointId: id });
      await m.delete(WebhookEndpointEntity, { id, appId: caller.appId });
    });
    this.cache.delete(caller.appId);
  }

  /** The app's settings (the defaults until set). */
  async settingsOf(caller: ServerCaller): Promise<WebhookSettings> {
    const row = await this.deps.db.getRepository(WebhookSettingsEntity).findOneBy({ appId: caller.appId });
    return { unreadAfterSec: row ? row.unreadAfterSec : DEFAULT_UNREAD_AFTER_SEC };
  }

  async setSettings(caller: ServerCaller, input: WebhookSettings): Promise<WebhookSettings> {
    await this.deps.uow.run(async ({ m }) => {
      const had = await m.findOneBy(WebhookSettingsEntity, { appId: caller.appId });
      if (had) await m.update(WebhookSettingsEntity, { appId: caller.appId }, { unreadAfterSec: input.unreadAfterSec });
      else await m.insert(WebhookSettingsEntity, { appId: caller.appId, unreadAfterSec: input.unreadAfterSec });
    });
    this.cache.delete(caller.appId);
    return { unreadAfterSec: input.unreadAfterSec };
  }

  /** An endpoint's deliveries, newest first, optionally of one status; keyset-paged. */
  async deliveries(
    caller: ServerCaller,
    id: string,
    q: Omit<DeliveriesQuery, "cursor"> & { after?: DeliveryCursor },
  ): Promise<{ items: WebhookDelivery[]; last: DeliveryCursor | null; more: boolean }> {
    await this.endpoint(caller, id);
    const after = q.after;
    const qb = this.deps.db
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder("d")
      .where("d.endpointId = :id", { id })
      .orderBy("d.createdAt", "DESC")
      .addOrderBy("d.id", "DESC")
      .take(q.limit + 1);
    if (q.status) qb.andWhere("d.status = :status", { status: q.status });
    if (after) keysetAfter(qb, "desc", ["d.createdAt", "d.id"], [after.c, after.i]);
    const rows = await qb.getMany();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(presentDelivery), last: last ? { c: last.createdAt, i: last.id } : null, more: rows.length > q.limit };
  }

  /** A page of `deliveries` as the API answers it: the query's opaque cursor in, the next one out. */
  async deliveriesPage(caller: ServerCaller, id: string, q: DeliveriesQuery): Promise<WebhookDeliveriesResponse> {
    const { items, last, more } = await this.deliveries(caller, id, { status: q.status, limit: q.limit, after: decodeCursor(deliveryCursor, q.cursor) });
    return { items, nextCursor: more && last ? encodeCursor(last) : null };
  }

  /** One delivery of the endpoint, with the body it is sent and its last attempt. 404 for another endpoint's or app's. */
  async delivery(caller: ServerCaller, id: string, deliveryId: string): Promise<ConsoleWebhookDeliveryDetail> {
    const endpoint = await this.endpoint(caller, id);
    const row = canExist(deliveryId)
      ? await this.deps.db.getRepository(WebhookDeliveryEntity).findOneBy({ id: deliveryId, endpointId: endpoint.id, appId: caller.appId })
      : null;
    if (!row) throw notFound("Webhook delivery");
    return presentDeliveryDetail(endpoint, row);
  }

  /**
   * Queues a `webhook.test` delivery to this one endpoint, whatever it subscribes to; the
   * dispatcher sends it like any other (seq 0: first among the endpoint's due deliveries). It is
   * in no event log, so replays never repeat it. Answers the delivery's id.
   */
  async queueTest(caller: ServerCaller, id: string): Promise<string> {
    const deliveryId = newId("whd");
    await this.deps.uow.run(async ({ m }) => {
      // Read in the unit that inserts, so a test is not queued for an endpoint just removed.
      const endpoint = canExist(id) ? await m.findOneBy(WebhookEndpointEntity, { id, appId: caller.appId }) : null;
      if (!endpoint) throw notFound("Webhook endpoint");
      const at = Date.now();
      const data: WebhookTestData = { test: true, at: iso(at) };
      await this.insertDeliveries(m, caller.appId, [{ id: deliveryId, endpointId: id, item: { type: WEBHOOK_TEST_EVENT, seq: 0, at, data } }]);
    });
    return deliveryId;
  }

  /**
   * Queues again, in seq order, every event of the app's log with seq ≥ `fromSeq` that the endpoint
   * subscribes to (as new deliveries). Events past the log's retention are gone and not replayed.
   */
  async replay(caller: ServerCaller, id: string, fromSeq: number): Promise<number> {
    const endpoint = await this.endpoint(caller, id);
    const types = endpoint.events.split(",").filter((t) => t !== "notification.unread");
    if (types.length === 0) return 0;
    let from = fromSeq;
    let queued = 0;
    for (;;) {
      const rows: { seq: string | number; type: string; data: string; createdAt: string | number }[] = await this.deps.db.query(
        `SELECT seq, type, data, createdAt FROM events WHERE appId = ? AND seq >= ? AND type IN (${marks(types.length)}) ORDER BY seq LIMIT ?`,
        [caller.appId, from, ...types, REPLAY_CHUNK],
      );
      if (rows.length === 0) return queued;
      await this.deps.uow.run(({ m }) =>
        this.insertDeliveries(
          m,
          caller.appId,
          rows.map((r) => ({
            endpointId: id,
            item: { type: r.type as WebhookEventType, seq: Number(r.seq), at: Number(r.createdAt), data: JSON.parse(r.data) as unknown },
          })),
        ),
      );
      queued += rows.length;
      if (rows.length < REPLAY_CHUNK) return queued;
      from = Number(rows[rows.length - 1]!.seq) + 1;
    }
  }

  /**
   * The unit of work's append hook: one delivery row per event per endpoint subscribed to its type,
   * in the appending transaction. Cheap when the app has no endpoints (a cached empty list).
   */
  readonly onAppend = async (m: EntityManager, appId: string, events: ChatEvent[]): Promise<void> => {
    const hooks = await this.hooksOf(appId, m);
    if (hooks.endpoints.length === 0) return;
    const rows: { endpointId: string; item: Queued }[] = [];
    for (const e of events) {
      if (!SUBSCRIBABLE.has(e.type)) continue;
      const at = Date.parse(e.at);
      for (const ep of hooks.endpoints)
        if (ep.events.has(e.type)) rows.push({ endpointId: ep.id, item: { type: e.type as WebhookEventType, seq: e.seq, at, data: e.data } });
    }
    await this.insertDeliveries(m, appId, rows);
    if (hooks.endpoints.some((ep) => ep.events.has("notification.unread"))) await this.trackUnread(m, appId, events, hooks.unreadAfterSec);
  };

  /**
   * Account deletion (issue 17), in the deleting unit: the outbox rows still to be delivered that
   * carry the user's data get `fn`'s scrubbed copy (delivered and failed rows are never sent again,
   * and replays read the scrubbed event log), and their unread-notification period goes. The
   * database filters the pending rows by the user's id, so only their rows are read.
   */
  async forgetUser(m: EntityManager, appId: string, userId: string, fn: (data: string) => string | null): Promise<void> {
    const rows: { id: string; type: string; data: string }[] = await m.query(
      "SELECT id, type, data FROM webhook_deliveries WHERE status = 'pending' AND appId = ? AND data LIKE ?",
      [appId, `%${userId}%`],
    );
    // A pending notification.unread for them (it carries their sub) is not sent at all.
    const unread = rows.filter((r) => r.type === "notification.unread" && (JSON.parse(String(r.data)) as { userId?: string }).userId === userId);
    if (unread.length > 0)
      await m.query(`DELETE FROM webhook_deliveries WHERE appId = ? AND id IN (${marks(unread.length)})`, [appId, ...unread.map((r) => r.id)]);
    const changed = rows
      .filter((r) => !unread.includes(r))
      .flatMap((r) => {
        const data = fn(String(r.data));
        return data === null ? [] : [{ key: r.id, value: data }];
      });
    await replaceColumn(m, "webhook_deliveries", "data", "id", changed, appId);
    await m.query("DELETE FROM webhook_unread WHERE appId = ? AND userId = ?", [appId, userId]);
  }

  /** Queues `item` for every endpoint of the app subscribed to its type (in the caller's unit). */
  async enqueue(m: EntityManager, appId: string, item: Queued): Promise<number> {
    const hooks = await this.hooksOf(appId, m);
    const rows = hooks.endpoints.filter((ep) => ep.events.has(item.type)).map((ep) => ({ endpointId: ep.id, item }));
    await this.insertDeliveries(m, appId, rows);
    return rows.length;
  }

  /** The endpoints and settings of an app, from this node's short cache or the database. */
  async hooksOf(appId: string, m: EntityManager = this.deps.db.manager): Promise<AppHooks> {
    const now = Date.now();
    const hit = this.cache.get(appId);
    if (hit && hit.until > now) return hit.hooks;
    const rows: { id: string; events: string }[] = await m.query("SELECT id, events FROM webhook_endpoints WHERE appId = ?", [appId]);
    const settings: { unreadAfterSec: number | string }[] = rows.length
      ? await m.query("SELECT unreadAfterSec FROM webhook_settings WHERE appId = ?", [appId])
      : [];
    const hooks: AppHooks = {
      endpoints: rows.map((r) => ({ id: r.id, events: new Set(r.events.split(",")) })),
      unreadAfterSec: settings[0] ? Number(settings[0].unreadAfterSec) : DEFAULT_UNREAD_AFTER_SEC,
    };
    if (this.config.endpointCacheMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(appId, { until: now + this.config.endpointCacheMs, hooks });
    }
    return hooks;
  }

  /**
   * notification.unread bookkeeping, in the appending transaction: a new message opens a quiet
   * period for each other member who has none open (INSERT … IGNORE: an open or notified one
   * stays as it is); a read closes the reader's.
   */
  private async trackUnread(m: EntityManager, appId: string, events: ChatEvent[], afterSec: number): Promise<void> {
    const ignore = dialectOf(m) === "mysql" ? "INSERT IGNORE" : "INSERT OR IGNORE";
    for (const e of events) {
      if (e.type === "message.new" && e.conversationId) {
        const sender = e.data.message.senderId ?? "";
        await m.query(
          `${ignore} INTO webhook_unread (appId, userId, dueAt, notifiedAt) SELECT appId, userId, ?, NULL FROM members WHERE conversationId = ? AND appId = ? AND userId <> ?`,
          [Date.parse(e.at) + afterSec * 1000, e.conversationId, appId, sender],
        );
      } else if (e.type === "read.updated") {
        await m.query("DELETE FROM webhook_unread WHERE appId = ? AND userId = ?", [appId, e.data.userId]);
      }
    }
  }

  /** Inserts pending deliveries (each with a new id unless it names its own). */
  private async insertDeliveries(m: EntityManager, appId: string, rows: { id?: string; endpointId: string; item: Queued }[]): Promise<void> {
    const now = Date.now();
    for (const chunk of chunks(rows, INSERT_CHUNK)) {
      // Its answer is not read: on MariaDB it goes with the unit's next statement (db/pipeline.ts).
      await deferWrite(
        m,
        `INSERT INTO webhook_deliveries (id, appId, endpointId, type, seq, at, data, status, attempts, createdAt, nextAttemptAt) VALUES ${rowMarks(chunk.length, 11)}`,
        chunk.flatMap(({ id, endpointId, item }) => [
          id ?? newId("whd"),
          appId,
          endpointId,
          item.type,
          item.seq,
          item.at,
          JSON.stringify(item.data),
          "pending",
          0,
          now,
          now,
        ]),
      );
    }
  }

  private async endpoint(caller: ServerCaller, id: string): Promise<WebhookEndpointEntity> {
    const row = canExist(id) ? await this.deps.db.getRepository(WebhookEndpointEntity).findOneBy({ id, appId: caller.appId }) : null;
    if (!row) throw notFound("Webhook endpoint");
    return row;
  }
}
