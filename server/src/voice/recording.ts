import { mendWebkitMp4, probeMp4 } from "./mp4.js";
import { probeOgg, probeWebm } from "./opus.js";
import { refused, type VoiceProbe } from "./codec.js";

export type { VoiceProbe };

/**
 * Reads a voice message's container and refuses anything but one Opus or AAC audio stream in the
 * containers browsers record to (415 with `details.reason`): WebM and Ogg from Chromium and Firefox
 * (opus.ts), MP4 from Safari and WebKit (mp4.ts, mending WebKit's). An MP3, a WebM with video, Ogg Vorbis, a text
 * file renamed `.ogg` are refused.
 */
export function probeVoice(buf: Buffer): VoiceProbe {
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0x1a45dfa3) return probeWebm(buf);
  if (buf.length >= 4 && buf.toString("latin1", 0, 4) === "OggS") return probeOgg(buf);
  if (buf.length >= 8 && buf.toString("latin1", 4, 8) === "ftyp") {
    const mended = mendWebkitMp4(buf);
    return mended ? { ...probeMp4(mended), mended } : probeMp4(buf);
  }
  throw refused("not_opus", "A voice message must be Opus or AAC audio in WebM, Ogg or MP4");
}
