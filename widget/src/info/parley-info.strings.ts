/** The strings of the details and profile views; a host overrides them like the others (`strings`). */
export const INFO_EN = {
  members: "Members",
  leave: "Leave conversation",
  bio: "About you",
  contacts: "Contacts",
  changeAvatar: "Change photo",
  accept: "Accept",
  decline: "Decline",
  noContacts: "No contacts yet.",
  makeAdmin: "Make admin",
  removeAdmin: "Remove admin",
  addContact: "Add to contacts",
  saved: "Saved",
  groupName: "Group name",
  /** Beside someone invited to the group who has not answered yet (in place of a member's role). */
  invited: "invited",
  /** A group member's role, beside their name. */
  role_owner: "owner",
  role_admin: "admin",
  role_member: "member",
  /** A conversation's notifications (title count, sound, browser notification, web push): the visitor's own switch. */
  muteConversation: "Mute notifications",
  unmuteConversation: "Unmute notifications",
  /** Beside a muted conversation in the list (and read by screen readers). */
  mutedLabel: "Muted",
  /** The profile's switch for browser notifications (the browser asks only when it is pressed). */
  notifyOn: "Turn on notifications",
  notifyEnabled: "Notifications are on",
  notifyDenied: "Notifications are blocked in this browser's settings",
  /** Web push (where the host serves Parley's service worker): this device subscribed, and the switch to stop it. */
  notifyPushOn: "Notifications are on for this device, also when the tab is closed",
  notifyOff: "Turn off",
  /** The button offering web push when the browser already allows notifications (they show while the tab is open). */
  notifyClosed: "Also notify me when this tab is closed",
  notifyBusy: "Turning on notifications…",
  notifyFailed: "Notifications could not be turned on for this device. Please try again.",
  /** Where the host serves Parley's service worker but the browser has no Push API (WebKitGTK, Safari outside an installed web app). */
  notifyNoPush: "This browser can notify you only while this tab is open",
  /** Where the browser has no notifications at all. */
  notifyUnsupported: "This browser can't show notifications",
  /** A browser notification's title: a 1:1 message, a group's. */
  notifyFrom: "New message from {name}",
  notifyIn: "New message in {group}",
  /** A 1:1 conversation's details where the browser has no WebRTC, so no call buttons (issue 53). */
  callUnsupported: "Calls aren't available in this browser",
  /** The profile's choice of e-mail about unread messages (issue 55), where the app sends it. */
  emailPreference: "Email me about unread messages",
  emailEvery: "When I'm away",
  emailDaily: "Once a day at most",
  emailNever: "Never",
  /** Under the choice: where the e-mails go. */
  emailTo: "Sent to {email}",
  /** No e-mail between two times of day (in this device's time zone). */
  emailQuiet: "No email between",
  emailQuietFrom: "From",
  emailQuietTo: "Until",
  /** The details' button that shows the conversation's pinned messages (a list of its own, parley-pins.ts). */
  pinnedMessages: "Pinned messages",
};
export type InfoStrings = typeof INFO_EN;
