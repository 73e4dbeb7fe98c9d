import type { DataSource, EntityManager, QueryRunner } from "typeorm";
import { databaseErrorCode, fromDatabaseError, isLockContention } from "./db-errors.js";
import { dialectOf } from "./sql.js";
import { pipeline } from "./pipeline.js";
import { onPrimary } from "./read-replicas.js";

/** Why writes are failing: the driver's code of the last failed write, and since when. */
export interface WriteFailure {
  code: string;
  /** ms since the epoch of the first failure in the current run of failures. */
  since: number;
}

/**
 * Runs `fn` in a transaction. On SQLite writers go one at a time: it has a single connection
 * (TypeORM cannot nest its transactions). On MySQL up to `writers` run at once (DATABASE_WRITERS),
 * each on a connection of its own, first come first served: while one waits for the database,
 * the next one's statements go out. They are ordered as those of several nodes are: the app's
 * seq row (EventLog.append) hands out seqs in commit order, and a send batch first locks its
 * conversations (conversations/last-message.ts).
 *
 * A transaction that fails, wherever (a statement, COMMIT, ROLLBACK), leaves nothing behind:
 * the next one starts on a connection with no transaction open, or on a fresh connection. The
 * Transactor also remembers whether the last write failed for a database reason (disk full, I/O
 * error, connection lost), so health checks can say so until a write commits again.
 */
export class Transactor {
  private readonly isMysql: boolean;
  /** Transactions run at once (1 on SQLite). */
  readonly writers: number;
  private active = 0;
  /** Transactions waiting for a writer, first come first served. */
  private readonly waiting: (() => void)[] = [];
  private failure: WriteFailure | undefined;

  constructor(
    readonly db: DataSource,
    writers = 1,
  ) {
    this.isMysql = dialectOf(db) === "mysql";
    this.writers = this.isMysql ? Math.max(1, writers) : 1;
  }

  /** Set while the last write failed for a database reason and none has committed since. */
  get writesFailing(): WriteFailure | undefined {
    return this.failure;
  }

  run<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.runHolding([], fn).then((held) => {
      void held.release();
      return held.out;
    });
  }

  /**
   * `run`, with MySQL's named locks `keys` taken (in order) before the transaction starts and kept
   * after its commit until `release` is called: what the unit does after its commit (publishing
   * its events to the other nodes) then still comes before the next unit holding one of the keys
   * begins, on any node. SQLite (one node, one writer) takes none.
   */
  runHolding<T>(keys: readonly string[], fn: (m: EntityManager) => Promise<T>): Promise<Held<T>> {
    return (
      this.turn()
        // On the primary, the whole unit (reads through `db` too), whatever scope its caller reads in.
        .then(() => onPrimary(() => (this.isMysql ? this.mysql(keys, fn) : this.sqlite(fn).then((out) => ({ out, release: RELEASED })))))
        .finally(() => this.done())
        .then(
          (out) => {
            this.failure = undefined;
            return out;
          },
          (err: unknown) => {
            // A refused request (AppError), a unique violation or a deadlock says nothing about
            // whether the database can take writes; a full disk or a lost connection does.
            if (fromDatabaseError(err) && !isLockContention(err)) this.failure ??= { code: databaseErrorCode(err), since: Date.now() };
            throw err;
          },
        )
    );
  }

  /** Resolves when a writer is free (at once, or in the order transactions asked). */
  private turn(): Promise<void> {
    if (this.active < this.writers) {
      this.active++;
      return Promise.resolve();
    }
    // The writer is handed over by `done`: `active` stays as it is.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private done(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  /**
   * TypeORM's transaction(), made safe against failures it does not recover from. better-sqlite3
   * runs on TypeORM's one query runner, which counts transactions itself: when SQLite rolls a
   * transaction back on its own (SQLITE_FULL in a one-row statement, any SQLITE_IOERR) the
   * runner's ROLLBACK fails and its count stays up, so the next transaction becomes a SAVEPOINT;
   * a later rollback to that savepoint leaves SQLite's transaction open, and every write after
   * it is nested in a transaction that never commits (acked, then lost at restart). So the
   * runner's state is checked against the connection's before each transaction and after a
   * failed one, and reset.
   */
  private async sqlite<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    const qr = this.db.createQueryRunner();
    const conn = (await qr.connect()) as SqliteConnection;
    settleSqlite(qr, conn);
    try {
      await qr.startTransaction();
      const out = await fn(qr.manager);
      await qr.commitTransaction();
      return out;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      try {
        settleSqlite(qr, conn);
      } catch {
        // The write's own error is the answer; the next transaction settles again first.
      }
      throw err;
    }
  }

  /**
   * TypeORM's transaction() on a connection of its own. The connection is destroyed rather than
   * reused when the transaction's outcome or the connection's state is unknown: a failed COMMIT
   * (the connection may have died with it; the server rolls back what it did not commit when
   * the connection goes), a failed ROLLBACK, or a statement that timed out (mysql2 keeps the
   * timed-out command at the head of that connection's queue, so a ROLLBACK there would wait
   * forever and every later write of this node with it).
   */
  private async mysql<T>(keys: readonly string[], fn: (m: EntityManager) => Promise<T>): Promise<Held<T>> {
    const qr = this.db.createQueryRunner();
    let committing = false;
    let locked = false;
    let kept = false;
    let destroyed = false;
    let unpipe = (): void => {};
    const kill = (): void => {
      destroyed = true;
      destroy(qr);
    };
    try {
      await qr.connect();
      if (keys.length > 0) {
        locked = true;
        await takeNamedLocks(qr, keys);
      }
      // The unit's writes whose answers nobody reads go out with its next statement (db/pipeline.ts).
      unpipe = pipeline(qr);
      await qr.startTransaction();
      const out = await fn(qr.manager);
      committing = true;
      await qr.commitTransaction();
      unpipe();
      if (!locked) return { out, release: RELEASED };
      kept = true;
      return { out, release: () => releaseNamedLocks(qr) };
    } catch (err) {
      if (committing || databaseErrorCode(err) === "PROTOCOL_SEQUENCE_TIMEOUT") kill();
      else if (qr.isTransactionActive) await qr.rollbackTransaction().catch(kill);
      unpipe();
      // The session's named locks go with a destroyed connection; a kept one lets them go first.
      if (locked && !destroyed) await qr.query("SELECT RELEASE_ALL_LOCKS()").catch(kill);
      throw err;
    } finally {
      if (!kept) await qr.release().catch(() => undefined);
    }
  }
}

/** A committed unit's result, and the release of the named locks it still holds (runHolding). */
export interface Held<T> {
  out: T;
  release(): Promise<void>;
}

const RELEASED = (): Promise<void> => Promise.resolve();

/** How long a unit waits for another's named lock (s): under the driver's query timeout. */
const NAMED_LOCK_WAIT_SEC = 4;

/**
 * Takes the named locks `keys` (this database's: other databases on the server have their own), in
 * one statement and in a sorted order, so that two units never wait on each other in a circle. One
 * not granted in time is lock contention (a retryable 503), like InnoDB's lock wait timeout.
 */
async function takeNamedLocks(qr: QueryRunner, keys: readonly string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  const rows: Record<string, number | string | null>[] = await qr.query(
    `SELECT ${sorted.map((_, i) => `GET_LOCK(CONCAT(DATABASE(), '/', ?), ${NAMED_LOCK_WAIT_SEC}) AS l${i}`).join(", ")}`,
    sorted,
  );
  if (Object.values(rows[0] ?? {}).every((v) => Number(v) === 1)) return;
  throw Object.assign(new Error(`A named lock of ${sorted.join(", ")} was not granted in ${NAMED_LOCK_WAIT_SEC} s`), { code: "ER_LOCK_WAIT_TIMEOUT" });
}

/** Lets the kept connection's named locks go, and the connection back to the pool (destroyed when that fails). */
async function releaseNamedLocks(qr: QueryRunner): Promise<void> {
  await qr.query("SELECT RELEASE_ALL_LOCKS()").catch(() => destroy(qr));
  await qr.release().catch(() => undefined);
}

/** The raw better-sqlite3 handle, as far as the Transactor uses it. */
interface SqliteConnection {
  readonly inTransaction: boolean;
  exec(sql: string): unknown;
}

/**
 * Makes TypeORM's SQLite query runner and the connection agree that no transaction is open.
 * Transactions run one at a time through the Transactor (nothing else in the server opens one),
 * so between two of them anything open is a leftover of a failure.
 */
function settleSqlite(qr: QueryRunner, conn: SqliteConnection): void {
  Object.assign(qr, { isTransactionActive: false, transactionDepth: 0 });
  // Throws when SQLite cannot roll back (the device is gone): then this write fails, and the
  // next one tries again rather than nesting in what is still open.
  if (conn.inTransaction) conn.exec("ROLLBACK");
}

function destroy(qr: QueryRunner): void {
  (qr as unknown as { databaseConnection?: { destroy(): void } }).databaseConnection?.destroy();
}
