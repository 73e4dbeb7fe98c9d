import { AppError } from "../shared/errors.js";

/**
 * What a voice message's bytes turned out to be: one audio stream, Opus in WebM, Ogg or MP4 or
 * AAC in MP4, and how long it plays as computed from the audio itself (never a header a client wrote).
 */
export interface VoiceProbe {
  container: "webm" | "ogg" | "mp4";
  /** The MIME type it is served with. */
  mime: "audio/webm" | "audio/ogg" | "audio/mp4";
  codec: "opus" | "aac";
  /** From the stream, or null when it holds no audio to compute it from. */
  durationMs: number | null;
  channels: number;
  /** The bytes to keep instead of the upload's, where the file needed mending to play in every engine (mp4.ts: WebKit's). */
  mended?: Buffer;
}

export const refused = (reason: string, message: string, extra: Record<string, unknown> = {}): AppError =>
  new AppError("unsupported_media_type", message, { reason, ...extra });

/** The longest an Opus packet may play (RFC 6716 §3.2.5). */
const PACKET_MAX_MS = 120;

/** How long an Opus packet plays, from its TOC byte (RFC 6716 §3.1); more than 120 ms is damaged. */
export function packetMs(packet: Buffer): number {
  const toc = packet[0];
  if (toc === undefined) return 0;
  const config = toc >> 3;
  const frameMs = config < 12 ? [10, 20, 40, 60][config & 3]! : config < 16 ? [10, 20][config & 1]! : [2.5, 5, 10, 20][config & 3]!;
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 0) & 0x3f : 2;
  if (frameMs * frames > PACKET_MAX_MS) throw refused("malformed", "The recording's Opus packets are damaged");
  return frameMs * frames;
}
