/** The strings of new group; a host overrides them like the others (`strings`). */
export const PEOPLE_EN = {
  groupName: "Group name",
  create: "Create",
  /** After creating a group: the people picked who are not the visitor's contacts were invited, not added. */
  invitedNotice: "Invited: {names} — they join when they accept.",
  openGroup: "Open group",
};
