import { z } from "zod";
import { STORED_ID_MAX_CHARS } from "./ids.js";

/**
 * Rules shared by the commands of several domains, written once. Commands themselves live in
 * each domain's `*.schema.ts`, one schema per command, used by its HTTP route and its socket
 * event alike.
 */

/**
 * An id in a body or path where a malformed one is a 400: 1..64 characters. Anything longer than
 * a stored id (but within 64) simply matches nothing: 404 (see `canExist`).
 */
export const idString = z.string().min(1).max(64);

/** An id that must name a stored row now (an upload to attach): no longer than any stored id. */
export const storedId = z.string().min(1).max(STORED_ID_MAX_CHARS);

/**
 * A reference to a resource whose absence is a 404 whatever its spelling (the conversation and
 * message of `/conversations/:id/messages`, `/messages/:id`): any string, resolved by the service.
 */
export const ref = z.string();

/** Message ids travel as decimal strings; they are auto-increment BIGINTs kept below 2^53. */
export const messageIdString = z.string().regex(/^[1-9][0-9]{0,14}$/, "Expected a message id");

/** A page size: 1..max, `default` when absent (query strings are coerced). */
export const pageLimit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
