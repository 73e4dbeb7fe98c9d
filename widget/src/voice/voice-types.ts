/**
 * What MediaRecorder is asked for, in order: Opus in WebM (Chromium, Firefox), else in Ogg, else
 * MP4's own choice, AAC (Safari, WebKit). Not Opus in MP4, which WebKit offers: it writes the Opus
 * header little-endian, and Chromium and Firefox then fail to decode it.
 */
export const VOICE_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"];

/** The type this browser records voice in, or "" where it cannot record (no microphone API, no recorder, none of the types). */
export const voiceType = (): string =>
  (typeof MediaRecorder !== "undefined" &&
    typeof navigator.mediaDevices?.getUserMedia === "function" &&
    VOICE_TYPES.find((t) => MediaRecorder.isTypeSupported(t))) ||
  "";
