import type { DataSource } from "typeorm";
import { UnitOfWork } from "../db/unit-of-work.js";
import { EventLog } from "../events/event-log.js";
import { AppError } from "../shared/errors.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { UsersService } from "../users/users.service.js";
import { ModerationGate } from "./gate.js";
import { ModerationService } from "./moderation.service.js";

/** The `app:moderator` lines of the CLI's usage. */
export const MODERATOR_USAGE = `  app:moderator     --app app_... --user <user id or sub> [--remove] [--json]   (make a user a moderator of the app, or no longer)
                    --app app_... --list [--json]`;

export interface ModeratorCliRun {
  db: DataSource;
  apps: AppsService;
  values: { app?: string | undefined; user?: string | undefined; remove?: boolean | undefined; list?: boolean | undefined; json?: boolean | undefined };
}

/** What the CLI never reaches: only moderator management runs here (no sockets, messages or webhooks). */
const offline = (): never => {
  throw new Error("not available in the CLI");
};

/**
 * `npm run app:moderator -- --app <id> --user <id|sub> [--remove]`: the same operation as
 * `PUT/DELETE /v1/server/moderators/:sub`, through the same service, for the operator (the caller
 * is the app as `server: "cli"`, which the audit log records).
 */
export async function moderatorCli({ db, apps, values }: ModeratorCliRun): Promise<number> {
  if (!values.app) throw new AppError("validation_failed", "--app app_... is required");
  const app = await apps.lookup(values.app);
  const uow = new UnitOfWork(db, new EventLog(db));
  const users = new UsersService({ db, uow, apps });
  const moderation = new ModerationService({
    db,
    uow,
    gate: new ModerationGate(db),
    users,
    conversations: { requireInApp: offline, expel: offline },
    messages: { get: offline, remove: offline },
    sessions: { endAllSessions: offline },
    webhooks: { enqueue: offline },
    reportQuota: { consume: offline },
  });
  const caller = { appId: app.id, server: "cli" };
  const out = (json: unknown, text: string): void => void (values.json ? process.stdout.write(JSON.stringify(json) + "\n") : console.log(text));
  if (values.list) {
    const list = await moderation.listModerators(caller);
    out(list, list.length ? list.map((m) => `${m.userId}  ${m.sub ?? "(no sub)"}  since ${m.since}`).join("\n") : "No moderators");
    return 0;
  }
  if (!values.user) throw new AppError("validation_failed", "--user <user id or sub> is required (or --list)");
  // A Parley user id first, else the host's id (sub).
  const user = (await users.get(app.id, values.user).catch(() => null)) ?? (await users.findBySub(app.id, values.user));
  if (!user) throw new AppError("not_found", `App ${app.id} has no user ${values.user}`);
  const on = !values.remove;
  await moderation.setModerator(caller, { userId: user.id, moderator: on });
  out(
    { userId: user.id, moderator: on },
    `${user.id}${user.externalId ? ` (${user.externalId})` : ""} is ${on ? "now a moderator" : "no longer a moderator"} of app ${app.id}`,
  );
  return 0;
}
