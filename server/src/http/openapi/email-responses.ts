import { z } from "zod";
import type { EmailRecipient, EmailSettings, EmailUnsubscribeResponse } from "@parley/sdk/protocol";
import type { Check, Same } from "./mirror.js";

/** E-mail for unread messages (issue 55), mirrored as responses.ts explains. */

const emailRecipient = z.strictObject({
  email: z.string().nullable(),
  preference: z.enum(["every", "daily", "never"]),
  locale: z.string().nullable(),
  sending: z.boolean(),
  quietHours: z.strictObject({ from: z.string(), to: z.string() }).nullable(),
  timeZone: z.string().nullable(),
});
type _EmailRecipient = Check<Same<z.infer<typeof emailRecipient>, EmailRecipient>>;

const emailSettings = z.strictObject({
  source: z.enum(["app", "environment", "none"]),
  enabled: z.boolean(),
  smtp: z
    .strictObject({
      host: z.string(),
      port: z.number().int(),
      secure: z.boolean(),
      user: z.string().nullable(),
      password: z.strictObject({ set: z.boolean() }),
    })
    .nullable(),
  from: z.string().nullable(),
  includeText: z.boolean(),
  link: z.string().nullable(),
  waitMinutes: z.number().int().nullable(),
});
type _EmailSettings = Check<Same<z.infer<typeof emailSettings>, EmailSettings>>;

const emailUnsubscribeResponse = z.strictObject({ unsubscribed: z.boolean() });
type _EmailUnsubscribeResponse = Check<Same<z.infer<typeof emailUnsubscribeResponse>, EmailUnsubscribeResponse>>;

export const emailResponseSchemas = {
  EmailRecipient: emailRecipient,
  EmailSettings: emailSettings,
  EmailUnsubscribeResponse: emailUnsubscribeResponse,
} as const;
