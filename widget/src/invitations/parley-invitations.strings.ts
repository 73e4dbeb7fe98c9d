/** The strings of pending group invitations; a host overrides them like the others (`strings`). */
export const INVITATIONS_EN = {
  /** The list's label. */
  invitations: "Invitations to groups",
  /** Under the group's name: who invited the visitor. */
  invitedYou: "{name} invited you",
  acceptInvitation: "Accept",
  declineInvitation: "Decline",
  /** The buttons' accessible names: each names its group. */
  acceptInvitationTo: "Accept the invitation to {group}",
  declineInvitationTo: "Decline the invitation to {group}",
  /** Said (live region) when an invitation arrives, and after a decline. */
  newInvitation: "{name} invited you to {group}",
  invitationDeclined: "Invitation to {group} declined",
  /** At the invitation, when answering it failed; its buttons stay to try again. */
  answerFailed: "Couldn't answer: {error} Try again.",
  /** A group without a name. */
  unnamedGroup: "a group",
};
export type InvitationsStrings = typeof INVITATIONS_EN;
