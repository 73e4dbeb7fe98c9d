/** A poll's card in a message (poll-card.ts); a host overrides them like the others (`strings`, Parley.init). */
export const POLL_EN = {
  /** A count of votes: each option's, and the poll's total (people who voted). */
  votes_one: "{count} vote",
  votes_other: "{count} votes",
  /** How it is answered, shown under the question. */
  pollSingle: "Choose one",
  pollMultiple: "Choose one or more",
  pollAnonymous: "Anonymous",
  pollNamed: "Voters are shown",
  /** When it closes by itself ({time}: a date and time), and once it is closed. */
  pollCloses: "Closes {time}",
  pollClosed: "Closed",
  /** A named poll's voters, on request. */
  pollVoters: "Who voted",
  pollRetract: "Retract vote",
  /** Closes it early (its creator, a group's owner and admins); said again once done. */
  pollClose: "Close poll",
  pollClosedDone: "Poll closed",
};
export type PollStrings = typeof POLL_EN;
