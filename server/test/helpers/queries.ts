import type { Services } from "../../src/services.js";

export interface Recorded {
  sql: string;
  params: unknown[];
}

/**
 * The sweeps that poll on their own timers every second or so (idle streams, due scheduled
 * messages, due reminders): one indexed statement each, never a request's. Left out of what is
 * recorded rather than paused, as they run on every node whatever the request.
 */
const SWEEPS = /^SELECT .* FROM (message_streams|scheduled_messages|reminders) WHERE \w+ <=? \?/;

/**
 * Runs `fn` and returns the statements the server made meanwhile (from TypeORM's logger), those
 * matching `only` when given. The node's timers that query on their own (the webhook dispatcher's
 * and the unread job's polls, the calls' sweep, the e-mail pass, the usage flush) are paused for
 * it: a count or a plan check is about the request, and a poll landing inside it would make the
 * figure depend on the clock.
 */
export async function recordQueries(services: Services, fn: () => Promise<unknown>, only?: RegExp): Promise<Recorded[]> {
  // The usage flush writes what it counted (every 10 s) and is stopped after a last flush, here,
  // before the window. The e-mail pass reads who to e-mail (every EMAIL_SWEEP_SEC): the CI of
  // 2026-11-29 caught one inside a query count (recorded-queries.test.ts).
  await Promise.all([
    services.webhookDispatcher.stop(),
    services.unreadNotifier.stop(),
    services.calls.stopSweep(),
    services.emailNotifier.stop(),
    services.usage.stop(),
  ]);
  const logger = services.db.logger;
  const original = logger.logQuery.bind(logger);
  const seen: Recorded[] = [];
  logger.logQuery = (sql, params, qr) => {
    // TypeORM 1.x types parameters as an array or a named-parameter object; ours are arrays.
    if ((!only || only.test(sql)) && !SWEEPS.test(sql)) seen.push({ sql, params: Array.isArray(params) ? params : params ? Object.values(params) : [] });
    return original(sql, params, qr);
  };
  try {
    await fn();
  } finally {
    logger.logQuery = original;
    services.webhookDispatcher.start();
    services.unreadNotifier.start();
    services.calls.startSweep();
    services.emailNotifier.start();
    services.usage.start();
  }
  return seen;
}
