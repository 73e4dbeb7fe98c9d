/** What a chunk drawn inside a view may bring: the styles of what it draws (it has no shadow root of its own). */
export interface Chunk {
  readonly sheet?: CSSStyleSheet;
}

/** A view that draws a chunk's templates in its own shadow root. */
export interface ChunkHost {
  readonly shadowRoot: ShadowRoot | null;
  requestUpdate(): void;
}

/** Each chunk by its `load`: the module once it has come, else its fetch. */
const got = new Map<() => Promise<Chunk>, Chunk | Promise<void>>();

/**
 * Fetches the chunk: `chunk()` has it once this settles. `load` is a module-level
 * `() => import(…)`: it names the chunk (the browser fetches a module once).
 */
export const loaded = <T extends Chunk>(load: () => Promise<T>): Promise<T> => load().then((x) => (got.set(load, x), x));

/**
 * The chunk, if it has come, its sheet joined to `host`'s styles; else undefined: it is fetched,
 * and `host` draws again when it has come (a failed fetch is tried again at the next draw).
 */
export function chunk<T extends Chunk>(host: ChunkHost, load: () => Promise<T>): T | undefined {
  let c = got.get(load);
  if (!c) got.set(load, (c = loaded(load).then(undefined, () => void got.delete(load))));
  if (c instanceof Promise) return void c.then(() => host.requestUpdate());
  const r = host.shadowRoot;
  if (r && c.sheet && !r.adoptedStyleSheets.includes(c.sheet)) r.adoptedStyleSheets = [...r.adoptedStyleSheets, c.sheet];
  return c as T;
}
