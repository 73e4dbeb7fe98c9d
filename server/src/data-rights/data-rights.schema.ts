import { z } from "zod";

/** `GET /v1/me/export` and `GET /v1/server/users/:sub/export`: JSON (default) or the zip with the files. */
export const exportQuery = z.strictObject({ format: z.enum(["json", "zip"]).default("json") });

/** `DELETE /v1/me`: the current password of a Parley account (compared like a login: shape only). */
export const deleteMeBody = z.strictObject({ password: z.string().min(1).max(1024).optional() });

/** `DELETE /v1/server/users/:sub`: no body (an empty object at most). */
export const serverDeleteBody = z.strictObject({});
