/** The composer's "+" menu; a host overrides them like the others (`strings`, Parley.init). */
export const TOOLS_EN = {
  /** The menu's items: ask a poll (a form), record a voice message. */
  toolPoll: "Poll",
  toolVoice: "Voice message",
};
export type ToolsStrings = typeof TOOLS_EN;
