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
    logger.info({ port, db: config.databaseUrl ? "mysql" : "sqlite" }, `Parley listening on http://localhost:${port}`);
    if (demo) printDemo(`http://localhost:${port}`, demo);
  });

  const shutdown = (signal: string): void => {
    logger.info({ signal }, "shutting down");
    services.presence.close();
    server.closeIdleConnections();
    void io.close(() => {
      void db.destroy().finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

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
