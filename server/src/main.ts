import "reflect-metadata";
import { createServer } from "node:http";
import path from "node:path";
import { loadConfig } from "./config.js";
import { openDatabase } from "./db/data-source.js";
import { createApp } from "./http/app.js";
import { attachRealtime } from "./realtime/realtime.js";
import { createServices } from "./services.js";
import { createLogger } from "./shared/logger.js";
import { DEMO_PASSWORD, seedDemo, type Demo } from "./demo/demo.seed.js";

/** The composition root: config -> database -> services -> HTTP server. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase({ url: config.databaseUrl, sqliteFile: path.join(config.dataDir, "parley.sqlite") });
  const services = await createServices(config, db, logger);
  const demo = config.demo ? await seedDemo(services) : null;
  const server = createServer(createApp(services, demo ? { demoAppId: demo.appId } : {}).callback());
  const io = attachRealtime(server, services);
  server.listen(config.port, config.host, () => {
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : config.port;
    logger.info({ port, db: config.databaseUrl ? "mysql" : "sqlite", redis: config.redisUrl ? "on" : "off" }, `Parley listening on http://localhost:${port}`);
    if (demo) printDemo(`http://localhost:${port}`, demo);
  });

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
    io.local.disconnectSockets(true);
    await (services.presence as { flush?: () => Promise<void> }).flush?.();
    // 3. In-flight requests finish; idle keep-alive connections are closed now, busy ones after.
    server.closeIdleConnections();
    const drained = await Promise.race([httpClosed.then(() => true), sleep(10_000).then(() => false)]);
    if (!drained) server.closeAllConnections();
    // 4. Close Socket.IO (and its adapter), presence, the database and Redis.
    await new Promise<void>((resolve) => void io.close(() => resolve()));
    await services.presence.close();
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
function printDemo(base: string, demo: Demo): void {
  const lines = [
    "",
    "  Parley demo is running.",
    "",
    `  Open ${base}/examples/script-tag/ in two browsers (or one normal and one private window)`,
    `  and sign in as two of these users (password: ${DEMO_PASSWORD}):`,
    ...demo.users.map((u) => `    ${u.email.padEnd(28)} ${u.displayName}`),
    "",
    `  All examples: ${base}/examples/      Demo app id: ${demo.appId}`,
    "  PARLEY_DEMO=0 starts the bare server.",
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
