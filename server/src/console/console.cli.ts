import type { DataSource } from "typeorm";
import { UnitOfWork } from "../db/unit-of-work.js";
import { EventLog } from "../events/event-log.js";
import { AppError } from "../shared/errors.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { ConsoleAccess } from "./access.js";
import { inviteBody } from "./console.schema.js";
import { CLI, ConsoleMembers } from "./console-members.service.js";

export const CONSOLE_USAGE = `  console:invite    --email ada@example.com --role operator [--url https://chat.example] [--json]
                    --email ... --role owner|admin|moderator|viewer --app app_... [--url ...] [--json]
                    (prints a one-time sign-up link for the console, good for a week; --url is this server's public origin)`;

export interface ConsoleCliInput {
  db: DataSource;
  apps: AppsService;
  /** The server's origin the link starts with. */
  base: string;
  values: { email?: string; role?: string; app?: string; json?: boolean };
}

/** `npm run console:invite -- --email … --role operator`: the first operator's (or anyone's) sign-up link. */
export async function consoleInviteCli({ db, apps, base, values }: ConsoleCliInput): Promise<number> {
  const parsed = inviteBody.safeParse({ email: values.email, role: values.role, ...(values.app ? { appId: values.app } : {}) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError("validation_failed", `--${issue.path[0] === "appId" ? "app" : String(issue.path[0] ?? "role")}: ${issue.message}`);
  }
  const members = new ConsoleMembers({ db, uow: new UnitOfWork(db, new EventLog(db)), apps, access: new ConsoleAccess({ db, apps }) });
  const invite = await members.invite(CLI, parsed.data, base);
  if (values.json) process.stdout.write(`${JSON.stringify(invite)}\n`);
  else
    console.log(
      `Sign-up link for ${parsed.data.email} (${parsed.data.role}${parsed.data.appId ? ` of ${parsed.data.appId}` : ""}), good until ${invite.expiresAt}:\n  ${invite.link}\n  (it works once; send it to them yourself)`,
    );
  return 0;
}
