/** The picker's string; a host overrides it like the others (`strings`, Parley.init). */
export const MENTION_EN = {
  mentionList: "People to mention",
};
export type MentionStrings = typeof MENTION_EN;
