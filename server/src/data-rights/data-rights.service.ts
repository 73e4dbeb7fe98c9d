import type { DataExport } from "@parley/sdk/protocol";
import { PreviewFiles } from "../previews/preview-files.js";
import type { Caller, ServerCaller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { eraseAccount } from "./deletion.js";
import type { DataRightsDeps } from "./deps.js";
import { type ExportFile, exportUserData } from "./export.js";

export { DATA_RIGHTS_PAGE, type DataRightsDeps } from "./deps.js";
export type { ExportFile } from "./export.js";

/**
 * Data rights (issue 17): a user's export (export.ts), and the deletion of their account
 * (deletion.ts).
 *
 * Both read only what is the user's, keyset-paged along indexes that start with the app and the
 * user (messages by sender, reactions, uploads and members by user, contacts and blocks by their
 * primary keys), so their cost follows the user's own data, never the app's tables.
 *
 * Deletion keeps the user row as an anonymised tombstone ("Deleted user", see
 * UsersService.anonymise) so the senderId of their messages still names someone. Their messages
 * become tombstones like deleted messages (text, custom data, attachments and reactions gone),
 * DATA_RIGHTS_PAGE a unit of work; then one unit removes their memberships, contacts, requests and
 * blocks, anonymises the row, rewrites every copy of their profile and messages in the event log
 * and the webhook outbox (Scrubber), and appends `member.removed` + `user.deleted` to each of their
 * conversations and `contact.updated` (removed) to each contact. A failure part-way leaves the
 * account in place with its sessions ended: deleting again resumes.
 */
export class DataRightsService {
  /** Link preview images (previews/), discarded when a deletion leaves them unused. */
  private readonly previewFiles: PreviewFiles;

  constructor(private readonly deps: DataRightsDeps) {
    this.previewFiles = new PreviewFiles(deps.storage);
  }

  /** The user the host knows as `sub` (404 for an unknown one, another app's, or a deleted account). */
  async userBySub(caller: ServerCaller, sub: string): Promise<string> {
    const user = await this.deps.users.findBySub(caller.appId, sub);
    if (!user || user.deletedAt !== null) throw notFound("User");
    return user.id;
  }

  /**
   * Everything of `userId`'s, as the JSON export; with `files`, each upload (and the avatar file)
   * is also listed as an archive entry, named in the export by its `file`.
   */
  export(caller: Caller, userId: string, opts: { files?: boolean } = {}): Promise<{ data: DataExport; files: ExportFile[] }> {
    return exportUserData(this.deps, caller, userId, opts);
  }

  /** Deletes the account of `userId` (see the class comment). 404 when there is none (or it is deleted already). */
  erase(caller: Caller, userId: string): Promise<void> {
    return eraseAccount(this.deps, this.previewFiles, caller, userId);
  }
}
