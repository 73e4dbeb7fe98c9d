import { z } from "zod";

/** What a voice message allows (the app's maximum length aside: apps.voiceMaxSeconds / VOICE_MAX_SECONDS). */
export const VOICE_LIMITS = {
  /** Peaks in a waveform: one per bar the widget draws. */
  peaks: 64,
  /** Shorter than this is a slip of the thumb, not a message. */
  minDurationMs: 300,
  /** The longest any app may allow (the console's and the CLI's bound). */
  maxSecondsCeiling: 3600,
  /** Past the app's maximum a recording may run this long (a recorder stops on a timer; the last packet ends after it). */
  graceMs: 500,
} as const;

/**
 * `POST /uploads/:id/voice`. Only the waveform: the length is computed from the stream by the
 * server (voice/recording.ts), never taken from the client, so there is nothing to bound or trust.
 */
export const markVoiceBody = z.strictObject({
  peaks: z
    .array(
      z.number({ error: "Each peak is a number 0–255" }).int("Each peak is a whole number 0–255").min(0, "Each peak is 0–255").max(255, "Each peak is 0–255"),
      {
        error: `peaks: ${VOICE_LIMITS.peaks} numbers 0–255`,
      },
    )
    .length(VOICE_LIMITS.peaks, `A waveform has exactly ${VOICE_LIMITS.peaks} peaks`),
});

export type MarkVoiceInput = z.infer<typeof markVoiceBody>;

/** Peaks as stored: two hex digits each. */
export const peaksToHex = (peaks: readonly number[]): string => Buffer.from(peaks).toString("hex");
export const peaksFromHex = (hex: string): number[] => [...Buffer.from(hex, "hex")];
