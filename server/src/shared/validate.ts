import { z } from "zod";
import { AppError } from "./errors.js";

/**
 * Parses untrusted input with a schema; anything that does not fit is a 400 `validation_failed`
 * listing each problem by path. Unknown keys are dropped (zod's default), consistently everywhere.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues);
}

/**
 * One field's problem as `details` lists it: its path and English message, and what kind of
 * problem it is (`issue`, zod's code; `limit`, `origin` and `format` where they apply), so that a
 * client (the console) can say it in its reader's language.
 */
export interface FieldProblem {
  path: string;
  message: string;
  issue?: string;
  limit?: number;
  origin?: string;
  format?: string;
}

const problemOf = (i: z.core.$ZodIssue): FieldProblem => {
  const p: FieldProblem = { path: i.path.join("."), message: i.message, issue: i.code };
  if (i.code === "too_small" || i.code === "too_big") {
    const limit = Number(i.code === "too_small" ? i.minimum : i.maximum);
    if (Number.isFinite(limit)) p.limit = limit;
    p.origin = i.origin;
  }
  if (i.code === "invalid_format") p.format = i.format;
  return p;
};

/** The 400 for these schema issues (the first 20), each by path. */
export function invalidInput(issues: readonly z.core.$ZodIssue[]): AppError {
  return new AppError("validation_failed", "Invalid request", issues.slice(0, 20).map(problemOf));
}

/**
 * The 400 for one field the schema could not judge (it needs the database: a reply to a message
 * of another conversation, a mention of a non-member), shaped like `parse()`'s: `details` lists
 * the field by `path`, as a dotted path of the input.
 */
export function invalidField(path: string, message: string, issue?: string): AppError {
  return new AppError("validation_failed", "Invalid request", [{ path, message, ...(issue ? { issue } : {}) } satisfies FieldProblem]);
}
