// Voice messages (issue 33): an upload marked as voice carries its length and waveform
// (`Attachment.voice`). Types only: the values live in `@parley/sdk/rich` and on the server.

/**
 * `POST /v1/uploads/{id}/voice`: marks one's own unsent upload as a voice message. The server
 * accepts only Opus audio in WebM or Ogg (else 415 with `details.reason`), computes the length
 * from the stream itself (413 past the app's maximum), and keeps the waveform.
 */
export interface MarkVoiceRequest {
  /** The waveform: exactly `VoiceSettings.peaks` integers 0–255, computed when recorded. */
  peaks: number[];
}

/** `GET /v1/uploads/voice/settings`: what a recorder needs to know before it starts. */
export interface VoiceSettings {
  /** The longest voice message this app accepts (ms): a recorder stops there. */
  maxDurationMs: number;
  /** How many peaks a waveform has. */
  peaks: number;
}
