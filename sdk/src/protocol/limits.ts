// Limits shared by validation on both sides (moderation's own caps are in moderation.ts).

export const LIMITS = {
  /** bcrypt ignores bytes past 72, so longer passwords are refused rather than truncated. */
  passwordMinChars: 8,
  passwordMaxBytes: 72,
  emailMaxChars: 254,
  displayNameMaxChars: 80,
  bioMaxChars: 500,
  avatarMaxBytes: 5 * 1024 * 1024,
  jsonBodyMaxBytes: 1024 * 1024,
  pageSizeDefault: 20,
  pageSizeMax: 100,
} as const;

export const MESSAGE_LIMITS = {
  textMaxChars: 4000,
  attachmentsMax: 10,
  clientMessageIdMaxChars: 64,
  emojiMaxChars: 32,
  groupNameMaxChars: 100,
  groupMembersMax: 1000,
  uploadMaxBytes: 25 * 1024 * 1024,
  /** Typing indicators expire on the client this long after the last `typing` event. */
  typingTtlMs: 5000,
  /** Distinct reaction keys one message may carry; a new key past it is a 409 `conflict`. */
  reactionsPerMessageMax: 20,
  /** Users one message may mention. */
  mentionsMax: 50,
} as const;
