import { randomUUID } from "node:crypto";
import type { Ack } from "@parley/sdk/protocol";
import { databaseErrorCode, fromDatabaseError } from "../db/db-errors.js";
import { AppError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";

/** Who sent a command, for the log line of a failed one. */
export interface CommandLog {
  logger: Logger;
  socketId: string;
  userId: string;
}

/**
 * Runs a command and always answers its ack: the data, or the error body (never a stack). Like an
 * HTTP request, a failed command has a request id: an unexpected error is logged with it and the
 * ack carries it (`error.requestId`), so a user's report can be matched to the log line.
 */
export async function withAck<T>(log: CommandLog, event: string, ack: ((res: Ack<T>) => void) | undefined, fn: () => Promise<T>): Promise<void> {
  let res: Ack<T>;
  try {
    res = { ok: true, data: await fn() };
  } catch (err) {
    // A database outage is a retryable `service_unavailable`, never a false ok or a bare `internal`.
    const known = err instanceof AppError ? err : fromDatabaseError(err);
    const requestId = randomUUID();
    const { logger, ...who } = log;
    if (!known) logger.error({ err, reqId: requestId, event, ...who }, "socket command failed");
    else if (known.code === "service_unavailable") logger.warn({ reqId: requestId, event, ...who, dbError: databaseErrorCode(err) }, "database unavailable");
    const body = (known ?? new AppError("internal", "Internal server error")).toBody().error;
    res = { ok: false, error: known && known.code !== "internal" ? body : { ...body, requestId } };
  }
  if (typeof ack === "function") ack(res);
}
