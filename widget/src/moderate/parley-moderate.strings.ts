/**
 * The strings of this dialog; a host overrides them like the others (`strings`, Parley.init).
 * Its buttons and notices use the widget's own (`send`, `delete`, `mute`, `ban`, `cancel`, `deleted`).
 */
export const MODERATE_EN = {
  reportMessage: "Report message",
  reportWhy: "Why are you reporting it?",
  reason_spam: "Spam",
  reason_harassment: "Harassment or bullying",
  reason_hate: "Hate speech",
  reason_sexual: "Sexual content",
  reason_violence: "Violence or threats",
  reason_self_harm: "Self-harm",
  reason_illegal: "Something illegal",
  reason_other: "Something else",
  reportNote: "Anything to add? (optional)",
  reported: "Reported. Thank you.",
  deleteMessage: "Delete this message for everyone?",
  muteUser: "Mute {name} in this conversation",
  muteFor: "For how long?",
  mute_600: "10 minutes",
  mute_3600: "1 hour",
  mute_86400: "24 hours",
  muted: "{name} is muted for {duration}",
  banUser: "Ban {name} from this conversation?",
  banWarning: "They leave it now and cannot come back until unbanned.",
  banned: "{name} is banned from this conversation",
  modReason: "Reason (optional)",
};
export type ModerateStrings = typeof MODERATE_EN;
