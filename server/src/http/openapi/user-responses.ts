import { ack } from "./error-responses.js";
import { z } from "zod";
import type { AuthResponse, Me, Page, Presence, PresenceSnapshot, ServerTokenResponse, ServerUser, ServerUserResponse, User } from "@parley/sdk/protocol";
import { page, timestamp, type Check, type Same } from "./mirror.js";

/** Users, the signed-in user, sessions and presence, mirrored as responses.ts explains. */

const userFields = {
  id: z.string(),
  displayName: z.string(),
  bio: z.string(),
  avatarUrl: z.string().nullable(),
  externalId: z.string().nullable(),
  lastSeenAt: timestamp.nullable(),
  createdAt: timestamp,
  data: z.record(z.string(), z.unknown()).optional(),
  deleted: z.literal(true).optional(),
  agent: z.literal(true).optional(),
};
export const user = z.strictObject(userFields);
type _User = Check<Same<z.infer<typeof user>, User>>;

/** A user as the server API (`/v1/server/…`) answers: the public user plus the host's `sub`. */
export const serverUser = z.strictObject({ ...userFields, sub: z.string() });
type _ServerUser = Check<Same<z.infer<typeof serverUser>, ServerUser>>;
export const serverUserEnvelope = z.strictObject({ user: serverUser });
type _ServerUserResponse = Check<Same<z.infer<typeof serverUserEnvelope>, ServerUserResponse>>;
export const serverTokenResponse = z.strictObject({ hostToken: z.string(), expiresIn: z.number().int() });
type _ServerTokenResponse = Check<Same<z.infer<typeof serverTokenResponse>, ServerTokenResponse>>;

export const me = z.strictObject({
  ...userFields,
  email: z.string().nullable(),
  appId: z.string(),
  showLastSeen: z.boolean().optional(),
  moderator: z.literal(true).optional(),
  ai: z.strictObject({ translate: z.literal(true).optional(), summarize: z.literal(true).optional() }).optional(),
});
type _Me = Check<Same<z.infer<typeof me>, Me>>;

export const authResponse = z.strictObject({ user: me, accessToken: z.string(), expiresIn: z.number(), refreshToken: z.string() });
type _AuthResponse = Check<Same<z.infer<typeof authResponse>, AuthResponse>>;
type _Page = Check<Same<z.infer<ReturnType<typeof page<typeof user>>>, Page<User>>>;

export const presence = z.strictObject({ userId: z.string(), online: z.boolean(), lastSeenAt: timestamp.nullable(), version: z.number().optional() });
type _Presence = Check<Same<z.infer<typeof presence>, Presence>>;

export const presenceSnapshot = z.strictObject({ users: z.array(presence) });
type _PresenceSnapshot = Check<Same<z.infer<typeof presenceSnapshot>, PresenceSnapshot>>;

/** The ack of `presence.watch`: the watched people's presence now. */
export const presenceAck = ack(presenceSnapshot);
