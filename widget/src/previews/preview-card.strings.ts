/** A message's link preview card (preview-card.ts); a host overrides them like the others. */
export const PREVIEW_EN = {
  /** The sender's × on their message's preview: removes it for everyone. */
  previewRemove: "Remove preview",
};
export type PreviewStrings = typeof PREVIEW_EN;
