import { type ChunkHost, chunk } from "../shared/chunk.js";

/** The formatting chunk (formatting.ts, issue 33). */
export type Formatting = typeof import("./formatting.js");

/**
 * Whether `s` may hold formatting: one test, so the UI every visitor loads carries no parser and
 * plain messages never fetch it. A false alarm only fetches the chunk, which draws the text as it is.
 */
export const hasMarkup = (s: string): boolean => /[*_~`[]|^ {0,3}(?:>|[-+] |\d{1,9}[.)] )/m.test(s);

/** The formatting chunk, fetched if need be (the browser fetches a module once). */
export const formatting = (): Promise<Formatting> => import("./formatting.js");

/**
 * The chunk if it is here, its styles joined to `host`'s; else undefined, and `host` draws again
 * when it has come (meanwhile the raw text shows).
 */
export const rich = (host: ChunkHost): Formatting | undefined => chunk(host, formatting);

/** `s` without its markup, for one-line previews and announcements (raw until the chunk has come). */
export const plain = (host: Parameters<typeof rich>[0], s: string): string => (hasMarkup(s) && rich(host)?.plainText(s)) || s;
