import { z } from "zod";

/** E-mail for unread messages (issue 55): the deployment's SMTP defaults and the sweep's timing (config.ts reads them). */
export interface EmailConfig {
  /**
   * The deployment's SMTP server (SMTP_URL, `smtp://user:pass@host:587` or `smtps://…:465`) and
   * From address (SMTP_FROM): used by every app that has no settings of its own (a one-app
   * deployment sets these and nothing else). Unset: only apps with their own settings send e-mail.
   */
  smtp: SmtpTarget | undefined;
  from: string | undefined;
  /** How long a user must have been away, with something unread, before they are e-mailed (EMAIL_WAIT_MINUTES, an app may set its own). */
  waitMs: number;
  /** How often every node looks for users to e-mail and for e-mails to send (EMAIL_SWEEP_SEC). */
  sweepMs: number;
  /** The first retry's delay after a failed attempt; each next one doubles (EMAIL_RETRY_BASE_SEC). */
  retryBaseMs: number;
  /** Attempts before an e-mail is marked failed (EMAIL_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Connect, greeting and socket timeouts of one SMTP attempt (EMAIL_SMTP_TIMEOUT_SEC); the whole attempt gets 4 times it (email-notifier.ts). */
  smtpTimeoutMs: number;
  /** This server's public base URL, where the unsubscribe links point (PUBLIC_URL; default http://localhost:PORT). */
  publicUrl: string;
}

/** Where one app's (or the deployment's) e-mail goes. */
export interface SmtpTarget {
  host: string;
  port: number;
  /** TLS from the first byte (smtps, port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user: string | null;
  password: string | null;
}

/** `smtp://user:pass@host:port` or `smtps://…` as an SmtpTarget; undefined when it is not one. */
export function smtpTargetOf(url: string): SmtpTarget | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if ((u.protocol !== "smtp:" && u.protocol !== "smtps:") || !u.hostname) return undefined;
  const secure = u.protocol === "smtps:";
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : null,
    password: u.password ? decodeURIComponent(u.password) : null,
  };
}

/** The environment keys of e-mail, merged into config.ts's schema. */
export const emailEnv = {
  SMTP_URL: z
    .string()
    .refine((v) => smtpTargetOf(v) !== undefined, "SMTP_URL is smtp://user:pass@host:port or smtps://user:pass@host:port")
    .optional(),
  SMTP_FROM: z.string().min(3).max(254).optional(),
  EMAIL_WAIT_MINUTES: z.coerce.number().min(0.001).max(10_080).default(15),
  EMAIL_SWEEP_SEC: z.coerce.number().min(0.05).max(3600).default(30),
  EMAIL_RETRY_BASE_SEC: z.coerce.number().min(0.01).max(86_400).default(60),
  EMAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  EMAIL_SMTP_TIMEOUT_SEC: z.coerce.number().min(0.1).max(600).default(30),
  PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, "PUBLIC_URL is the server's http(s) base URL")
    .optional(),
};

type EmailEnv = z.output<z.ZodObject<typeof emailEnv>>;

/** The e-mail settings from the parsed environment. */
export function emailConfig(e: EmailEnv, port: number): EmailConfig {
  if (e.SMTP_URL !== undefined && e.SMTP_FROM === undefined) throw new Error("Set SMTP_FROM (the From address) with SMTP_URL");
  return {
    smtp: e.SMTP_URL ? smtpTargetOf(e.SMTP_URL) : undefined,
    from: e.SMTP_FROM,
    waitMs: Math.round(e.EMAIL_WAIT_MINUTES * 60_000),
    sweepMs: Math.round(e.EMAIL_SWEEP_SEC * 1000),
    retryBaseMs: Math.round(e.EMAIL_RETRY_BASE_SEC * 1000),
    maxAttempts: e.EMAIL_MAX_ATTEMPTS,
    smtpTimeoutMs: Math.round(e.EMAIL_SMTP_TIMEOUT_SEC * 1000),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ""),
  };
}
