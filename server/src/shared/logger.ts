import { createRequire } from "node:module";
import { pino, type DestinationStream, type Logger } from "pino";

export type { DestinationStream, Logger };

export interface LoggerOptions {
  /**
   * Human-readable lines (pino-pretty) instead of JSON: for a developer's terminal. main.ts asks
   * for it in development when stdout is a TTY; everything else (production, pipes, files, log
   * collectors) gets one JSON object per line. Falls back to JSON when pino-pretty (a dev
   * dependency) is not installed.
   */
  pretty?: boolean;
  /** Where the JSON lines go instead of stdout (a test reading what a server logged). */
  destination?: DestinationStream;
}

/**
 * Never logged (replaced by "[redacted]"): credentials by name, in the logged object or one level
 * down (an agent's model API key, a server key's or an app's secret among them), and the values of
 * a failed SQL statement. TypeORM's QueryFailedError carries the statement's `parameters`, and
 * mysql2's `sql` has them inlined: what was being written, secrets included (an agent's API key on
 * an insert that failed). server/test/agents-secrets.test.ts reads a server's whole log for a key.
 */
const REDACT = [
  "req.headers.authorization",
  "*.password",
  "*.refreshToken",
  "*.accessToken",
  "*.token",
  "apiKey",
  "*.apiKey",
  "*.secret",
  "err.parameters",
  "err.sql",
  "err.driverError.sql",
];

/** Structured logs; never logs secrets (REDACT). */
export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const options = {
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
  };
  const destination = (opts.pretty ? prettyStream() : undefined) ?? opts.destination;
  return destination ? pino(options, destination) : pino(options);
}

/** pino-pretty as a synchronous stream (no worker thread: nothing is lost at process.exit), or undefined. */
function prettyStream(): DestinationStream | undefined {
  try {
    const pretty = createRequire(import.meta.url)("pino-pretty") as (o: object) => DestinationStream;
    return pretty({
      sync: true,
      colorize: true,
      translateTime: "HH:MM:ss.l",
      // A request is one line on a terminal: `GET /v1/me 200 3.1 ms`.
      ignore: "pid,hostname,reqId,method,path,status,ms",
      messageFormat: (log: Record<string, unknown>, key: string) =>
        log[key] === "request" ? `${String(log["method"])} ${String(log["path"])} ${String(log["status"])} ${String(log["ms"])} ms` : String(log[key]),
    });
  } catch {
    return undefined;
  }
}
