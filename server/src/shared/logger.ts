import { createRequire } from "node:module";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  /**
   * Human-readable lines (pino-pretty) instead of JSON: for a developer's terminal. main.ts asks
   * for it in development when stdout is a TTY; everything else (production, pipes, files, log
   * collectors) gets one JSON object per line. Falls back to JSON when pino-pretty (a dev
   * dependency) is not installed.
   */
  pretty?: boolean;
}

/** Structured logs; never logs secrets (authorization headers and tokens are redacted). */
export function createLogger(level: string, opts: LoggerOptions = {}): Logger {
  const options = {
    level,
    redact: {
      paths: ["req.headers.authorization", "*.password", "*.refreshToken", "*.accessToken", "*.token"],
      censor: "[redacted]",
    },
  };
  const pretty = opts.pretty ? prettyStream() : undefined;
  return pretty ? pino(options, pretty) : pino(options);
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
