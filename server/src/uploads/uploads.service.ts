import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { In, IsNull, LessThan, type DataSource, type EntityManager, type FindOptionsWhere, type Repository } from "typeorm";
import type { Attachment, VoiceSettings } from "@parley/sdk/protocol";
import type { UploadsConfig } from "../config/limits.js";
import { presentAttachment } from "../messages/messages.presenter.js";
import { keysetAfter } from "../db/keyset.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { type Caller, userOf } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { invalidField } from "../shared/validate.js";
import { MemberEntity } from "../conversations/member.entity.js";
import type { DiskStorage, ReceivedFile } from "./storage.js";
import { MEASURED_IMAGE_TYPES, checkedDimensions, sniff } from "./sniff.js";
import { KeyedQueue } from "./keyed-queue.js";
import { UploadEntity } from "./upload.entity.js";
import { probeVoice } from "../voice/recording.js";
import { type MarkVoiceInput, VOICE_LIMITS, peaksToHex } from "../voice/voice.schema.js";

/** Folder under the storage root that holds message attachments. */
export const FILES_FOLDER = "files";

/** The limits when none are configured (the same defaults as config.ts). */
export const DEFAULT_UPLOADS_CONFIG: Readonly<UploadsConfig> = Object.freeze({
  userQuotaBytes: 1024 ** 3,
  appQuotaBytes: 50 * 1024 ** 3,
  unattachedTtlMs: 24 * 3600 * 1000,
  sweepIntervalMs: 3600 * 1000,
  voiceMaxSeconds: 300,
});

/** What the uploads service is built from. */
export interface UploadsDeps {
  db: DataSource;
  uow: UnitOfWork;
  storage: DiskStorage;
}

/** Rows a sweep reads and deletes at a time, so one sweep never holds a long transaction. */
const SWEEP_BATCH = 500;

/**
 * Uploads domain service — the only place that queries the uploads table. Files are uploaded
 * first (unattached, visible only to their uploader) and attached to one message when it is sent;
 * from then on members of that message's conversation may read them too.
 */
export class UploadsService {
  private readonly repo: Repository<UploadEntity>;
  private dirReady: Promise<void> | undefined;
  private limits: Readonly<UploadsConfig>;
  /** Per app: quota check, file move and insert run one at a time (see `create`). */
  private readonly perApp = new KeyedQueue();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly deps: UploadsDeps,
    limits: Readonly<UploadsConfig> = DEFAULT_UPLOADS_CONFIG,
  ) {
    this.repo = deps.db.getRepository(UploadEntity);
    this.limits = limits;
  }

  /** Applies the deployment's quotas and clean-up window (config.uploads). */
  configure(limits: Readonly<UploadsConfig>): void {
    this.limits = limits;
  }

  /** DiskStorage.init makes only tmp and avatars; the files folder is ours. */
  private ensureDir(): Promise<void> {
    this.dirReady ??= mkdir(path.join(this.deps.storage.root, FILES_FOLDER), { recursive: true }).then(() => undefined);
    return this.dirReady;
  }

  /**
   * Keeps a received temp file as an upload of `uploaderId`. The type comes from the bytes only;
   * anything unrecognised, and any image type whose decoded size we cannot bound, is
   * application/octet-stream. 413 when the image is too large to decode safely, or when the file
   * would take the uploader or the app past its storage quota. The caller still discards
   * `file.path` afterwards (a no-op once it has been moved).
   */
  async create(caller: Caller, file: ReceivedFile): Promise<Attachment> {
    const { appId } = caller;
    const uploaderId = userOf(caller);
    await this.ensureDir();
    const sniffed = await sniff(file.path);
    const measured = sniffed !== undefined && (!sniffed.mime.startsWith("image/") || MEASURED_IMAGE_TYPES.has(sniffed.mime));
    const mime = sniffed && measured ? sniffed.mime : "application/octet-stream";
    const ext = sniffed && /^[a-z0-9]{1,10}$/.test(sniffed.ext) ? sniffed.ext : "bin";
    let width: number | null = null;
    let height: number | null = null;
    if (MEASURED_IMAGE_TYPES.has(mime)) ({ width, height } = await checkedDimensions(file.path));
    // One app's uploads go one at a time through check + insert on this node, so parallel
    // requests cannot all pass the same check. Across nodes each may overshoot by the files it
    // has in flight (at most one per app at a time, so nodes x uploadMaxBytes).
    return this.perApp.run(appId, async () => {
      await this.assertRoom(caller, file.size);
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
        voiceDurationMs: null,
        voicePeaks: null,
        storedName,
        createdAt: Date.now(),
      };
      try {
        await this.deps.uow.run(({ m }) => m.getRepository(UploadEntity).insert(row));
      } catch (err) {
        await this.deps.storage.discard(this.deps.storage.pathOf(FILES_FOLDER, storedName));
        throw err;
      }
      return presentAttachment(row);
    });
  }

  /**
   * Marks the caller's own unsent upload as a voice message: its bytes must be one Opus audio
   * stream in WebM, Ogg or MP4, or AAC in MP4 (415 with `details.reason` otherwise: voice/recording.ts), at least
   * VOICE_LIMITS.minDurationMs (400) and at most the app's maximum (413) long, as computed from the
   * audio. It keeps the waveform and its length, and is served as audio/webm, audio/ogg or audio/mp4 from
   * then on. Its bytes were counted in the quotas when uploaded, like any file's.
   */
  async markVoice(caller: Caller, id: string, input: MarkVoiceInput): Promise<Attachment> {
    const { appId } = caller;
    const uploaderId = userOf(caller);
    const upload = canExist(id) ? await this.repo.findOneBy({ appId, id, uploaderId }) : null;
    if (!upload) throw notFound("Upload");
    if (upload.messageId !== null) throw alreadySent();
    const probe = probeVoice(await readFile(this.deps.storage.pathOf(FILES_FOLDER, upload.storedName)));
    if (probe.durationMs === null) throw new AppError("unsupported_media_type", "The recording holds no sound", { reason: "empty" });
    const { maxDurationMs } = await this.voiceSettings(caller);
    if (probe.durationMs > maxDurationMs + VOICE_LIMITS.graceMs) {
      throw new AppError("payload_too_large", `Voice messages are at most ${Math.round(maxDurationMs / 1000)} s long here`, {
        reason: "too_long",
        durationMs: probe.durationMs,
        maxDurationMs,
      });
    }
    if (probe.durationMs < VOICE_LIMITS.minDurationMs) {
      throw invalidField("file", `A voice message lasts at least ${VOICE_LIMITS.minDurationMs / 1000} s`, "too_short");
    }
    const changes = {
      mime: probe.mime,
      voiceDurationMs: probe.durationMs,
      voicePeaks: peaksToHex(input.peaks),
      ...(probe.mended ? { size: probe.mended.length } : {}),
    };
    // Conditional on still being unsent: a send attaching it meanwhile wins, and this answers 409.
    const res = await this.deps.uow.run(({ m }) =>
      m.createQueryBuilder().update(UploadEntity).set(changes).where({ appId, id, uploaderId, messageId: IsNull() }).execute(),
    );
    if (res.affected !== 1) throw alreadySent();
    // WebKit's recording as every engine plays it (voice/mp4.ts), kept once the upload is the caller's voice message.
    if (probe.mended) await this.deps.storage.replace(FILES_FOLDER, upload.storedName, probe.mended);
    return presentAttachment({ ...upload, ...changes });
  }

  /** What a recorder needs: the app's longest voice message (apps.voiceMaxSeconds, else VOICE_MAX_SECONDS) and the waveform's size. */
  async voiceSettings(caller: Caller): Promise<VoiceSettings> {
    const rows: { voiceMaxSeconds: number | string | null }[] = await this.deps.db.query("SELECT voiceMaxSeconds FROM apps WHERE id = ?", [caller.appId]);
    const own = rows[0]?.voiceMaxSeconds;
    const seconds = own === null || own === undefined ? this.limits.voiceMaxSeconds : Number(own);
    return { maxDurationMs: seconds * 1000, peaks: VOICE_LIMITS.peaks };
  }

  /**
   * 413 when `bytes` more would take the user or their app past its storage quota. Every stored
   * upload counts, attached or not, until its message is deleted or the sweep removes it. Called
   * before a file is received (with its declared size) and again, exactly, before it is kept.
   */
  async assertRoom(caller: Caller, bytes: number): Promise<void> {
    const { appId } = caller;
    const userId = userOf(caller);
    const { userQuotaBytes, appQuotaBytes } = this.limits;
    const [user, app] = await Promise.all([this.storedBytes({ appId, uploaderId: userId }), this.storedBytes({ appId })]);
    if (user + bytes > userQuotaBytes) {
      throw new AppError(
        "payload_too_large",
        `Upload quota exceeded: your files may take ${mb(userQuotaBytes)} in all. Unsent uploads are deleted after a while; deleting messages frees their files`,
        { reason: "user_quota_exceeded", quotaBytes: userQuotaBytes, usedBytes: user },
      );
    }
    if (app + bytes > appQuotaBytes) {
      throw new AppError("payload_too_large", "This site's upload storage is full", { reason: "app_quota_exceeded" });
    }
  }

  private async storedBytes(where: FindOptionsWhere<UploadEntity>): Promise<number> {
    const raw = await this.repo.createQueryBuilder("u").select("COALESCE(SUM(u.size), 0)", "total").where(where).getRawOne<{ total: string | number | null }>();
    return Number(raw?.total ?? 0);
  }

  /**
   * Deletes uploads not attached to a message within the configured window (rows, then files),
   * and temp files left by uploads that never finished. Returns the number of uploads removed.
   * `now` lets a test (or an operator) sweep as if later. The server runs it on an interval
   * (`startSweeper`); one sweep at a time.
   */
  sweepUnattached(now: number = Date.now()): Promise<number> {
    const cutoff = now - this.limits.unattachedTtlMs;
    const run = (this.sweeping ?? Promise.resolve(0)).catch(() => 0).then(() => this.sweep(cutoff));
    this.sweeping = run;
    void run
      .catch(() => undefined)
      .then(() => {
        if (this.sweeping === run) this.sweeping = undefined;
      });
    return run;
  }

  private async sweep(cutoff: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const rows = await this.repo.find({
        select: { id: true, storedName: true },
        where: { messageId: IsNull(), createdAt: LessThan(cutoff) },
        take: SWEEP_BATCH,
      });
      if (rows.length === 0) break;
      const ids = rows.map((r) => r.id);
      // A send may attach one of them meanwhile: the delete keeps to unattached rows, and only
      // the files of rows that are really gone afterwards are removed.
      await this.deps.uow.run(({ m }) => m.getRepository(UploadEntity).delete({ id: In(ids), messageId: IsNull() }));
      const still = new Set((await this.repo.find({ select: { id: true }, where: { id: In(ids) } })).map((r) => r.id));
      const gone = rows.filter((r) => !still.has(r.id));
      await this.removeFiles(gone.map((r) => this.deps.storage.pathOf(FILES_FOLDER, r.storedName)));
      removed += gone.length;
      if (rows.length < SWEEP_BATCH) break;
    }
    await this.sweepTmp(cutoff);
    return removed;
  }

  /** Temp files older than the window belong to no request any more (a crash, a killed node). */
  private async sweepTmp(cutoff: number): Promise<void> {
    const dir = this.deps.storage.tmpDir;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const file = path.join(dir, name);
      const s = await stat(file).catch(() => null);
      if (s?.isFile() && s.mtimeMs < cutoff) await this.deps.storage.discard(file).catch(() => undefined);
    }
  }

  /**
   * Starts the periodic sweep (idempotent). It stops on `stop()`, and by itself once the database
   * is closed. The timer never keeps the process alive.
   */
  startSweeper(onError: (err: unknown) => void): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      if (!this.deps.db.isInitialized) return this.stop();
      if (!this.sweeping) this.sweepUnattached().catch(onError);
    }, this.limits.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stops the periodic sweep; a sweep under way finishes. */
  stop(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /**
   * The upload `userId` may read: their own, or one attached to a message of a conversation they
   * are a member of. Anything else is the same 404 as an upload that does not exist.
   */
  async getReadable(caller: Caller, id: string): Promise<{ upload: UploadEntity; file: string }> {
    const { appId } = caller;
    const userId = userOf(caller);
    const upload = canExist(id) ? await this.repo.findOneBy({ appId, id }) : null;
    if (!upload) throw notFound("Upload");
    if (upload.uploaderId !== userId) {
      const member =
        upload.conversationId !== null && (await this.deps.db.getRepository(MemberEntity).existsBy({ appId, conversationId: upload.conversationId, userId }));
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
      throw invalidField("attachmentIds", "Each attachment must be your own upload, not attached to another message");
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

  /**
   * Account deletion (issue 17): every upload of the user (attached or not) goes, SWEEP_BATCH rows
   * a unit, read through (appId, uploaderId); each batch's files are removed once it committed.
   */
  async removeAllOf(appId: string, uploaderId: string): Promise<number> {
    let removed = 0;
    for (;;) {
      const rows = await this.repo.find({ select: { id: true, storedName: true }, where: { appId, uploaderId }, take: SWEEP_BATCH });
      if (rows.length === 0) return removed;
      const gone = await this.deps.uow.run(
        async ({ m }) => (await m.getRepository(UploadEntity).delete({ appId, id: In(rows.map((r) => r.id)) })).affected ?? 0,
      );
      await this.removeFiles(rows.map((r) => this.deps.storage.pathOf(FILES_FOLDER, r.storedName)));
      removed += gone;
      if (gone === 0) return removed;
    }
  }

  /** The user's uploads (export), keyset-paged along (appId, uploaderId, size, id). */
  async pageOf(appId: string, uploaderId: string, after: { size: number; id: string } | undefined, take: number): Promise<UploadEntity[]> {
    const qb = this.repo.createQueryBuilder("u").where("u.appId = :appId AND u.uploaderId = :uploaderId", { appId, uploaderId });
    if (after) keysetAfter(qb, "asc", ["u.size", "u.id"], [after.size, after.id]);
    return qb.orderBy("u.size", "ASC").addOrderBy("u.id", "ASC").take(take).getMany();
  }

  /** Where an upload's bytes are (for the export's zip form). */
  fileOf(upload: Pick<UploadEntity, "storedName">): string {
    return this.deps.storage.pathOf(FILES_FOLDER, upload.storedName);
  }

  /** Removes stored files (after the transaction that forgot them committed). Best effort. */
  async removeFiles(files: string[]): Promise<void> {
    await Promise.all(files.map((f) => this.deps.storage.discard(f).catch(() => undefined)));
  }
}

const alreadySent = (): AppError =>
  new AppError("conflict", "This file was sent already: a voice message is marked before it is sent", { reason: "already_sent" });

const mb = (bytes: number): string => `${Math.floor(bytes / 1024 / 1024)} MB`;
