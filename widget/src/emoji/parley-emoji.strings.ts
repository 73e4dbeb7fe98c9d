/** The emoji picker's strings; a host overrides them like the others (`strings`, Parley.init). */
export const EMOJI_EN = {
  /** The picker's name (a dialog) and its list's. */
  emojiPicker: "Emoji",
  emojiSearch: "Search emoji",
  /** The row of buttons that jump to a category. */
  emojiCategories: "Emoji categories",
  emojiRecent: "Recently used",
  /** The heading over what a search found, and what is announced after each search. */
  emojiResults: "Search results",
  emojiFound: "Emoji found: {count}",
  emojiNone: "No emoji found",
  emojiSkin: "Skin tone",
  skinDefault: "Default skin tone",
  skinLight: "Light skin tone",
  skinMediumLight: "Medium-light skin tone",
  skinMedium: "Medium skin tone",
  skinMediumDark: "Medium-dark skin tone",
  skinDark: "Dark skin tone",
  /** The categories, as Unicode groups them. */
  emojiSmileys: "Smileys & emotion",
  emojiPeople: "People & body",
  emojiAnimals: "Animals & nature",
  emojiFood: "Food & drink",
  emojiTravel: "Travel & places",
  emojiActivities: "Activities",
  emojiObjects: "Objects",
  emojiSymbols: "Symbols",
  emojiFlags: "Flags",
};
export type EmojiStrings = typeof EMOJI_EN;
