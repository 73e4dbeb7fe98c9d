import { KeyedQueue } from "./keyed-queue.js";
import { DiskStorage } from "./storage.js";

/** Folder under the storage root that holds avatar files (public by unguessable name). */
export const AVATARS_FOLDER = "avatars";

/** How the avatar route reads and writes a user's avatar URL (the users service owns the row). */
export interface AvatarOwner<T extends { avatarUrl: string | null }> {
  userId: string;
  current(): Promise<string | null>;
  set(url: string): Promise<T>;
}

/**
 * Avatar files: each new one is named after its user, and the one it replaces is deleted once
 * the user's row points at the new one. Only a file named after the same user is ever deleted,
 * so a URL copied from someone else (or from another app) cannot make us delete their file.
 * Replacements of one user go one at a time on this node, so parallel uploads leave one file.
 */
export class AvatarFiles {
  private readonly perUser = new KeyedQueue();

  constructor(
    private readonly storage: DiskStorage,
    /** Public URL path the files are served under, e.g. `/v1/avatars`. */
    private readonly base: string,
  ) {}

  /** Keeps `tmpFile` as the user's avatar, sets its URL, then removes the file it replaced. */
  replace<T extends { avatarUrl: string | null }>(tmpFile: string, ext: string, owner: AvatarOwner<T>): Promise<T> {
    return this.perUser.run(owner.userId, async () => {
      const before = this.nameOf(await owner.current());
      const name = await this.storage.keep(tmpFile, AVATARS_FOLDER, ext, owner.userId);
      let saved: T;
      try {
        saved = await owner.set(`${this.base}/${name}`);
      } catch (err) {
        await this.storage.discard(this.storage.pathOf(AVATARS_FOLDER, name));
        throw err;
      }
      if (before !== null && before !== name && DiskStorage.ownedBy(before, owner.userId)) {
        await this.storage.discard(this.storage.pathOf(AVATARS_FOLDER, before)).catch(() => undefined);
      }
      return saved;
    });
  }

  private nameOf(url: string | null): string | null {
    return url?.startsWith(`${this.base}/`) ? url.slice(this.base.length + 1) : null;
  }
}
