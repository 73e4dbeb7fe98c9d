import type { ConsoleAppRole } from "@parley/sdk/protocol";
import type { ConsoleAccountEntity, ConsoleSessionEntity } from "./console.entities.js";
import type { Client } from "./sessions.js";

/** A signed-in console account, as the console guard found it: what every console service call acts for. */
export interface ConsoleCaller {
  readonly account: ConsoleAccountEntity;
  readonly session: ConsoleSessionEntity;
  /** The account's role on each app it has one on. */
  readonly roles: ReadonlyMap<string, ConsoleAppRole>;
  readonly client: Client;
}

/** Operators and owners must have a second factor. */
export const totpRequired = (account: ConsoleAccountEntity, roles: ReadonlyMap<string, ConsoleAppRole>): boolean =>
  account.operator || [...roles.values()].includes("owner");

/** The caller's role on an app: every app for an operator; null for none. */
export const roleOn = (c: ConsoleCaller, appId: string): ConsoleAppRole | "operator" | null => (c.account.operator ? "operator" : (c.roles.get(appId) ?? null));
