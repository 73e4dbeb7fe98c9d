// E-mail for unread messages (issue 55): a user with something unread, no socket and no read for
// the app's wait window gets one e-mail per quiet period. The host's backend configures its app's
// SMTP server (`/v1/server/email/settings`) and users' addresses (`/v1/server/email/recipients`);
// a user sets their own preference (`/v1/me/email`). Types only.

/** How often a user wants e-mail: one per quiet period, at most one a day, or none. */
export type EmailPreference = "every" | "daily" | "never";

/** `GET|PUT /v1/me/email` and `PUT /v1/server/email/recipients`. */
export interface EmailRecipient {
  /** Where e-mails go: the address the host set, else the account's; null: none are sent. */
  email: string | null;
  preference: EmailPreference;
  /** The e-mails' language (BCP 47); null: English. */
  locale: string | null;
  /** Whether the app sends these e-mails at all (on, with an SMTP server and a From address). */
  sending: boolean;
  /** No e-mail between these times of day (`HH:MM`, in `timeZone`; from after to spans midnight); null: none. */
  quietHours: { from: string; to: string } | null;
  /** The user's time zone (IANA, such as Europe/Berlin) for the quiet hours; null: UTC. */
  timeZone: string | null;
}

/** `GET|PUT /v1/server/email/settings`: the password is never answered, only whether one is set. */
export interface EmailSettings {
  /** Whose SMTP server is used: the app's own, the deployment's (SMTP_URL), or none (nothing is sent). */
  source: "app" | "environment" | "none";
  enabled: boolean;
  smtp: { host: string; port: number; secure: boolean; user: string | null; password: { set: boolean } } | null;
  from: string | null;
  includeText: boolean;
  link: string | null;
  waitMinutes: number | null;
}

/** `GET|POST /v1/email/unsubscribe?token=`: what the link did. */
export interface EmailUnsubscribeResponse {
  unsubscribed: boolean;
}
