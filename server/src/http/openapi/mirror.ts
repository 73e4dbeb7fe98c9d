import { z } from "zod";

/**
 * What the response mirrors (the *-responses.ts files, named in responses.ts) are built from: a
 * compile-time equality, so each zod mirror is held equal to its protocol type in both directions,
 * and the building blocks they share.
 */

type IsAny<T> = 0 extends 1 & T ? true : false;
/** True when A and B are assignable to each other (and neither is `any`). */
export type Same<A, B> = IsAny<A> extends true ? false : IsAny<B> extends true ? false : [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when `T` is `true`. */
export type Check<T extends true> = T;

/** ISO-8601 in UTC, as `Date#toISOString` writes it. */
export const timestamp = z.iso.datetime();

/** `Page<T>` of the protocol, for one item schema. */
export function page<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
}
