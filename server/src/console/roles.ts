import type { ConsoleAppRole } from "@parley/sdk/protocol";
import { AppError, notFound } from "../shared/errors.js";

/** What a console caller may do on an app. Operators may do everything on every app. */
export type Capability = "read" | "configure" | "moderate" | "manage_members";

/**
 * Roles are not a ladder: a moderator works the report queue but sees neither keys nor webhooks;
 * a viewer reads settings and figures but changes nothing.
 */
const CAN: Record<ConsoleAppRole, readonly Capability[]> = {
  viewer: ["read"],
  moderator: ["moderate"],
  admin: ["read", "configure", "moderate"],
  owner: ["read", "configure", "moderate", "manage_members"],
};

export const APP_ROLE_NAMES: readonly ConsoleAppRole[] = ["viewer", "moderator", "admin", "owner"];

/**
 * Throws unless `role` (null: none on this app) allows `what`. No role is the 404 of a missing
 * app, so an account learns nothing of apps it has no part in; a role short of it is a 403.
 */
export function allow(role: ConsoleAppRole | "operator" | null, what: Capability): void {
  if (role === null) throw notFound("App");
  if (role === "operator" || CAN[role].includes(what)) return;
  throw new AppError("forbidden", `Your role on this app (${role}) does not allow this`, { reason: "role" });
}
