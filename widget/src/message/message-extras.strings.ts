/** The strings of a message's actions; a host overrides them like the others (`strings`). */
export const EXTRAS_EN = {
  react: "React",
  /** After the quick reactions: opens the emoji picker to react with any emoji. */
  reactMore: "More reactions",
  reply: "Reply",
  replyInThread: "Reply in thread",
  edit: "Edit",
  actions: "Message actions",
  /** The toolbar's ⋯ button, and the menu it opens: the message's other actions (reply in thread, edit or report, pin, delete, a moderator's mute and ban). */
  moreActions: "More actions",
  /** Over the composer while an edit or a reply is being written. */
  editing: "Editing message",
  replyingTo: "Replying to {name}",
  /** The files attached to the message being written. */
  attachments: "Files to send",
  removeFile: "Remove {name}",
  /** In a group, instead of the text of a message from someone the visitor blocked, and its button. */
  blockedMessage: "Message from a person you blocked",
  showMessage: "Show message",
  /** Pins or unpins the message in its conversation (a group's owner and admins, moderators, either member of a direct conversation), then says so. */
  pin: "Pin",
  unpin: "Unpin",
  pinDone: "Message pinned",
  unpinDone: "Message unpinned",
  /** Opens "Remind me" (issue 55; the dialog and its strings are the reminders/ chunk's). */
  remindMe: "Remind me",
};

/**
 * A send refused for good, by its error code (`failed_<code>`; `failed_<code>_until` when the
 * refusal says until when: {time} a mute's end, {n} slow mode's wait in seconds;
 * `failed_<code>_reason` when it gives the moderator's reason, {reason}); others show
 * `failed`. A host overrides them like the other strings.
 */
export const FAILED_EN = {
  failed_forbidden: "Not sent: you can't send messages here",
  failed_not_found: "Not sent: this conversation is gone",
  failed_payload_too_large: "Not sent: too large",
  failed_muted: "Not sent: you are muted here",
  failed_muted_until: "Not sent: you are muted here until {time}",
  failed_banned: "Not sent: you are banned from this conversation",
  failed_banned_reason: "Not sent: you are banned from this conversation. Reason: {reason}",
  failed_slow_mode: "Slow mode: wait, then retry",
  failed_slow_mode_until: "Slow mode: wait {n} s",
  failed_content_blocked: "Not sent: contains blocked words",
};
