// The console's usage charts, the server's health and the console audit log (issue 32):
// `GET /v1/console/apps/{appId}/usage`, `/v1/console/usage`, `/v1/console/health`,
// `/v1/console/apps/{appId}/audit`, `/v1/console/audit`. Types only.

import type { Page, Timestamp } from "./common.js";

/** How far back the usage charts look: the last 7, 30 or 90 UTC days, today included. */
export type ConsoleUsageDays = 7 | 30 | 90;

/** One UTC day of an app's use (or of every app's, summed). */
export interface ConsoleUsageDay {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  /** Messages stored that day (a retried send is one message); `parley_messages_sent_total` counts the same. */
  messages: number;
  /** Daily active users: users who sent a message or opened a live (socket) connection that day. */
  activeUsers: number;
  /**
   * The most sockets open at once: each node's own peak of the day, summed over nodes (an upper
   * bound when nodes peaked at different times); each node's peak is the highest
   * `parley_sockets_connected` it reached.
   */
  peakSockets: number;
  /** Webhook delivery attempts answered with a 2xx. */
  webhooksDelivered: number;
  /** Webhook delivery attempts that failed (each retry counts; the success rate is delivered / (delivered + failed)). */
  webhooksFailed: number;
  /** Message searches made. */
  searches: number;
  /** Calls that ended that day, whatever the reason (missed and declined ones too). */
  calls: number;
  /** Seconds the calls answered and ended that day lasted, together (the console shows minutes). */
  callSeconds: number;
  /** AI agents' replies that reached the model (finished, failed or stopped). */
  agentReplies: number;
  /** Their tokens, as the model reported them in its usage chunk (else estimated at 4 characters a token). */
  agentPromptTokens: number;
  agentCompletionTokens: number;
}

/** Monthly active users of one calendar month (UTC): users active on at least one of its days. */
export interface ConsoleUsageMonth {
  /** `YYYY-MM`. */
  month: string;
  activeUsers: number;
}

/** `GET …/usage?days=7|30|90`: every day of the window, oldest first, zeros included. */
export interface ConsoleUsageResponse {
  /** The app; null for every app together (operators). */
  appId: string | null;
  days: ConsoleUsageDays;
  /** The first and the last day of the window (`YYYY-MM-DD`, UTC; the last is today). */
  from: string;
  to: string;
  series: ConsoleUsageDay[];
  /** The calendar months the window touches, oldest first (the current one so far). */
  months: ConsoleUsageMonth[];
}

/** One check's state, as `/readyz` reports it. */
export type ConsoleHealthCheck = "ok" | "down" | "full" | "pending";

/** `GET /v1/console/health` (operators): the server as the node that answers sees it. */
export interface ConsoleHealthResponse {
  version: string;
  /** The node that answered (host:pid). */
  node: string;
  checkedAt: Timestamp;
  /** This node's `/readyz`. */
  readiness: {
    status: "ready" | "not_ready";
    checks: { db: ConsoleHealthCheck; migrations: ConsoleHealthCheck; redis?: ConsoleHealthCheck };
    reasons?: string[];
  };
  database: {
    dialect: "sqlite" | "mysql";
    state: "ok" | "down";
    /** A `SELECT 1`'s round trip; null when it failed. */
    latencyMs: number | null;
    /** Set while writes fail (the unit of work's view) until one commits again. */
    writesFailingSince: Timestamp | null;
  };
  /** `off`: no REDIS_URL (one node, everything in-process). */
  redis: { state: "ok" | "down" | "off"; latencyMs: number | null };
  migrations: { applied: number; pending: string[] };
  /** The webhook outbox: deliveries still to go (counted up to a cap), and the oldest one's age. */
  webhooks: { pending: number; pendingCapped: boolean; oldestPendingAt: Timestamp | null };
  /** Nodes that answered a readiness probe (`/readyz`, or this page) in the last 10 minutes, newest first. */
  nodes: { node: string; lastSeenAt: Timestamp; self: boolean }[];
}

/** One console action: who, what, on which app and target, when, from where. */
export interface ConsoleAuditEntry {
  id: string;
  at: Timestamp;
  accountId: string;
  /** The account's e-mail; null once the account is gone. */
  accountEmail: string | null;
  /** e.g. `app.create`, `key.revoke`, `moderation.ban`. */
  action: string;
  appId: string | null;
  target: string | null;
  ip: string;
}

/**
 * `GET …/audit`: newest first, keyset-paged. Filters: `action` (exact), `account` (an e-mail or an
 * account id), `from` / `to` (ISO dates or times; a date alone means that whole UTC day), and for
 * operators across apps `app` (an app id).
 */
export type ConsoleAuditPage = Page<ConsoleAuditEntry>;
