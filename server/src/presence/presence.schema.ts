import { z } from "zod";
import { storedId } from "../shared/schema.js";

/** The most people one socket watches: about what a screen shows (a member list's page, a thread). */
export const WATCH_MAX = 100;

/** `presence.watch`: whom this socket wants the presence of, replacing what it watched before. */
export const presenceWatch = z.strictObject({ userIds: z.array(storedId).max(WATCH_MAX) });
