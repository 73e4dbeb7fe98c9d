import { connect } from "node:net";
import { databaseErrorCode } from "../db/db-errors.js";

/** Where the server was trying to get to when it failed, for the message. */
export interface StartupTarget {
  databaseUrl: string | undefined;
  sqliteFile: string;
  /** REDIS_URL, or REDIS_CLUSTER_NODES's seeds joined by commas (then `redisCluster`). */
  redisUrl: string | undefined;
  redisCluster?: boolean;
  host: string;
  port: number;
}

/** Thrown by main() for failures it has already put into words. */
export class StartupError extends Error {}

/**
 * One line an operator can act on, for the usual reasons a start fails: a taken port, an
 * unreachable or misconfigured database. Anything else keeps its own message. Passwords in URLs
 * are masked.
 */
export function describeDatabaseError(err: unknown, t: StartupTarget): string {
  const code = databaseErrorCode(err) || ((err as { code?: unknown } | null)?.code as string | undefined) || "";
  const detail = code || (err instanceof Error ? err.message : String(err));
  if (!t.databaseUrl) {
    return `Cannot open the SQLite database ${t.sqliteFile} (${detail}): check that DATA_DIR exists and is writable, or set DATABASE_URL.`;
  }
  const where = redactUrl(t.databaseUrl);
  switch (code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `Cannot reach the database at ${where} (${code}): is MariaDB/MySQL running there? Check DATABASE_URL.`;
    case "ER_ACCESS_DENIED_ERROR":
    case "ER_DBACCESS_DENIED_ERROR":
      return `The database at ${where} refused the user or password (${code}): check DATABASE_URL.`;
    case "ER_BAD_DB_ERROR":
      return `The database named in ${where} does not exist (${code}): create it (CREATE DATABASE ... CHARACTER SET utf8mb4) or fix DATABASE_URL.`;
    default:
      return `Cannot use the database at ${where} (${detail}): check DATABASE_URL and the database server's log.`;
  }
}

export function describeListenError(err: unknown, t: StartupTarget): string {
  const code = (err as { code?: string } | null)?.code;
  if (code === "EADDRINUSE") return `Port ${t.port} is already in use on ${t.host}: stop whatever listens there or set PORT to a free port.`;
  if (code === "EACCES") return `Not allowed to listen on ${t.host}:${t.port} (EACCES): ports below 1024 need privileges; set PORT above 1023.`;
  if (code === "EADDRNOTAVAIL") return `${t.host} is not an address of this machine (EADDRNOTAVAIL): fix HOST (0.0.0.0 listens everywhere).`;
  return `Cannot listen on ${t.host}:${t.port}: ${err instanceof Error ? err.message : String(err)}`;
}

export function describeRedisError(err: unknown, t: StartupTarget): string {
  const code = (err as { code?: string } | null)?.code;
  const urls = (t.redisUrl ?? "").split(",");
  if (t.redisCluster)
    return `Cannot reach any Redis Cluster seed node (${urls.map(redactUrl).join(", ")})${code ? ` (${code})` : ""}: is the cluster running? Check REDIS_CLUSTER_NODES, or unset it to run one node without Redis.`;
  return `Cannot reach Redis at ${redactUrl(urls[0]!)}${code ? ` (${code})` : ""}: is it running? Check REDIS_URL, or unset it to run one node without Redis.`;
}

/** `mysql://user:secret@host/db` -> `mysql://user:***@host/db`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * Resolves when something accepts a TCP connection at the URL's host and port within `ms`, else
 * rejects with the socket's error code. For Redis before its clients start: they retry forever
 * (right for an outage later, wrong for a typo in REDIS_URL at start).
 */
export function probeTcp(url: string, defaultPort: number, ms = 5000): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || defaultPort), timeout: ms });
    socket.once("connect", () => (socket.destroy(), resolve()));
    socket.once("timeout", () => (socket.destroy(), reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }))));
    socket.once("error", (err) => (socket.destroy(), reject(err)));
  });
}
