/** A message's pin mark (pin-mark.ts) and a conversation's pinned list (parley-pins.ts); a host overrides them like the others. */
export const PINS_EN = {
  /** In a pinned message's bubble; and who pinned it, for screen readers and as its title. */
  pinned: "Pinned",
  pinnedBy: "Pinned by {name}",
  pinsNone: "No pinned messages",
  /** A pinned message's button in the list that unpins it. */
  pinsUnpin: "Unpin",
};
export type PinsStrings = typeof PINS_EN;
