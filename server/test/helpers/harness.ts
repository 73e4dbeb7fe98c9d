import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import { loadConfig } from "../../src/config.js";
import { openDatabase } from "../../src/db/data-source.js";
import { createApp } from "../../src/http/app.js";
import { attachRealtime, type ParleyIo } from "../../src/realtime/realtime.js";
import { SCHEMA } from "../../src/schema.js";
import { createServices, type Services } from "../../src/services.js";
import { createLogger, type DestinationStream } from "../../src/shared/logger.js";
import { ApiClient } from "./api.js";
import { createFromTemplate } from "./mysql-template.js";
import { copySqliteTemplate } from "./sqlite-template.js";

/** Which database this test run uses: `PARLEY_TEST_DB=mysql` (MariaDB on 127.0.0.1) or SQLite. */
export const TEST_DB = process.env["PARLEY_TEST_DB"] === "mysql" ? "mysql" : "sqlite";
export const MYSQL_ADMIN_URL = process.env["PARLEY_TEST_MYSQL_URL"] ?? "mysql://root@127.0.0.1:3306";
export const TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";

export interface TestServer {
  url: string;
  api: ApiClient;
  services: Services;
  httpServer: Server;
  io: ParleyIo;
  dataDir: string;
  /** The database URL (mysql) or undefined (SQLite in dataDir), e.g. for spawning the CLI. */
  databaseUrl: string | undefined;
  /** Creates an app (host site) the way the CLI does; returns its id and secret. */
  createTenant(name?: string, origins?: string[]): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
  /** Removes the data dir and drops the MariaDB database (what close does unless `keepData`). */
  dropData(): Promise<void>;
}

export interface StartOptions {
  /**
   * MySQL mode only: the `mysql://user@host:port` the server reaches MariaDB through (e.g. a
   * test's TCP proxy), instead of MYSQL_ADMIN_URL. The database is still created and dropped
   * through MYSQL_ADMIN_URL directly.
   */
  mysqlServerUrl?: string;
  /**
   * MySQL mode only: another MariaDB server as the primary (`mysql://user@host:port`), where the
   * database is created and dropped and the server connects (a replication pair's primary).
   */
  mysqlPrimaryUrl?: string;
  /** MySQL mode only: a replica of the primary (`mysql://user@host:port`): DATABASE_REPLICA_URLS names the same database there. */
  replicaServerUrl?: string;
  /**
   * Start on an earlier server's data instead of a fresh database: its `dataDir` (the SQLite
   * file) and, with MariaDB, its database. To restart a server, close it with `keepData` first.
   */
  reuse?: Pick<TestServer, "dataDir" | "databaseUrl">;
  /** The server's log lines (JSON, one a line) go here instead of stdout; LOG_LEVEL in `env` says how many. */
  logTo?: DestinationStream;
  /** On close, leave the data dir (and the MariaDB database) for a restart with `reuse`; `dropData()` removes them. */
  keepData?: boolean;
}

/** `MYSQL_ADMIN_URL` with its password masked, for messages. */
export function redactedMysqlUrl(url = MYSQL_ADMIN_URL): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparseable PARLEY_TEST_MYSQL_URL)";
  }
}

/**
 * An admin connection to the test MariaDB, failing within seconds with the driver's own message
 * and the URL it tried (never a TypeError from a later cleanup, never a hang).
 */
async function connectAdmin(uri = MYSQL_ADMIN_URL): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({ uri, connectTimeout: 5000, multipleStatements: true });
  } catch (err) {
    const why = err instanceof Error ? err.message || (err as { code?: string }).code : String(err);
    throw new Error(
      `MariaDB test server unreachable at ${redactedMysqlUrl()}: ${why} (set PARLEY_TEST_MYSQL_URL, or run npm test, which starts one when mariadbd is installed)`,
    );
  }
}

/**
 * Starts a real Parley server on a random port with a fresh database of the run's kind: a new
 * SQLite file, or a new MariaDB database that is dropped again on close.
 */
export async function startServer(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = opts.reuse?.dataDir ?? (await mkdtemp(path.join(tmpdir(), "parley-test-")));
  let databaseUrl: string | undefined;
  let dropDatabase = async (): Promise<void> => {};
  const replicaEnv: Record<string, string> = {};
  if (TEST_DB === "mysql") {
    const reused = opts.reuse?.databaseUrl ? new URL(opts.reuse.databaseUrl).pathname.slice(1) : undefined;
    const name = reused ?? `parley_t_${randomBytes(6).toString("hex")}`;
    if (!reused) {
      const admin = await connectAdmin(opts.mysqlPrimaryUrl);
      try {
        // On another primary (a replication pair) the database is migrated there; else it is a
        // copy of the run's migrated template (mysql-template.ts: 0.15 s against 2-4 s).
        if (opts.mysqlPrimaryUrl) await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
        else await createFromTemplate(admin, MYSQL_ADMIN_URL, name);
      } finally {
        await admin.end();
      }
    }
    databaseUrl = `${opts.mysqlServerUrl ?? opts.mysqlPrimaryUrl ?? MYSQL_ADMIN_URL}/${name}`;
    if (opts.replicaServerUrl) replicaEnv.DATABASE_REPLICA_URLS = `${opts.replicaServerUrl}/${name}`;
    dropDatabase = async () => {
      const c = await connectAdmin(opts.mysqlPrimaryUrl);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    };
  }
  const config = loadConfig({
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env["PARLEY_TEST_LOG"] ?? "silent",
    BCRYPT_COST: "4",
    JWT_SECRET: TEST_JWT_SECRET,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    RATE_LIMIT_AUTH_PER_IP: "100000",
    // Suites send fast from one account; quotas.test.ts sets small quotas to test them.
    RATE_LIMIT_MESSAGES_PER_USER: "100000",
    // search.test.ts and others search many times; search-limits.test.ts sets the defaults to test them.
    RATE_LIMIT_SEARCH_PER_USER: "100000",
    RATE_LIMIT_SEARCH_PER_APP: "100000",
    // Suites react, pin, vote and mark read fast from one account; write-limits.test.ts sets small budgets.
    RATE_LIMIT_ACTIONS_PER_USER: "100000",
    RATE_LIMIT_ACTIONS_PER_APP: "100000",
    // Suites build groups of strangers and open many sockets per user to test other things;
    // abuse.test.ts sets the production defaults (consent, hourly caps, socket cap) to test them.
    GROUP_DIRECT_ADD: "1",
    GROUPS_CREATED_PER_HOUR: "100000",
    GROUP_MEMBERS_ADDED_PER_HOUR: "100000",
    SOCKETS_PER_USER_MAX: "1000",
    // A whole pass with more transactions at once (issue 56): PARLEY_TEST_DATABASE_WRITERS=2 npm test -- --pass mysql.
    ...(process.env["PARLEY_TEST_DATABASE_WRITERS"] ? { DATABASE_WRITERS: process.env["PARLEY_TEST_DATABASE_WRITERS"] } : {}),
    ...replicaEnv,
    ...env,
  });
  const logger = createLogger(config.logLevel, { destination: opts.logTo });
  const sqliteFile = path.join(dataDir, "parley.sqlite");
  if (!config.databaseUrl && !opts.reuse) await copySqliteTemplate(sqliteFile);
  const db = await openDatabase({ url: config.databaseUrl, sqliteFile }, SCHEMA);
  const services = await createServices(config, db, logger);
  const httpServer = createServer(createApp(services).callback());
  const io = attachRealtime(httpServer, services);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const dropData = async (): Promise<void> => {
    await dropDatabase();
    await rm(dataDir, { recursive: true, force: true });
  };
  return {
    url,
    api: new ApiClient(url),
    services,
    httpServer,
    io,
    dataDir,
    databaseUrl,
    async createTenant(name = "Test site", origins = ["https://site.example"]) {
      const app = await services.apps.create({ name, allowedOrigins: origins });
      return { id: app.id, secret: app.secret };
    },
    async close() {
      io.disconnectSockets(true);
      services.presence.close();
      services.uploads.stop();
      services.retention.stop();
      await Promise.all([
        services.webhookDispatcher.stop(),
        services.unreadNotifier.stop(),
        services.pushNotifier.stop(),
        services.previews.stop(),
        services.replicas?.stop(),
      ]);
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await db.destroy();
      if (!opts.keepData) await dropData();
    },
    dropData,
  };
}
