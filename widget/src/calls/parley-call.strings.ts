/**
 * Calls (issue 53): the header's buttons, the ringing and call views (parley-call.ts) and a
 * finished call's entry in its conversation (call-entry.ts). A host overrides them like the others
 * (`strings`, Parley.init).
 */
export const CALLS_EN = {
  /** The header's buttons of a conversation (1:1 or a group). */
  callVoice: "Voice call",
  callVideo: "Video call",
  /** The ringing view: who calls, and how. */
  callRinging: "{name} is calling",
  callIncomingVoice: "Incoming voice call",
  callIncomingVideo: "Incoming video call",
  callAnswer: "Answer",
  /** A video call answered with the camera on; "Answer" then answers with the microphone alone. */
  callAnswerVideo: "Answer with video",
  callDecline: "Decline",
  /** The caller's view until the other side answers. */
  callCalling: "Calling {name}…",
  callConnecting: "Connecting…",
  /** The call view's accessible name. */
  callWith: "Call with {name}",
  callMute: "Mute microphone",
  callUnmute: "Unmute microphone",
  callCameraOff: "Turn camera off",
  callCameraOn: "Turn camera on",
  callHangUp: "Hang up",
  callYou: "Your camera",
  /** The browser refused the microphone or camera (NotAllowedError). */
  callDenied: "Your browser didn't allow the microphone or camera. Allow them for this site in the browser's settings, then try again.",
  /** No microphone or camera on this device (NotFoundError). */
  callNoDevice: "No microphone or camera was found. Connect one, then try again.",
  callFailed: "The call couldn't be connected.",
  callEnded: "Call ended",
  callClose: "Close",
  /** A group call ringing: the line under "Ann Lee is calling" ({group}: the group's name). */
  callIncomingGroupVoice: "Group voice call · {group}",
  callIncomingGroupVideo: "Group video call · {group}",
  /** The visitor's own tile in a group call while their microphone is off. */
  callMicOff: "Microphone off",
  /** The devices menu: its button, then its choices (the speaker where the browser can choose one). */
  callDevices: "Devices",
  callMicrophone: "Microphone",
  callCamera: "Camera",
  callSpeaker: "Speaker",
  /** A group call on a server without an SFU (sfu_not_configured); a group call already full (call_full). */
  callGroupUnavailable: "Group calls aren't set up on this chat server.",
  callFull: "This call is full.",
  /** A finished call's entry in its conversation ({duration}: "4 min", "35 sec" in the reader's language). */
  callMissed: "Missed call",
  callMissedVideo: "Missed video call",
  /** The caller's side of a call nobody answered. */
  callNoAnswer: "No answer",
  callVoiceLength: "Voice call · {duration}",
  callVideoLength: "Video call · {duration}",
  callDeclined: "Call declined",
  callCancelled: "Call cancelled",
  callFailedEntry: "Call failed",
  /** A call whose connection was lost and did not come back ({duration}: how long it lasted). */
  callLostEntry: "Connection lost · {duration}",
  /** A group call cut off because its SFU (the media server) was lost (sfu_lost). */
  callServerLost: "Call cut off by a server problem",
};
export type CallStrings = typeof CALLS_EN;
