import type { Attachment } from "@parley/sdk/protocol";
import type { UploadEntity } from "../uploads/upload.entity.js";
import { peaksFromHex } from "./voice.schema.js";

/** An attachment's `voice`, spread into it: present only on an upload marked as voice. */
export const voiceOf = (u: Pick<UploadEntity, "voiceDurationMs" | "voicePeaks">): Pick<Attachment, "voice"> =>
  u.voiceDurationMs !== null && u.voicePeaks !== null ? { voice: { durationMs: Number(u.voiceDurationMs), peaks: peaksFromHex(u.voicePeaks) } } : {};
