import { AppError } from "../shared/errors.js";

/**
 * Driver error codes (mysql2, Node's net layer, better-sqlite3) that mean "the database cannot
 * answer right now": unreachable, connection dropped, pool exhausted, a lock/deadlock the
 * server gave up on, or (SQLite) a disk that is full or failing. Trying the same request again later may succeed, so these are 503
 * `service_unavailable` (retryable), not 500 `internal` (a bug).
 */
const TRANSIENT_CODES = new Set([
  // Network: the server is down, unreachable, or the connection broke mid-query.
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  // mysql2's own protocol states.
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "PROTOCOL_ENQUEUE_HANDSHAKE_TWICE",
  // MySQL / MariaDB server answers.
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_QUERY_INTERRUPTED",
  "ER_QUERY_TIMEOUT",
  "ER_CLIENT_INTERACTION_TIMEOUT",
  "ER_OUT_OF_RESOURCES",
  "ER_NET_READ_ERROR",
  "ER_NET_READ_INTERRUPTED",
  "ER_NET_ERROR_ON_WRITE",
  "ER_NET_WRITE_INTERRUPTED",
  "ER_READ_ONLY_MODE",
  "ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION",
  // SQLite: another writer holds the lock past the busy timeout.
  "SQLITE_BUSY",
  "SQLITE_BUSY_SNAPSHOT",
  "SQLITE_BUSY_TIMEOUT",
  "SQLITE_LOCKED",
  // SQLite: the disk (or max_page_count) is full, or the file cannot be written or synced. The
  // transaction did not commit; writes succeed again once space or the device returns.
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_CANTOPEN",
  "SQLITE_READONLY_DBMOVED",
]);

/** better-sqlite3's extended codes of the families above: SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_IOERR_SHMSIZE, … */
const TRANSIENT_CODE_PREFIXES = ["SQLITE_IOERR_"];

/** MariaDB-only server errors that mysql2 has no code name for: connection killed, statement timeout. */
const TRANSIENT_ERRNOS = new Set([1927, 1969]);

/** Errors mysql2 and TypeORM raise without a code when the pool or connection is gone. */
const TRANSIENT_MESSAGES = [
  /^Pool is closed\.?$/,
  /^Queue limit reached\.?$/,
  /^No connections available\.?$/,
  /Can't add new command when connection is in closed state/,
  /Can't write in closed state/,
  /^Connection lost/,
  /Connection is not established with mysql database/,
];

interface DriverErrorLike {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** The error and what it wraps: TypeORM's QueryFailedError.driverError, `cause` chains. */
function* chain(err: unknown): Generator<DriverErrorLike> {
  const seen = new Set<unknown>();
  const todo = [err];
  while (todo.length > 0) {
    const e = todo.shift();
    if (typeof e !== "object" || e === null || seen.has(e) || seen.size > 8) continue;
    seen.add(e);
    const d = e as DriverErrorLike;
    yield d;
    todo.push(d.driverError, d.cause);
    // AggregateError (e.g. net's happy-eyeballs ECONNREFUSED on both ::1 and 127.0.0.1).
    if (Array.isArray((e as { errors?: unknown }).errors)) todo.push(...(e as { errors: unknown[] }).errors);
  }
}

function isTransient(e: DriverErrorLike): boolean {
  if (typeof e.code === "string" && (TRANSIENT_CODES.has(e.code) || TRANSIENT_CODE_PREFIXES.some((p) => (e.code as string).startsWith(p)))) return true;
  if (typeof e.errno === "number" && TRANSIENT_ERRNOS.has(e.errno)) return true;
  // mysql2 marks every error that kills the connection (network, protocol, handshake) fatal.
  if (e.fatal === true) return true;
  const message = typeof e.message === "string" ? e.message : "";
  return TRANSIENT_MESSAGES.some((re) => re.test(message));
}

/** Lock waits and deadlocks: another writer won this time. Retryable, but no sign that writes fail. */
const CONTENTION_CODES = new Set(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT", "SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_TIMEOUT", "SQLITE_LOCKED"]);

/** Whether the error is lock contention (deadlock, lock wait timeout, SQLITE_BUSY) rather than a database that cannot write. */
export function isLockContention(err: unknown): boolean {
  for (const e of chain(err)) if (typeof e.code === "string" && CONTENTION_CODES.has(e.code)) return true;
  return false;
}

/**
 * The one place that decides whether a thrown error means the database is unavailable (down,
 * unreachable, connection lost, pool exhausted, lock wait timeout, deadlock, SQLITE_BUSY, disk full, I/O error).
 * Returns a retryable `service_unavailable` AppError (503, `Retry-After: 1`) for those and
 * undefined for anything else, which stays a bug (`internal`). Both transports call it: the Koa
 * error middleware and the socket ack helper. The driver's message is never sent to clients.
 */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return undefined;
  for (const e of chain(err)) {
    if (isTransient(e)) {
      return new AppError("service_unavailable", "The service is temporarily unavailable; try again shortly", undefined, { "Retry-After": "1" });
    }
  }
  return undefined;
}

/** The driver's code (or message) of a database error, for logs. */
export function databaseErrorCode(err: unknown): string {
  for (const e of chain(err)) {
    if (typeof e.code === "string") return e.code;
  }
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message.slice(0, 120) : "unknown";
}

/** Duplicate-key codes of both drivers: MySQL / MariaDB, and SQLite on a UNIQUE index or a primary key. */
const UNIQUE_CODES = new Set(["ER_DUP_ENTRY", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"]);

/** Whether the error is a duplicate key (the row is already there): TypeORM's driverError's code, else the error's own. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === "string" && UNIQUE_CODES.has(code);
}

/**
 * A statement stopped at its own time budget: MariaDB's `max_statement_time` (errno 1969; inside
 * an InnoDB FULLTEXT search MariaDB 10.11 reports the same stop as HA_ERR_FTS_EXCEED_RESULT_CACHE_LIMIT,
 * errno 188, seen in server/test/search-limits.test.ts) or MySQL's `MAX_EXECUTION_TIME` hint
 * (ER_QUERY_TIMEOUT, 3024). The connection stays usable; the caller chose the budget and answers
 * with what it has.
 */
const STOPPED_ERRNOS = new Set([1969, 188, 3024]);

export function isStatementTimeout(err: unknown): boolean {
  for (const e of chain(err)) if ((typeof e.errno === "number" && STOPPED_ERRNOS.has(e.errno)) || e.code === "ER_QUERY_TIMEOUT") return true;
  return false;
}
