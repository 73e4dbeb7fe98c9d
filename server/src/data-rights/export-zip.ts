import { createReadStream } from "node:fs";
import { once } from "node:events";
import { PassThrough, type Readable } from "node:stream";
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import type { DataExport } from "@parley/sdk/protocol";
import type { ExportFile } from "./data-rights.service.js";

/**
 * The export's zip form, streamed: `export.json` (deflated) first, then each file stored as it is
 * (uploads are mostly compressed media already), read from disk a chunk at a time and written as
 * fast as the client takes it (the stream's backpressure), so memory stays flat whatever the
 * user's storage. A file missing on disk is left out (the JSON still lists the upload).
 */
export function exportZip(data: DataExport, files: ExportFile[]): Readable {
  const out = new PassThrough();
  const zip = new Zip((err, chunk, final) => {
    if (err) return void out.destroy(err);
    out.write(chunk);
    if (final) out.end();
  });
  const fill = async (): Promise<void> => {
    const json = new ZipDeflate("export.json", { level: 6 });
    zip.add(json);
    json.push(new TextEncoder().encode(JSON.stringify(data, null, 2)), true);
    for (const f of files) {
      let stream: Readable;
      try {
        stream = createReadStream(f.path);
        await once(stream, "open");
      } catch {
        continue;
      }
      const entry = new ZipPassThrough(f.name);
      zip.add(entry);
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        entry.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if (out.writableNeedDrain) await Promise.race([once(out, "drain"), once(out, "close")]);
        if (out.destroyed) return void stream.destroy();
      }
      entry.push(new Uint8Array(0), true);
    }
    zip.end();
  };
  fill().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}
