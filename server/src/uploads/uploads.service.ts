import { mkdir } from "node:fs/promises";
import path from "node:path";
import { In, IsNull, type EntityManager, type Repository } from "typeorm";
import type { Attachment } from "@parley/sdk/protocol";
import { presentAttachment } from "../messages/messages.presenter.js";
import type { DomainDeps } from "../shared/domain.js";
import { AppError, notFound } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import { MemberEntity } from "../conversations/member.entity.js";
import type { ReceivedFile } from "./multipart.js";
import { IMAGE_TYPES, checkedDimensions, sniff } from "./sniff.js";
import { UploadEntity } from "./upload.entity.js";

/** Folder under the storage root that holds message attachments. */
export const FILES_FOLDER = "files";


/**
 * Uploads domain service — the only place that queries the uploads table. Files are uploaded
 * first (unattached, visible only to their uploader) and attached to one message when it is sent;
 * from then on members of that message's conversation may read them too.
 */
export class UploadsService {
  private readonly repo: Repository<UploadEntity>;
  private dirReady: Promise<void> | undefined;

  constructor(private readonly deps: DomainDeps) {
    this.repo = deps.db.getRepository(UploadEntity);
  }

  /** DiskStorage.init makes only tmp and avatars; the files folder is ours. */
  private ensureDir(): Promise<void> {
    this.dirReady ??= mkdir(path.join(this.deps.storage.root, FILES_FOLDER), { recursive: true }).then(() => undefined);
    return this.dirReady;
  }

  /**
   * Keeps a received temp file as an upload of `uploaderId`. The type comes from the bytes only;
   * anything unrecognised is application/octet-stream. The caller still discards `file.path`
   * afterwards (a no-op once it has been moved).
   */
  async create(appId: string, uploaderId: string, file: ReceivedFile): Promise<Attachment> {
    await this.ensureDir();
    const sniffed = await sniff(file.path);
    const mime = sniffed?.mime ?? "application/octet-stream";
    const ext = sniffed && /^[a-z0-9]{1,10}$/.test(sniffed.ext) ? sniffed.ext : "bin";
    let width: number | null = null;
    let height: number | null = null;
    if (IMAGE_TYPES.has(mime)) ({ width, height } = await checkedDimensions(file.path));
    const storedName = await this.deps.storage.keep(file.path, FILES_FOLDER, ext);
    const row: UploadEntity = {
      id: newId("upl"),
      appId,
      uploaderId,
      messageId: null,
      conversationId: null,
      name: file.originalName,
      mime: mime.slice(0, 100),
      size: file.size,
      width,
      height,
      storedName,
      createdAt: Date.now(),
    };
    try {
      await this.repo.insert(row);
    } catch (err) {
      await this.deps.storage.discard(this.deps.storage.pathOf(FILES_FOLDER, storedName));
      throw err;
    }
    return presentAttachment(row);
  }

  /**
   * The upload `userId` may read: their own, or one attached to a message of a conversation they
   * are a member of. Anything else is the same 404 as an upload that does not exist.
   */
  async getReadable(appId: string, userId: string, id: string): Promise<{ upload: UploadEntity; file: string }> {
    const upload = id.length <= 32 ? await this.repo.findOneBy({ appId, id }) : null;
    if (!upload) throw notFound("Upload");
    if (upload.uploaderId !== userId) {
      const member =
        upload.conversationId !== null &&
        (await this.deps.db.getRepository(MemberEntity).existsBy({ appId, conversationId: upload.conversationId, userId }));
      if (!member) throw notFound("Upload");
    }
    return { upload, file: this.deps.storage.pathOf(FILES_FOLDER, upload.storedName) };
  }

  /**
   * Inside the sender's transaction: attaches the sender's own, not yet attached uploads of the
   * app to a message. 400 if any id is not such an upload (the caller's transaction rolls back).
   * The conditional UPDATE decides, so two racing sends cannot both attach the same file.
   */
  async attach(m: EntityManager, appId: string, uploaderId: string, ids: string[], messageId: number, conversationId: string): Promise<UploadEntity[]> {
    if (ids.length === 0) return [];
    const res = await m
      .createQueryBuilder()
      .update(UploadEntity)
      .set({ messageId, conversationId })
      .where({ id: In(ids), appId, uploaderId, messageId: IsNull() })
      .execute();
    if (res.affected !== ids.length) {
      throw new AppError("validation_failed", "Invalid request", [
        { path: "attachmentIds", message: "Each attachment must be your own upload, not attached to another message" },
      ]);
    }
    return m.getRepository(UploadEntity).find({ where: { messageId }, order: { createdAt: "ASC", id: "ASC" } });
  }

  /** Inside a delete's transaction: removes a message's upload rows; returns the files to remove after commit. */
  async detachAll(m: EntityManager, messageId: number): Promise<string[]> {
    const rows = await m.getRepository(UploadEntity).find({ select: { id: true, storedName: true }, where: { messageId } });
    if (rows.length === 0) return [];
    await m.getRepository(UploadEntity).delete({ id: In(rows.map((r) => r.id)) });
    return rows.map((r) => this.deps.storage.pathOf(FILES_FOLDER, r.storedName));
  }

  /** Removes stored files (after the transaction that forgot them committed). Best effort. */
  async removeFiles(files: string[]): Promise<void> {
    await Promise.all(files.map((f) => this.deps.storage.discard(f).catch(() => undefined)));
  }
}
