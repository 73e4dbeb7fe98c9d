import type { ConsoleApp } from "@parley/sdk/protocol";
import type { AppTab } from "../app/routes.js";

/**
 * What the caller's role lets the console show (the server decides; this only hides what would
 * be refused): viewers read settings, keys, webhooks, usage and the audit log; admins and owners
 * change them; moderators (and admins and owners) work the report queue and look people up; and see neither keys nor
 * webhooks. Owners and operators see the app's console members, change their roles and invite.
 */
export const canRead = (role: ConsoleApp["role"]): boolean => role !== "moderator";
export const canConfigure = (role: ConsoleApp["role"]): boolean => role === "operator" || role === "owner" || role === "admin";
export const canModerate = (role: ConsoleApp["role"]): boolean => role !== "viewer";
/** Who invites people to an app and manages its console members: its owners, and operators. */
export const canInvite = (role: ConsoleApp["role"]): boolean => role === "operator" || role === "owner";

/** The app page's tabs a role sees, in order (the first is where the app opens). */
export const tabsFor = (role: ConsoleApp["role"]): AppTab[] => {
  const tabs: AppTab[] = [];
  if (canRead(role)) tabs.push("keys", "webhooks", "settings", "email", "agents");
  if (canRead(role)) tabs.push("usage");
  if (canModerate(role)) tabs.push("moderation", "users");
  if (canRead(role)) tabs.push("audit");
  if (canInvite(role)) tabs.push("members");
  return tabs;
};
