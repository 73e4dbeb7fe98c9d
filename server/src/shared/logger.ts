import { pino, type Logger } from "pino";

export type { Logger };

/** Structured JSON logs; never logs secrets (authorization headers and tokens are redacted). */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ["req.headers.authorization", "*.password", "*.refreshToken", "*.accessToken", "*.token"],
      censor: "[redacted]",
    },
  });
}
