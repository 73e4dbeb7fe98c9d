/**
 * The strings of the thread view; a host overrides them like the others (`strings`, Parley.init).
 * It also uses the widget's own (`send`, `loading`, `retry`, `discard`, `unknownError`, `deleted`,
 * `you`, `sending`, `failed`, `replies_*`).
 */
export const REPLIES_EN = {
  thread: "Thread",
  closeThread: "Close thread",
  follow: "Follow",
  following: "Following",
  noReplies: "No replies yet",
  olderReplies: "Show earlier replies",
  replyPlaceholder: "Reply in thread…",
};
export type RepliesStrings = typeof REPLIES_EN;
