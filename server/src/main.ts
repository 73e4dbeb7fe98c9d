import "reflect-metadata";
import { createServer } from "node:http";
import path from "node:path";
import type { DataSource } from "typeorm";
import { loadConfig } from "./config.js";
import { createApp } from "./http/app.js";
import { watchAppChanges } from "./ops/app-watch.js";
import { migrationStates, MigrationError, openDatabaseAsIs } from "./ops/database.js";
import { describeDatabaseError, describeListenError, describeRedisError, probeTcp, StartupError, type StartupTarget } from "./ops/startup.js";
import { attachRealtime } from "./realtime/realtime.js";
import { SCHEMA } from "./schema.js";
import { createServices, type Services } from "./services.js";
import { createLogger } from "./shared/logger.js";
import { DEMO_PASSWORD, seedDemo, type Demo } from "./demo/demo.seed.js";
import { demoConsoleLines } from "./demo/demo-console.js";

/** The composition root: config -> database -> services -> HTTP server. */
async function main(): Promise<void> {
  const config = loadConfig();
  // A developer's terminal gets readable lines; anything else (production, pipes, collectors) JSON.
  const logger = createLogger(config.logLevel, { pretty: config.env === "development" && process.stdout.isTTY === true });
  const sqliteFile = path.join(config.dataDir, "parley.sqlite");
  const target: StartupTarget = {
    databaseUrl: config.databaseUrl,
    sqliteFile,
    redisUrl: config.redisUrl ?? config.redisClusterNodes?.join(","),
    redisCluster: config.redisClusterNodes !== undefined,
    host: config.host,
    port: config.port,
  };
  let db: DataSource;
  try {
    db = await openDatabaseAsIs({ url: config.databaseUrl, sqliteFile }, SCHEMA, { migrate: config.migrateOnStart });
  } catch (err) {
    throw err instanceof MigrationError ? err : new StartupError(describeDatabaseError(err, target), { cause: err });
  }
  if (!config.migrateOnStart) {
    const pending = (await migrationStates(db)).filter((m) => !m.applied).map((m) => m.name);
    // Serving anyway: /readyz answers 503 until `npm run migrate` has run (a rolling deploy's order).
    if (pending.length) logger.warn({ pending }, `MIGRATE_ON_START=0 and ${pending.length} migration(s) pending: run npm run migrate`);
  }
  let services: Services;
  try {
    if (config.redisUrl) await probeTcp(config.redisUrl, 6379);
    // A cluster starts when any seed answers (the client reads the topology from the first that does).
    if (config.redisClusterNodes)
      await Promise.any(config.redisClusterNodes.map((u) => probeTcp(u, 6379))).catch((e: AggregateError) => Promise.reject(e.errors[0]));
    services = await createServices(config, db, logger);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw (config.redisUrl || config.redisClusterNodes) && isConnectionError(err) ? new StartupError(describeRedisError(err, target), { cause: err }) : err;
  }
  const demo = config.demo ? await seedDemo(services) : null;
  const server = createServer(createApp(services, demo ? { demoAppId: demo.appId } : {}).callback());
  const io = attachRealtime(server, services);
  const stopWatching = watchAppChanges(services, io);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, config.listenBacklog, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    throw new StartupError(describeListenError(err, target), { cause: err });
  }
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.port;
  const listening = `Parley listening on http://localhost:${port}`;
  const facts = { port, db: config.databaseUrl ? "mysql" : "sqlite", redis: config.redisClusterNodes ? "cluster" : config.redisUrl ? "on" : "off" };
  // The banner is for people: plain lines on a terminal, the same fact as one JSON log line elsewhere.
  if (process.stdout.isTTY) process.stdout.write(`\n  ${listening}  (database: ${facts.db}, redis: ${facts.redis})\n`);
  else logger.info(facts, listening);
  if (demo) printDemo(`http://localhost:${port}`, demo, await demoConsoleLines(services, `http://localhost:${port}`));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, 20_000).unref();
    // 1. Stop accepting connections (a load balancer sends new ones to other nodes).
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    // 2. Let this node's sockets go (only this node's: io.local). The SDK reconnects, and the
    //    load balancer sends it to another node; presence sees no blip within the grace period.
    stopWatching();
    // Calls carried by this node's sockets are not dropped for this: their clients come back on
    // another node within the grace, and that node's sweep drops the ones that do not.
    services.calls.stop();
    services.streams.stop();
    io.local.disconnectSockets(true);
    await (services.presence as { flush?: () => Promise<void> }).flush?.();
    // 3. In-flight requests finish; idle keep-alive connections are closed now, busy ones after.
    server.closeIdleConnections();
    const drained = await Promise.race([httpClosed.then(() => true), sleep(10_000).then(() => false)]);
    if (!drained) server.closeAllConnections();
    // 4. Close Socket.IO (and its adapter), presence, the database and Redis.
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    await services.presence.close();
    services.uploads.stop();
    services.retention.stop();
    // Attempts under way finish and are recorded; what is left stays in the outbox for the next start.
    await Promise.all([
      services.webhookDispatcher.stop(),
      services.unreadNotifier.stop(),
      services.pushNotifier.stop(),
      services.emailNotifier.stop(),
      services.agentRunner.stop(),
      services.scheduledSweep.stop(),
      services.previews.stop(),
      services.usage.stop(),
      services.replicas?.stop(),
    ]);
    await db.destroy().catch((err: unknown) => logger.warn({ err }, "database close failed"));
    await services.redis?.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** What a newcomer needs to see after `npm start`: where to click and who to sign in as. */
function printDemo(base: string, demo: Demo, consoleLines: string[]): void {
  const lines = [
    "",
    "  Parley demo is running.",
    "",
    `  Open ${base}/examples/script-tag/ in two browsers (or one normal and one private window)`,
    `  and sign in as two of these users (password: ${DEMO_PASSWORD}):`,
    ...demo.users.map((u) => `    ${u.email.padEnd(28)} ${u.displayName}`),
    "",
    `  All examples: ${base}/examples/      Demo app id: ${demo.appId}`,
    "",
    ...consoleLines,
    "",
    "  PARLEY_DEMO=0 starts the bare server.",
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

/** Connection-level failures (refused, unknown host, timed out), as opposed to bugs. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)/.test(code);
}

main().catch((err: unknown) => {
  // A sentence, never a stack: the failures above are described, the rest carry their own message.
  console.error(`Parley cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
