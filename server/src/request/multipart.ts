import formidable, { errors as formidableErrors, type File } from "formidable";
import type { Ctx } from "./context.js";
import { AppError } from "../shared/errors.js";
import type { DiskStorage, ReceivedFile } from "../uploads/storage.js";

/** Slack for multipart framing and small fields on top of the file itself. */
const FRAMING_BYTES = 64 * 1024;

/**
 * The least the file of this request can weigh, from its Content-Length (0 when absent): for a
 * refusal before any byte is written to disk. Never more than the file's real size.
 */
export function minimumFileBytes(ctx: Ctx): number {
  const declared = Number(ctx.get("Content-Length") || 0);
  return Number.isFinite(declared) ? Math.max(0, declared - FRAMING_BYTES) : 0;
}

/**
 * Streams the single file of a `multipart/form-data` request (field `file`) to a temp file,
 * stopping at `maxBytes`. On any failure every partial file is removed before the error is thrown.
 */
export async function receiveOneFile(ctx: Ctx, storage: DiskStorage, maxBytes: number): Promise<ReceivedFile> {
  if (!ctx.is("multipart/form-data")) {
    throw new AppError("unsupported_media_type", "Send the file as multipart/form-data (field `file`)");
  }
  const declared = Number(ctx.get("Content-Length") || 0);
  if (declared > maxBytes + FRAMING_BYTES) throw tooLarge(maxBytes);

  const started: File[] = [];
  const form = formidable({
    uploadDir: storage.tmpDir,
    maxFiles: 1,
    maxFileSize: maxBytes,
    maxFields: 10,
    maxFieldsSize: FRAMING_BYTES,
    allowEmptyFiles: false,
  });
  form.on("fileBegin", (_name, file) => started.push(file));
  let files: formidable.Files;
  try {
    [, files] = await form.parse(ctx.req);
  } catch (err) {
    await Promise.all(started.map((f) => closeAndDiscard(f, storage)));
    throw mapFormidableError(err, maxBytes);
  }
  const all = Object.values(files)
    .flat()
    .filter((f): f is File => f !== undefined);
  const file = files["file"]?.[0];
  if (!file) {
    await Promise.all(all.map((f) => storage.discard(f.filepath)));
    throw new AppError("validation_failed", "Expected one file in the `file` field");
  }
  return { path: file.filepath, originalName: (file.originalFilename ?? "file").slice(0, 255), size: file.size };
}

/**
 * Removes a partial upload. Its write stream is closed first: unlinking while the stream is
 * still opening (fs.createWriteStream opens asynchronously) would let it create the file again.
 */
async function closeAndDiscard(file: File, storage: DiskStorage): Promise<void> {
  const ws = (file as unknown as { _writeStream?: (NodeJS.WritableStream & { closed?: boolean; destroy(): void }) | null })._writeStream;
  if (ws && !ws.closed) {
    await new Promise<void>((resolve) => {
      ws.once("close", () => resolve());
      ws.destroy();
      setTimeout(resolve, 1000).unref(); // bounded: a stream that never closes does not hang the request
    });
  }
  await storage.discard(file.filepath);
}

const tooLarge = (maxBytes: number): AppError => new AppError("payload_too_large", `File too large (max ${maxBytes} bytes)`, { maxBytes });

function mapFormidableError(err: unknown, maxBytes: number): AppError {
  const code = (err as { code?: number } | null)?.code;
  if (code === formidableErrors.biggerThanMaxFileSize || code === formidableErrors.biggerThanTotalMaxFileSize) {
    return tooLarge(maxBytes);
  }
  if (code === formidableErrors.maxFilesExceeded) return new AppError("validation_failed", "Send one file at a time");
  if (code === formidableErrors.noEmptyFiles) return new AppError("validation_failed", "The file is empty");
  return new AppError("validation_failed", "Malformed multipart body");
}
