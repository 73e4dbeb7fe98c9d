import { type ConsoleStrings, EN, strings } from "./strings.js";

/** One field's problem in a `validation_failed` answer (server/src/shared/validate.ts's FieldProblem). */
export interface FieldProblem {
  path?: unknown;
  message?: unknown;
  issue?: unknown;
  limit?: unknown;
  origin?: unknown;
  format?: unknown;
}

/**
 * A field's problem in the reader's language, from what kind of problem the server says it is.
 * In English, the server's own message, often more particular than the kind ("Enter the 6-digit
 * code…" rather than "At least 6 characters"); in any language, the server's where the kind is one
 * the console has no words for (a rule of one field, such as an origin's shape).
 */
export function fieldMessage(p: FieldProblem, t: ConsoleStrings = strings()): string {
  const english = typeof p.message === "string" ? p.message : t.fieldInvalid;
  if (t === EN) return english;
  const limit = typeof p.limit === "number" ? p.limit : null;
  const text = p.origin === "string";
  switch (p.issue) {
    case "too_small":
      if (limit === null) return english;
      return text ? (limit <= 1 ? t.required : t.fieldTooShort(limit)) : t.fieldAtLeast(limit);
    case "too_big":
      if (limit === null) return english;
      return text ? t.fieldTooLong(limit) : t.fieldAtMost(limit);
    case "invalid_format":
      return p.format === "email" ? t.fieldEmail : p.format === "url" ? t.fieldUrl : t.fieldInvalid;
    case "invalid_type":
      return t.fieldInvalid;
    case "invalid_value":
      return t.fieldChoose;
    case "confirm_mismatch":
      return t.fieldMismatch;
    default:
      return english;
  }
}

/**
 * An answer's message in the reader's language, from its code and `details.reason`; the server's
 * (English) message for a refusal the console has no words for, which names something particular.
 */
export function errorMessage(
  status: number,
  code: string,
  reason: string | undefined,
  english: string,
  retryAfter?: number,
  t: ConsoleStrings = strings(),
): string {
  if (status >= 500) return t.serverError;
  const byReason: Record<string, string> = {
    last_owner: t.errLastOwner,
    last_operator: t.errLastOperator,
    self: t.errSelfDelete,
    role: t.errRole,
    totp_enrolment_required: t.errTotpEnrol,
    csrf: t.errSession,
    origin: t.errSession,
  };
  if (reason && reason in byReason) return byReason[reason]!;
  switch (code) {
    case "unauthenticated":
      return t.errSignedOut;
    case "rate_limited":
      return t.errRateLimited(retryAfter ?? 0);
    case "not_found":
      return t.errNotFound;
    case "validation_failed":
      return t.errInvalid;
    default:
      return english;
  }
}
