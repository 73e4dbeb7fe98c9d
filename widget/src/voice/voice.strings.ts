/**
 * The voice player's (voice-player.ts; the recorder's review plays with them too); a host
 * overrides them like the others (`strings`, Parley.init). The translations are in the locale
 * tables (i18n/locales/). {time}, {elapsed}, {total}: lengths as m:ss; {rate}: a speed like 1.5×.
 */
export const VOICE_EN = {
  /** The player: its name for screen readers ({time}: its length). */
  voiceMessage: "Voice message, {time}",
  voicePlay: "Play",
  voicePause: "Pause",
  /** The waveform as a slider: its name and its spoken value. */
  voicePosition: "Position",
  voiceTimeOf: "{elapsed} of {total}",
  /** The speed button: its name with the current speed. */
  voiceSpeed: "Playback speed {rate}",
};
export type VoiceStrings = typeof VOICE_EN;
