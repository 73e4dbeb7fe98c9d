import { z } from "zod";
import { AppError } from "./errors.js";

/** Opaque page cursors: base64url JSON, validated on the way back in. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string | undefined): z.infer<S> | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const result = schema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (result.success) return result.data;
  } catch {
    // fall through: not base64 JSON
  }
  throw new AppError("validation_failed", "Invalid cursor");
}
