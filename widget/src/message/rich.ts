/** The formatting chunk (formatting.ts, issue 33). */
export type Formatting = typeof import("./formatting.js");

let chunk: Formatting | undefined;
let loading: Promise<Formatting> | undefined;

/**
 * Whether `s` may hold formatting: one test, so the UI every visitor loads carries no parser and
 * plain messages never fetch it. A false alarm only fetches the chunk, which draws the text as it is.
 */
export const hasMarkup = (s: string): boolean => /[*_~`[]|^ {0,3}(?:>|[-+] |\d{1,9}[.)] )/m.test(s);

/** The formatting chunk, fetched if need be. */
export const formatting = (): Promise<Formatting> =>
  (loading ??= import("./formatting.js").then(
    (f) => (chunk = f),
    (e: unknown) => {
      loading = undefined;
      throw e;
    },
  ));

/**
 * The chunk if it is here, its styles joined to `host`'s; else undefined, and `host` draws again
 * when it has come (meanwhile the raw text shows).
 */
export function rich(host: { readonly shadowRoot: ShadowRoot | null; requestUpdate(): void }): Formatting | undefined {
  const r = host.shadowRoot;
  if (!chunk)
    formatting().then(
      () => host.requestUpdate(),
      () => undefined,
    );
  else if (r && !r.adoptedStyleSheets.includes(chunk.sheet)) r.adoptedStyleSheets = [...r.adoptedStyleSheets, chunk.sheet];
  return chunk;
}

/** `s` without its markup, for one-line previews and announcements (raw until the chunk has come). */
export const plain = (host: Parameters<typeof rich>[0], s: string): string => (hasMarkup(s) && rich(host)?.plainText(s)) || s;
