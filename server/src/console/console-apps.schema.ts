import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { pageLimit } from "../shared/schema.js";
import { DOMAIN_RULES_MAX } from "../previews/links.js";
import { MAX_SECRET_GRACE_MS } from "../tenancy/apps.service.js";
import { VOICE_LIMITS } from "../voice/voice.schema.js";
import { PRESENCE_GROUP_MAX_CEILING } from "../config.js";
import { createAppBody } from "./console.schema.js";

// The console's app settings and users (console-apps.service.ts, console-users.service.ts). An
// origin is judged where every origin is, by AppsService (`allowedOrigins.<i>`).

/** A preview host list: at most 200 entries (each `example.com` or `*.example.com`). */
const hostList = z
  .array(z.string({ error: "A host name like example.com" }).max(260, "At most 260 characters"), { error: "A list of host names" })
  .max(DOMAIN_RULES_MAX, `At most ${DOMAIN_RULES_MAX} entries`);

/** `PUT …/settings`: any of the settings; a field left out stays as it is. */
export const updateSettingsBody = z.strictObject({
  name: createAppBody.shape.name.optional(),
  allowedOrigins: createAppBody.shape.allowedOrigins.optional(),
  groupDirectAdd: z.boolean().nullable().optional(),
  groupMaxMembers: z
    .number({ error: "A number of members, or empty for the server's setting" })
    .int("A whole number of members")
    .min(2, "A group has at least 2 members")
    .max(MESSAGE_LIMITS.groupMembersMax, `At most ${MESSAGE_LIMITS.groupMembersMax} members`)
    .nullable()
    .optional(),
  presenceGroupMax: z
    .number({ error: "A number of members, or empty for the server's setting" })
    .int("A whole number of members")
    .min(2, "At least 2 members")
    .max(PRESENCE_GROUP_MAX_CEILING, `At most ${PRESENCE_GROUP_MAX_CEILING.toLocaleString("en")} members`)
    .nullable()
    .optional(),
  exactEmailSearch: z.boolean().optional(),
  voiceMaxSeconds: z
    .number({ error: "Seconds, or empty for the server's setting" })
    .int("Whole seconds")
    .min(1, "At least 1 second")
    .max(VOICE_LIMITS.maxSecondsCeiling, `At most ${VOICE_LIMITS.maxSecondsCeiling} seconds`)
    .nullable()
    .optional(),
  filterNames: z.boolean().optional(),
  linkPreviews: z.boolean().optional(),
  // Each entry's form is judged by AppsService (previews/links.ts), at its field (`previewAllow.<i>`).
  previewAllow: hostList.optional(),
  previewDeny: hostList.optional(),
});

/** `POST …/secret`: how long the old secret still verifies host tokens, in seconds (0: not at all). */
export const rotateSecretBody = z.strictObject({
  graceSec: z
    .number({ error: "How long the old secret keeps working, in seconds" })
    .int("Whole seconds")
    .min(0, "At least 0 seconds")
    .max(MAX_SECRET_GRACE_MS / 1000, "At most 30 days"),
});

/** A typed confirmation (`DELETE` an app or a user): compared by the service with what it must be. */
export const confirmBody = z.strictObject({ confirm: z.string({ error: "Type the confirmation" }).max(300) });

/** `GET …/users`: `q` an id, a sub, an e-mail or the start of a name (or of an e-mail, with an `@`). */
export const usersQuery = z.strictObject({
  q: z.string().max(254, "At most 254 characters").default(""),
  cursor: z.string().max(600).optional(),
  limit: pageLimit(50, 20),
});

/** The users list's cursor: the last row's sort key (its name, or its e-mail) and id. */
export const userCursor = z.object({ k: z.enum(["name", "email"]), v: z.string().max(300), i: z.string().max(64) });

export type UpdateSettingsInput = z.infer<typeof updateSettingsBody>;
export type UsersQuery = z.infer<typeof usersQuery>;
