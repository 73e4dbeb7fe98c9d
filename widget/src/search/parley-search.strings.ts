/** The strings of message search; a host overrides them like the others (`strings`). */
export const SEARCH_EN = {
  noMatches: "No messages match",
  loadMore: "Load more",
};
