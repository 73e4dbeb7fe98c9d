import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { DataSource, EntityManager } from "typeorm";
import { WEBHOOK_HEADERS } from "@parley/sdk/protocol";
import type { WebhooksConfig } from "../config/outbound.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { marks } from "../db/sql.js";
import type { ServerKeysService } from "../server-api/server-keys.service.js";
import { newId } from "../shared/ids.js";
import type { Logger } from "../shared/logger.js";
import { signWebhook } from "./signature.js";
import { guardedLookup, isPrivateAddress } from "./url-guard.js";
import { deliveryPayload } from "./webhooks.presenter.js";

/** A receiver has this long to answer (2xx) before the attempt counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Backoff never waits longer than this between two attempts. */
const MAX_BACKOFF_MS = 3_600_000;
/** How often a node deletes old delivered and failed records. */
const PRUNE_EVERY_MS = 3_600_000;
/** Endpoints one node serves at once (a round). */
const ENDPOINTS_PER_ROUND = 50;
/** Deliveries one endpoint gets per round. */
const ROUND_SIZE = 100;

interface DueRow {
  id: string;
  appId: string;
  endpointId: string;
  type: string;
  seq: string | number;
  at: string | number;
  data: string;
  attempts: number | string;
  createdAt: string | number;
}

/**
 * Delivers the outbox (webhook_deliveries), on every node. A round claims the endpoints that have
 * due deliveries with a lease (UPDATE … WHERE the lease expired, then reads what it claimed), so
 * each endpoint, and so each delivery, is worked on by one node at a time; its due deliveries go one
 * at a time in seq order. A 2xx is delivered; anything else is retried after an exponential backoff
 * with jitter until the delivery is `retryWindowMs` old, then it is failed. A failure ends the
 * endpoint's round; the deliveries after the failed one go out in the next rounds while it waits
 * for its retry (no head-of-line blocking: seq order holds except around a retry). Leases are released at the end of each round and
 * at `stop()`, so a restarted or another node takes over at once; a node that dies holds them
 * until they expire (`leaseMs`). Delivery is at least once: a receiver deduplicates by the id.
 */
/** One POST's outcome: a 2xx, or why not (with the HTTP status when one came). */
type Attempt = { ok: true; status: number } | { error: string; status: number | null };

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly node = newId("node", 12);
  private nextPrune = 0;

  constructor(
    private readonly deps: {
      db: DataSource;
      uow: UnitOfWork;
      serverKeys: ServerKeysService;
      logger: Logger;
      /** Counts each attempt's outcome for the console's usage charts (usage/), in the unit that records it. */
      usage?: { webhookAttempt(m: EntityManager, appId: string, ok: boolean, at: number): Promise<void> };
    },
    private readonly config: Readonly<WebhooksConfig>,
  ) {}

  /** Starts polling (idempotent); never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => {
      if (!this.deps.db.isInitialized) return void this.stop();
      if (!this.running)
        this.running = this.round()
          .catch((err: unknown) => this.deps.logger.warn({ err }, "webhook round failed"))
          .finally(() => (this.running = undefined));
    }, this.config.pollMs);
    this.timer.unref();
  }

  /** Stops polling; waits for the round under way (its current attempts finish and are recorded) and releases its leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: claim endpoints with due deliveries, deliver them, release the claims. */
  async round(): Promise<void> {
    const now = Date.now();
    if (now >= this.nextPrune) await this.prune(now);
    // A plain read first (no locks; an idle node takes no write lock just to find nothing): the
    // unleased endpoints with a due delivery, one index probe each, least recently served first.
    const candidates: { id: string }[] = await this.deps.db.query(
      `SELECT e.id FROM webhook_endpoints e WHERE e.leaseUntil < ? AND EXISTS (
         SELECT 1 FROM webhook_deliveries d WHERE d.endpointId = e.id AND d.status = 'pending' AND d.nextAttemptAt <= ?)
       ORDER BY e.leaseUntil LIMIT ?`,
      [now, now, ENDPOINTS_PER_ROUND],
    );
    if (candidates.length === 0) return;
    const leaseUntil = now + this.config.leaseMs;
    // The claim: only endpoints whose lease is still expired; another node may have won some.
    await this.deps.uow.run(({ m }) =>
      m.query(`UPDATE webhook_endpoints SET leaseOwner = ?, leaseUntil = ? WHERE leaseUntil < ? AND id IN (${marks(candidates.length)})`, [
        this.node,
        leaseUntil,
        now,
        ...candidates.map((c) => c.id),
      ]),
    );
    const claimed: { id: string; appId: string; url: string }[] = await this.deps.db.query(
      "SELECT id, appId, url FROM webhook_endpoints WHERE leaseOwner = ? AND leaseUntil = ?",
      [this.node, leaseUntil],
    );
    if (claimed.length === 0) return;
    try {
      await Promise.all(claimed.map((e) => this.deliverTo(e, leaseUntil)));
    } finally {
      if (this.deps.db.isInitialized)
        await this.deps.uow.run(({ m }) =>
          // Released with the time it was served, so the least recently served go first next time.
          m.query(
            `UPDATE webhook_endpoints SET leaseOwner = NULL, leaseUntil = ? WHERE leaseOwner = ? AND leaseUntil = ? AND id IN (${marks(claimed.length)})`,
            [Date.now(), this.node, leaseUntil, ...claimed.map((e) => e.id)],
          ),
        );
    }
  }

  private async deliverTo(endpoint: { id: string; appId: string; url: string }, leaseUntil: number): Promise<void> {
    const due: DueRow[] = await this.deps.db.query(
      "SELECT id, appId, endpointId, type, seq, at, data, attempts, createdAt FROM webhook_deliveries WHERE endpointId = ? AND status = 'pending' AND nextAttemptAt <= ? ORDER BY seq, createdAt, id LIMIT ?",
      [endpoint.id, Date.now(), ROUND_SIZE],
    );
    const key = due.length ? (await this.deps.serverKeys.live(endpoint.appId))[0] : undefined;
    for (const d of due) {
      // Only while the lease surely outlasts the attempt: no other node may start this endpoint meanwhile.
      if (this.stopped || Date.now() + DELIVERY_TIMEOUT_MS + 1000 > leaseUntil) return;
      if (!key) {
        await this.record(d, { waiting: "No live server key to sign with: create one (npm run app:key -- create)" });
        return;
      }
      const body = JSON.stringify(deliveryPayload(d));
      const headers = {
        "Content-Type": "application/json",
        "User-Agent": "Parley-Webhooks/1",
        [WEBHOOK_HEADERS.signature]: signWebhook(body, key),
        [WEBHOOK_HEADERS.delivery]: d.id,
        [WEBHOOK_HEADERS.event]: d.type,
        [WEBHOOK_HEADERS.seq]: String(d.seq),
      };
      const answer = await this.post(endpoint.url, headers, body);
      await this.record(d, answer);
      if ("error" in answer) return;
    }
  }

  /** POSTs once: ok on a 2xx; else why not, with the status when one came. */
  private post(url: string, headers: Record<string, string>, body: string): Promise<Attempt> {
    return new Promise((resolve) => {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return resolve({ error: "invalid URL", status: null });
      }
      const host = u.hostname.replace(/^\[|\]$/g, "");
      if (!this.config.allowPrivate && isIP(host) && isPrivateAddress(host)) return resolve({ error: `refused: ${host} is a private address`, status: null });
      const request = u.protocol === "https:" ? httpsRequest : httpRequest;
      const req = request(
        u,
        {
          method: "POST",
          headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
          lookup: guardedLookup(this.config.allowPrivate),
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        },
        (res) => {
          res.on("data", () => undefined);
          res.on("error", () => undefined);
          res.on("end", () => undefined);
          const status = res.statusCode ?? 0;
          res.resume();
          resolve(status >= 200 && status < 300 ? { ok: true, status } : { error: `HTTP ${status}`, status });
        },
      );
      req.on("error", (err: Error & { code?: string }) =>
        resolve({
          error: (err.name === "AbortError" || err.name === "TimeoutError"
            ? `timed out after ${DELIVERY_TIMEOUT_MS} ms`
            : err.message || err.code || "request failed"
          ).slice(0, 500),
          status: null,
        }),
      );
      req.end(body);
    });
  }

  /**
   * Deletes delivered and failed records older than `keepMs`, endpoint by endpoint (by the
   * endpoint's (createdAt) index), at most every PRUNE_EVERY_MS per node. Pending ones stay.
   */
  private async prune(now: number): Promise<void> {
    this.nextPrune = now + PRUNE_EVERY_MS;
    const endpoints: { id: string }[] = await this.deps.db.query("SELECT id FROM webhook_endpoints");
    for (const e of endpoints) {
      if (this.stopped || !this.deps.db.isInitialized) return;
      await this.deps.uow.run(({ m }) =>
        m.query("DELETE FROM webhook_deliveries WHERE endpointId = ? AND createdAt < ? AND status <> 'pending'", [e.id, now - this.config.keepMs]),
      );
    }
  }

  /** Records an attempt (or a wait for a key) on the delivery row. */
  private async record(d: DueRow, outcome: Attempt | { waiting: string }): Promise<void> {
    if (!this.deps.db.isInitialized) return;
    const now = Date.now();
    const attempts = Number(d.attempts) + 1;
    await this.deps.uow.run(async ({ m }) => {
      if ("ok" in outcome) {
        await m.query(
          "UPDATE webhook_deliveries SET status = 'delivered', attempts = ?, lastError = NULL, lastStatus = ?, lastAttemptAt = ?, deliveredAt = ?, nextAttemptAt = NULL WHERE id = ?",
          [attempts, outcome.status, now, now, d.id],
        );
      } else if ("waiting" in outcome) {
        await m.query("UPDATE webhook_deliveries SET lastError = ?, nextAttemptAt = ? WHERE id = ?", [outcome.waiting, now + this.config.retryBaseMs, d.id]);
      } else if (now - Number(d.createdAt) >= this.config.retryWindowMs) {
        await m.query(
          "UPDATE webhook_deliveries SET status = 'failed', attempts = ?, lastError = ?, lastStatus = ?, lastAttemptAt = ?, nextAttemptAt = NULL WHERE id = ?",
          [attempts, outcome.error, outcome.status, now, d.id],
        );
      } else {
        await m.query("UPDATE webhook_deliveries SET attempts = ?, lastError = ?, lastStatus = ?, lastAttemptAt = ?, nextAttemptAt = ? WHERE id = ?", [
          attempts,
          outcome.error,
          outcome.status,
          now,
          now + this.backoff(attempts),
          d.id,
        ]);
      }
      if (!("waiting" in outcome)) await this.deps.usage?.webhookAttempt(m, d.appId, "ok" in outcome, now);
    });
  }

  /** base · 2^(attempts−1), capped at an hour, times a jitter in [0.5, 1). */
  private backoff(attempts: number): number {
    const exp = Math.min(MAX_BACKOFF_MS, this.config.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    return Math.round(exp * (0.5 + Math.random() / 2));
  }
}
