/** The form that asks a poll (poll-form.ts); a host overrides them like the others (`strings`, Parley.init). */
export const POLL_FORM_EN = {
  /** The dialog's title. */
  pollNew: "New poll",
  pollQuestion: "Question",
  pollOptions: "Options",
  /** An option's field ({n}: 1, 2, …), its remove button, and the button that adds one. */
  pollOption: "Option {n}",
  pollRemoveOption: "Remove option {n}",
  pollAddOption: "Add option",
  pollAllowMultiple: "Allow more than one answer",
  pollAnonymousVoting: "Anonymous voting",
  /** When it closes by itself: a menu, and the date and time field of its last choice. */
  pollClosing: "Closes",
  pollNever: "Never",
  pollIn1h: "In 1 hour",
  pollIn1d: "In 1 day",
  pollIn1w: "In 1 week",
  pollAtTime: "At a time you choose",
  pollCloseTime: "Closing time",
  /** Sends the poll. */
  pollSend: "Send poll",
  /** What is wrong, at the field. */
  pollNeedQuestion: "Write a question.",
  pollNeedOptions: "Give at least two options.",
  pollDuplicate: "This option is already in the list.",
  pollBadTime: "Choose a time within the next {days} days.",
};
export type PollFormStrings = typeof POLL_FORM_EN;
