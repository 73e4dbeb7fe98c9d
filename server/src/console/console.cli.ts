import type { DataSource } from "typeorm";
import { PasswordHasher } from "../auth/passwords.js";
import { ServerKeysService } from "../server-api/server-keys.service.js";
import { AppError } from "../shared/errors.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { ConsoleAccess } from "./access.js";
import { inviteBody } from "./console.schema.js";
import { CLI, ConsoleService } from "./console.service.js";
import { ConsoleSessions } from "./sessions.js";

export const CONSOLE_USAGE = `  console:invite    --email ada@example.com --role operator [--url https://chat.example] [--json]
                    --email ... --role owner|admin|moderator|viewer --app app_... [--url ...] [--json]
                    (prints a one-time sign-up link for the console, good for a week; --url is this server's public origin)`;

export interface ConsoleCliInput {
  db: DataSource;
  apps: AppsService;
  jwtSecret: string;
  /** The server's origin the link starts with. */
  base: string;
  values: { email?: string; role?: string; app?: string; json?: boolean };
}

/** A service the CLI never reaches (it only makes sign-up links): any method called on it throws. */
const notInCli = <T extends object>(): T =>
  new Proxy({} as T, {
    get: () => (): never => {
      throw new Error("not available in the CLI");
    },
  });

/** `npm run console:invite -- --email … --role operator`: the first operator's (or anyone's) sign-up link. */
export async function consoleInviteCli({ db, apps, jwtSecret, base, values }: ConsoleCliInput): Promise<number> {
  const parsed = inviteBody.safeParse({ email: values.email, role: values.role, ...(values.app ? { appId: values.app } : {}) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError("validation_failed", `--${issue.path[0] === "appId" ? "app" : String(issue.path[0] ?? "role")}: ${issue.message}`);
  }
  // (Sign-up needs no hashing here: the CLI only makes the link.)
  const console_ = new ConsoleService({
    db,
    sessions: new ConsoleSessions(db, jwtSecret),
    passwords: new PasswordHasher(4),
    apps,
    serverKeys: new ServerKeysService(db),
    // Only invite() runs here: the services behind the other pages are not built.
    webhooks: notInCli(),
    access: new ConsoleAccess({ db, apps }),
  });
  const invite = await console_.invite(CLI, parsed.data, base);
  if (values.json) process.stdout.write(`${JSON.stringify(invite)}\n`);
  else
    console.log(
      `Sign-up link for ${parsed.data.email} (${parsed.data.role}${parsed.data.appId ? ` of ${parsed.data.appId}` : ""}), good until ${invite.expiresAt}:\n  ${invite.link}\n  (it works once; send it to them yourself)`,
    );
  return 0;
}
