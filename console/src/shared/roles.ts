import type { ConsoleApp } from "@parley/sdk/protocol";

/**
 * What the caller's role lets the console show (the server decides; this only hides what would
 * be refused): viewers read settings, keys and webhooks; admins and owners change them;
 * moderators work the report queue and see neither keys nor webhooks.
 */
export const canRead = (role: ConsoleApp["role"]): boolean => role !== "moderator";
export const canConfigure = (role: ConsoleApp["role"]): boolean => role === "operator" || role === "owner" || role === "admin";
/** Who invites people to an app: its owners, and operators. */
export const canInvite = (role: ConsoleApp["role"]): boolean => role === "operator" || role === "owner";
