/**
 * The voice recorder's strings (`<parley-voice-recorder>`); a host overrides them like the others
 * (`strings`, Parley.init). The translations are in the locale tables (i18n/locales/). {time}: a
 * length as m:ss.
 */
export const VOICE_RECORDER_EN = {
  /** The recorder's title. */
  voiceRecorder: "Record a voice message",
  voiceRecording: "Recording",
  /** How long it may last, beside the elapsed time. */
  voiceUpTo: "up to {time}",
  /** The live microphone level meter's name. */
  voiceLevel: "Microphone level",
  voiceStop: "Stop",
  voiceDiscard: "Discard",
  /** The review step, after Stop: listen, then send or discard. */
  voiceReview: "Listen before you send it",
  voiceMaxReached: "Voice messages can be up to {time} long, so the recording stopped there.",
  voiceAsking: "Waiting for the microphone…",
  voiceDenied: "The microphone is blocked. Allow it for this site in your browser's settings, then try again.",
  voiceNoMic: "No microphone was found.",
  voiceUnsupported: "This browser can't record voice messages.",
  voiceFailed: "The recording stopped because of an error.",
  /** Closes the recorder after one of those. */
  voiceClose: "Close",
  voiceSent: "Voice message sent",
};
export type VoiceRecorderStrings = typeof VOICE_RECORDER_EN;
