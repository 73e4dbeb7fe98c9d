import { z } from "zod";
import { email } from "../auth/auth.schema.js";
import { sub } from "../server-api/server-api.schema.js";

/** How often a user wants e-mail about unread messages. */
export const PREFERENCES = ["every", "daily", "never"] as const;
export type EmailPreference = (typeof PREFERENCES)[number];

const preference = z.enum(PREFERENCES).describe("every: one e-mail per quiet period; daily: at most one a day; never");
/** A BCP 47 tag such as `de`, `pt-BR` or `zh-CN`; one without a table is written to in English. */
const locale = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,4})?$/, "A language tag such as de, pt-BR or zh-CN")
  .describe("The language of the e-mails (BCP 47: de, pt-BR, zh-CN); English where Parley has no translation");

/** A time of day, `HH:MM` (24-hour). */
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "A time of day such as 22:00 or 07:30");

/** No e-mail between `from` and `to` in the user's time zone (`from` after `to` spans midnight); null: none. */
const quietHours = z
  .strictObject({ from: clock, to: clock })
  .refine((q) => q.from !== q.to, { message: "From and to must differ", path: ["to"] })
  .nullable()
  .describe("No e-mail between these times of day in the user's time zone (22:00 to 07:00 spans midnight); null: none");

/** An IANA time zone this server knows (Intl), such as Europe/Berlin. */
const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: "A time zone such as Europe/Berlin or America/New_York" },
  )
  .nullable()
  .describe("The user's time zone (IANA), for quiet hours; null: UTC");

const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.-]+$|^\[?[0-9A-Fa-f:.]+\]?$/, "A host name or an IP address");

/** An http(s) URL; `{conversationId}` and `{appId}` are filled in. */
const linkTemplate = z
  .string()
  .max(1024)
  .superRefine((v, ctx) => {
    try {
      const u = new URL(v.replaceAll("{conversationId}", "c").replaceAll("{appId}", "a"));
      if (u.protocol !== "https:" && u.protocol !== "http:") ctx.addIssue({ code: "custom", message: "Must be an http(s) URL" });
    } catch {
      ctx.addIssue({ code: "custom", message: "Must be an http(s) URL" });
    }
  })
  .describe("Where an e-mail's link opens the widget: an http(s) URL, {conversationId} and {appId} filled in");

/**
 * `PUT /v1/server/email/settings`: fields left out keep their value; `smtp: null` goes back to the
 * deployment's SMTP server; a `smtp` without `password` keeps the stored one.
 */
export const settingsBody = z.strictObject({
  enabled: z.boolean().optional(),
  smtp: z
    .strictObject({
      host: hostName,
      port: z.number().int().min(1).max(65535),
      secure: z.boolean().optional().describe("TLS from the first byte (port 465); otherwise STARTTLS when offered"),
      user: z.string().min(1).max(254).nullable().optional(),
      password: z.string().min(1).max(254).nullable().optional().describe("Write-only: never answered, only whether one is set"),
    })
    .nullable()
    .optional(),
  from: email.nullable().optional().describe("The From address; null: SMTP_FROM"),
  includeText: z.boolean().optional().describe("E-mails quote the messages' text (off: who wrote, and where, only)"),
  link: linkTemplate.nullable().optional(),
  waitMinutes: z.number().int().min(1).max(10_080).nullable().optional().describe("Minutes away before an e-mail; null: EMAIL_WAIT_MINUTES"),
});
export type SettingsInput = z.infer<typeof settingsBody>;

/** `PUT /v1/server/email/recipients`: the host sets a user's address (null removes it), preference or language. */
export const recipientBody = z.strictObject({
  sub,
  email: email.nullable().optional(),
  preference: preference.optional(),
  locale: locale.nullable().optional(),
  quietHours: quietHours.optional(),
  timeZone: timeZone.optional(),
});
export type RecipientInput = z.infer<typeof recipientBody>;

/** `PUT /v1/me/email`: the user's own preference and language. */
export const preferenceBody = z.strictObject({
  preference: preference.optional(),
  locale: locale.nullable().optional(),
  quietHours: quietHours.optional(),
  timeZone: timeZone.optional(),
});
export type PreferenceInput = z.infer<typeof preferenceBody>;

/** `?token=` of the unsubscribe link. */
export const unsubscribeQuery = z.object({ token: z.string().min(1).max(400) });
