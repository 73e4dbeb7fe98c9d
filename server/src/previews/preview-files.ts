import { createHash } from "node:crypto";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DiskStorage } from "../uploads/storage.js";

/** Where preview images live in the storage root. */
export const PREVIEWS_FOLDER = "previews";

/** A stored image's key: the sha256 hex of its bytes (unguessable without the bytes, and the same bytes are kept once). */
export const PREVIEW_KEY = /^[0-9a-f]{64}$/;

/** The public path of a stored image (GET /v1/previews/:key, no token: `<img src>` loads it). */
export const previewImageUrl = (key: string): string => `/v1/previews/${key}`;

/**
 * Preview images on the server's storage, content-addressed: `previews/<sha256>.webp`. A file is
 * written before any row names it (tmp file, then an atomic rename), and discarded only with keys
 * that the previews' forget functions found unreferenced, after their unit committed.
 */
export class PreviewFiles {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly storage: DiskStorage) {}

  /** Stores `bytes` (a WebP the server encoded) and answers its key; the same bytes again are not rewritten. */
  async put(bytes: Buffer): Promise<string> {
    const key = createHash("sha256").update(bytes).digest("hex");
    const file = this.pathOf(key);
    if (await exists(file)) return key;
    this.ready ??= mkdir(path.dirname(file), { recursive: true });
    await this.ready;
    const tmp = path.join(this.storage.tmpDir, `preview-${key}-${process.pid}-${Math.random().toString(36).slice(2)}`);
    await writeFile(tmp, bytes);
    await rename(tmp, file);
    return key;
  }

  /** The file of a well-formed key (it may not exist); null for anything else. */
  fileOf(key: string): string | null {
    return PREVIEW_KEY.test(key) ? this.pathOf(key) : null;
  }

  /** Removes the files of `keys` (unreferenced ones: see forget.ts); a missing file is no error. */
  async discard(keys: readonly string[]): Promise<void> {
    for (const key of keys) if (PREVIEW_KEY.test(key)) await this.storage.discard(this.pathOf(key)).catch(() => undefined);
  }

  private pathOf(key: string): string {
    return this.storage.pathOf(PREVIEWS_FOLDER, `${key}.webp`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
