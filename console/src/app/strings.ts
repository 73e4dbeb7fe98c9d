/**
 * The console's English strings, every one of them: the pages read them from here, never from
 * literals in their templates, so a translation is one table. (The console ships in English for
 * now; the widget's fifteen locales are for visitors.)
 */
import type { AppTab } from "./routes.js";

export const EN = {
  product: "Parley Console",
  loading: "Loading…",
  saving: "Saving…",
  retry: "Try again",
  copy: "Copy",
  copied: "Copied",
  cancel: "Cancel",
  networkError: "Could not reach the Parley server. Check your connection and try again.",
  serverError: "Something went wrong on the server. Try again in a moment.",
  notFoundPage: "There is nothing here.",
  backToApps: "Back to apps",
  required: "Fill this in",

  // The shell
  nav: "Console",
  navApps: "Apps",
  navAccount: "Account",
  navUsage: "Usage",
  navHealth: "Health",
  navAudit: "Audit log",
  signOut: "Sign out",
  theme: "Theme",
  themeAuto: "Theme: system",
  themeLight: "Theme: light",
  themeDark: "Theme: dark",
  skipToContent: "Skip to content",

  // Sign-up
  signUpTitle: "Create your console account",
  signUpInvited: (email: string, role: string, app: string | null) => (app ? `${email} is invited as ${role} of ${app}.` : `${email} is invited as ${role}.`),
  signUpLinkGone: "This sign-up link was used or has expired. Ask whoever invited you for a new one.",
  password: "Password",
  passwordHint: "At least 8 characters.",
  passwordAgain: "Password again",
  passwordsDiffer: "The passwords are not the same",
  createAccount: "Create account",
  emailTaken: "A console account with this e-mail exists: sign in instead.",

  // Sign-in
  signInTitle: "Sign in to the console",
  email: "E-mail",
  code: "Authenticator code",
  codeHint: "The 6-digit code from your authenticator app, or one of your recovery codes.",
  signIn: "Sign in",
  wrongCredentials: "Wrong e-mail or password",
  codeNeeded: "Enter the code from your authenticator app",
  tooMany: (sec: number) => `Too many attempts. Try again in ${Math.max(1, Math.ceil(sec / 60))} min.`,
  signedOut: "You are signed out.",

  // Two-factor enrolment
  totpTitle: "Turn on two-factor sign-in",
  totpRequiredNote: "Your role needs a second factor: set it up before anything else.",
  totpScan: "Scan this code with an authenticator app (such as Aegis, Google Authenticator or 1Password), or enter the key by hand.",
  totpQrLabel: "QR code of the two-factor key",
  totpKey: "Key",
  totpConfirm: "Turn on",
  totpCodeLabel: "The app's current 6-digit code",
  totpAlreadyOn: "Two-factor sign-in is on for this account.",
  recoveryTitle: "Your recovery codes",
  recoveryNote: "Each code signs you in once if you lose your authenticator. Keep them somewhere safe: they are not shown again.",
  recoverySaved: "I have saved them",
  totpOff: "Turn off",
  totpOffNote: "Your role requires two-factor sign-in: it cannot be turned off.",
  totpOffCode: "Current code to turn it off",

  // Account
  accountTitle: "Your account",
  sessionsTitle: "Signed-in browsers",
  sessionsEmpty: "No other browser is signed in.",
  thisBrowser: "This browser",
  lastSeen: (when: string) => `Last active ${when}`,
  endSession: "Sign out this browser",
  twoFactor: "Two-factor sign-in",
  twoFactorOn: "On",
  twoFactorOff: "Off",
  setUp: "Set up",

  // Apps
  appsTitle: "Apps",
  appsEmpty: "No apps yet.",
  appsEmptyOperator: "Create the first one: it is a host site with its own users, keys and webhooks.",
  appsEmptyOther: "Ask an operator or an app's owner to invite you to an app.",
  createApp: "Create app",
  appName: "Name",
  allowedOrigins: "Allowed origins",
  allowedOriginsHint: "The sites that embed the chat, one per line, such as https://shop.example.",
  appCreated: "App created",
  appSecret: "App secret",
  appSecretNote: "It signs host tokens. Copy it now: it is not shown again.",
  open: "Open",
  disabled: "Disabled",
  yourRole: (role: string) => `Your role: ${role}`,
  roleNames: { operator: "operator", owner: "owner", admin: "admin", moderator: "moderator", viewer: "viewer" } as Record<string, string>,
  created: (when: string) => `Created ${when}`,

  // One app
  appId: "App ID",
  tabKeys: "Server keys",
  tabWebhooks: "Webhooks",
  tabNames: {
    keys: "Server keys",
    webhooks: "Webhooks",
    settings: "Settings",
    users: "Users",
    usage: "Usage",
    moderation: "Moderation",
    audit: "Audit log",
  } satisfies Record<AppTab, string>,
  keysNote: "A server key signs your backend's calls to the server API (/v1/server).",
  keysEmpty: "No server keys yet.",
  keyName: "Key name",
  keyNameHint: "Optional: what uses it, such as production backend.",
  createKey: "Create key",
  keyCreated: "Key created",
  keySecretNote: "Copy the secret now: it is not shown again.",
  keyId: "Key ID",
  keySecret: "Secret",
  revoke: "Revoke",
  revokeConfirm: (name: string) => `Revoke ${name}? Calls signed with it fail at once.`,
  revoked: (when: string) => `Revoked ${when}`,
  unnamedKey: "Unnamed key",
  readOnly: "Your role can look but not change anything here.",

  // Invitations
  inviteTitle: "Invite someone to this app",
  inviteOperatorTitle: "Invite an operator",
  inviteNote: "Makes a one-time sign-up link, good for a week. Copy it and hand it over: no e-mail is sent.",
  role: "Role",
  roleHelp: {
    viewer: "reads settings, keys and webhooks",
    moderator: "works the report queue",
    admin: "changes settings, keys and webhooks",
    owner: "everything, and invites people",
  } as Record<string, string>,
  invite: "Make the link",
  inviteMade: "Sign-up link made.",
  inviteExpires: (when: string) => `It works once, until ${when}.`,

  // Webhooks
  webhooksNote: "Parley posts signed events to these URLs.",
  webhooksEmpty: "No webhook endpoints yet.",
  endpointUrl: "Endpoint URL",
  endpointUrlHint: "An https URL of your backend.",
  events: "Events",
  eventsHint: "Choose at least one.",
  addEndpoint: "Add endpoint",
  removeEndpoint: "Remove endpoint",
  removeEndpointConfirm: "Remove this endpoint? Its undelivered events are dropped.",
  deliveries: "Deliveries",
  deliveriesEmpty: "No deliveries yet.",
  deliveriesEmptyFiltered: "No deliveries with this status.",
  statusFilter: "Status",
  statusAll: "All",
  statusNames: { pending: "Pending", delivered: "Delivered", failed: "Failed" } as Record<string, string>,
  colEvent: "Event",
  colSeq: "Seq",
  colStatus: "Status",
  colAttempts: "Attempts",
  colLast: "Last attempt",
  colCode: "Last response",
  showDelivery: "Details",
  deliveryRequest: "Request",
  deliveryResponse: "Response",
  noResponse: "No response yet",
  loadMore: "Load more",
  refresh: "Refresh",
  replayFrom: "Replay from seq",
  replayHint: "Queues again every subscribed event from this sequence number on.",
  replay: "Replay",
  replayed: (n: number) => (n === 1 ? "1 event queued again." : `${n} events queued again.`),
  sendTest: "Send a test event",
  testSent: "Test event queued.",
  unreadTitle: "Unread notifications",
  unreadAfter: "Notify after (seconds)",
  unreadHint: "How long a message stays unread while its reader is offline before notification.unread is sent.",
  save: "Save",
  saved: "Saved.",

  // --- App settings and users (console/src/pages/settings.ts, users.ts)

  // --- Usage, health and the audit log (console/src/pages/usage.ts, health.ts, audit.ts)

  // --- Moderation (console/src/pages/moderation.ts)
};

export type ConsoleStrings = typeof EN;

/** A date for people, in their own locale. */
export const when = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : "—");
