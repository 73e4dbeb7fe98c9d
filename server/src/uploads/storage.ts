import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { newSecret } from "../shared/ids.js";

/** A file received from a client, waiting in the tmp dir to be kept or discarded. */
export interface ReceivedFile {
  /** Temp path inside the storage's tmp dir; the caller keeps or discards it. */
  path: string;
  /** The client's name for the file: display only, never used on disk. */
  originalName: string;
  size: number;
}

/**
 * Files on local disk under one root (a shared directory when several nodes run). Stored names
 * are random, never the client's filename, so nothing can be guessed or traversed.
 */
export class DiskStorage {
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.tmpDir = path.join(root, "tmp");
  }

  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    await mkdir(path.join(this.root, "avatars"), { recursive: true });
  }

  /**
   * Moves a finished temp upload into `folder` under a fresh random name; returns that name.
   * `owner` (an id: letters, digits, `_`) starts the name, so the file can later be proven its.
   */
  async keep(tmpFile: string, folder: string, ext: string, owner?: string): Promise<string> {
    if (owner !== undefined && !/^[A-Za-z0-9_]+$/.test(owner)) throw new Error("invalid file owner");
    const name = `${owner === undefined ? "" : `${owner}-`}${newSecret("f").slice(2)}.${ext}`;
    await rename(tmpFile, this.pathOf(folder, name));
    return name;
  }

  /** Absolute path of a stored file; `name` must be one this class generated. */
  pathOf(folder: string, name: string): string {
    if (!/^[A-Za-z0-9_-]+\.[a-z0-9]+$/.test(name)) throw new Error("invalid stored file name");
    return path.join(this.root, folder, name);
  }

  /** Puts `bytes` in place of a stored file at once (a reader sees the old file or the new, never part of one). */
  async replace(folder: string, name: string, bytes: Buffer): Promise<void> {
    const tmp = path.join(this.tmpDir, `${newSecret("r").slice(2)}.part`);
    await writeFile(tmp, bytes);
    await rename(tmp, this.pathOf(folder, name));
  }

  async discard(file: string): Promise<void> {
    await rm(file, { force: true });
  }

  /** Whether `name` is a stored name that `keep` gave to a file of `owner`. */
  static ownedBy(name: string, owner: string): boolean {
    return /^[A-Za-z0-9_]+$/.test(owner) && name.startsWith(`${owner}-`) && /^[A-Za-z0-9_-]+\.[a-z0-9]+$/.test(name);
  }
}
