import { mkdirSync } from "node:fs";
import path from "node:path";
import { type ColumnType, DataSource, type DataSourceOptions, type MigrationInterface } from "typeorm";
import { type Dialect, dialectOf } from "./sql.js";

/**
 * What a data source is built with: the entities, the migrations and the column types that
 * differ by dialect. The server's is SCHEMA in schema.ts, at the composition root: db/ imports no
 * entity and no migration list, so the layers read top to bottom (test/shape.test.ts).
 */
export interface Schema {
  /** Every entity, listed explicitly: globs break once the server is bundled. */
  entities: EntityClass[];
  /** Every migration, in timestamp order. */
  migrations: (new () => MigrationInterface)[];
  dialectTypes: DialectTypes;
}

/**
 * Column types that differ by dialect, where an entity declares one: each type is what the
 * migrations made on that dialect, so TypeORM's metadata describes the real tables.
 */
export type DialectTypes = Record<Dialect, [entity: EntityClass, property: string, type: ColumnType][]>;

/** An entity class (TypeORM's decorators describe its table). */
export type EntityClass = new () => object;

export interface DatabaseOptions {
  /** `mysql://user:pass@host:3306/db`; unset for the embedded SQLite file. */
  url: string | undefined;
  /** Where the SQLite file lives when `url` is unset. */
  sqliteFile: string;
  logging?: boolean;
  /**
   * SQLite's `synchronous` (WAL mode). FULL, the default: a commit is fsynced before it is
   * acknowledged, so it survives a power loss or an OS crash. NORMAL skips that fsync (the WAL is
   * synced at checkpoints only): still safe from a crash of the server process, but the last
   * commits before a power loss may be lost. See docs/performance.md ("Durability").
   */
  sqliteSynchronous?: "FULL" | "NORMAL";
}

/** Builds (but does not open) the DataSource for the configured database, with `schema`'s entities and migrations. */
export function createDataSource(opts: DatabaseOptions, schema: Schema): DataSource {
  const common = { entities: schema.entities, migrations: schema.migrations, synchronize: false, logging: opts.logging ?? false };
  let options: DataSourceOptions;
  if (opts.url) {
    options = {
      ...common,
      type: "mysql",
      url: opts.url.replace(/^mariadb:/, "mysql:"),
      charset: "utf8mb4_unicode_ci",
      timezone: "Z",
      // A unit's writes go out together with its next statement (db/pipeline.ts). Every value is a
      // `?` placeholder, so a statement's text never carries input to put a second statement in.
      multipleStatements: true,
      extra: {
        connectionLimit: 20,
        // Outage behaviour (server/test/outage.test.ts): a connect to an unreachable server fails
        // within 5 s instead of mysql2's 10 s; a connection that errors or closes leaves the pool
        // (mysql2 does that itself) and the next query opens a fresh one, so the pool recovers
        // when the database returns. TCP keep-alive and idle expiry keep long-idle connections,
        // which a restart or a NAT may have silently killed, from being reused forever.
        connectTimeout: 5000,
        enableKeepAlive: true,
        keepAliveInitialDelay: 10_000,
        maxIdle: 10,
        idleTimeout: 60_000,
      },
    };
  } else {
    if (opts.sqliteFile !== ":memory:") mkdirSync(path.dirname(opts.sqliteFile), { recursive: true });
    options = {
      ...common,
      type: "better-sqlite3",
      database: opts.sqliteFile,
      enableWAL: opts.sqliteFile !== ":memory:",
      // Prepared statements are kept by their text, first in first out. A send batch's statements
      // differ with its size (one placeholder group per message), so TypeORM's 100 made most
      // batches prepare every statement again. A prepared multi-row INSERT costs about 4 kB for
      // one row and 26 kB for 20 (196 kB for 200), so 500 keep the usual sizes (batches of up to
      // about 60) for some MB, not every size for tens of MB.
      statementCacheSize: 500,
    };
  }
  return new DataSource(options);
}

/** Sets the column types of `types` for this data source's dialect on TypeORM's metadata (see DialectTypes). */
export function declareDialectTypes(ds: DataSource, types: DialectTypes): void {
  for (const [entity, property, type] of types[dialectOf(ds)]) {
    const column = ds.getMetadata(entity).findColumnWithPropertyName(property);
    if (!column) throw new Error(`declareDialectTypes: no column ${entity.name}.${property}`);
    column.type = type;
  }
}

/**
 * SQLite's page cache, in KiB. Its default, 2 MB, is sized for devices: a server's working set
 * (the newest messages and events, their indexes, the full-text segments) did not fit, and pages
 * were read again with a syscall each. 64 MB, filled only as pages are read: at 3,000 msg/s the
 * server used 94-95 % of a core against 100-102 % (docs/performance.md, issue 34 step 10).
 */
export const SQLITE_CACHE_KIB = 64 * 1024;

/** How long one MySQL query may take once the server runs (see openDatabase). */
export const QUERY_TIMEOUT_MS = 5000;

/** A migration failed: the database is reachable, its data or schema is the problem. */
export class MigrationError extends Error {}

export interface OpenOptions {
  /**
   * Apply pending migrations (default true). False opens the database as it is: MIGRATE_ON_START=0,
   * `migrate:status`, and the CLI's explicit `migrate` step.
   */
  migrate?: boolean;
}

/**
 * Opens the database with `schema` and, unless `migrate: false`, applies pending migrations. A failed migration
 * is thrown as a MigrationError (callers tell it from an unreachable database); on any failure
 * after the connection opened, the connection is closed again.
 */
export async function openDatabase(opts: DatabaseOptions, schema: Schema, { migrate = true }: OpenOptions = {}): Promise<DataSource> {
  const ds = createDataSource(opts, schema);
  await ds.initialize();
  declareDialectTypes(ds, schema.dialectTypes);
  try {
    // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL): set it explicitly.
    if (dialectOf(ds) === "sqlite") {
      await ds.query(`PRAGMA synchronous = ${opts.sqliteSynchronous ?? "FULL"}`);
      await ds.query(`PRAGMA cache_size = -${SQLITE_CACHE_KIB}`);
    }
    if (migrate) {
      try {
        await ds.runMigrations({ transaction: "each" });
      } catch (err) {
        throw new MigrationError(`A migration failed (the earlier ones stay applied): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    // Statement journals (and temporary tables and sorts) in memory, once the migrations are done
    // (an index built over a big table sorts more than memory should hold). A send batch's
    // multi-row INSERT keeps a journal of the pages it changes, to undo itself alone on a
    // constraint error; past 64 KB (about 16 messages) it spilled to a temporary file, a write a
    // page, inside the batch: the INSERT took 1.1 ms a batch of ~75, 0.44 ms in memory
    // (docs/performance.md, issue 56 step 22). The server's sorting reads are keyset pages.
    if (dialectOf(ds) === "sqlite") await ds.query("PRAGMA temp_store = MEMORY");
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw err;
  }
  // After the migrations (which may legitimately run long): a query on a connection that stopped
  // answering (a partition, a frozen server) fails after this long instead of waiting for TCP to
  // give up, minutes later, while this node's other writes queue behind it (a few writers per node).
  if (dialectOf(ds) === "mysql") Object.assign(ds.driver.options, { enableQueryTimeout: true, maxQueryExecutionTime: QUERY_TIMEOUT_MS });
  return ds;
}
