import { z } from "zod";
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "@parley/sdk/protocol";
import type { Check, Same } from "./mirror.js";

/** How a failure looks on both transports: an HTTP error body, and a socket ack's `error` (mirrored as responses.ts explains). */

const errorCodes = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const errorFields = {
  code: z.enum(errorCodes),
  message: z.string(),
  /** Per-field problems for `validation_failed`; free-form otherwise. */
  details: z.unknown().optional(),
  requestId: z.string().optional(),
};

export const errorBody = z.strictObject({ error: z.strictObject(errorFields) });
type _ErrorBody = Check<Same<z.infer<typeof errorBody>, ErrorBody>>;

/** The error body of one HTTP status: only the codes that travel with it (from ERROR_STATUS). */
export function errorBodyFor(status: number): z.ZodType<ErrorBody> {
  const codes = errorCodes.filter((c) => ERROR_STATUS[c] === status);
  if (codes.length === 0) throw new Error(`No error code answers with status ${status}`);
  return z.strictObject({ error: z.strictObject({ ...errorFields, code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) }) });
}

/** A socket command's acknowledgement (`Ack<T>` of the protocol). */
export function ack<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion("ok", [
    z.strictObject({ ok: z.literal(true), data }),
    z.strictObject({ ok: z.literal(false), error: z.strictObject(errorFields) }),
  ]);
}
