import type { DataSource } from "typeorm";
import { AppError } from "../shared/errors.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { ServerKeysService } from "./server-keys.service.js";

/** The `app:key` lines of the CLI's usage. */
export const KEY_USAGE = `  app:key           create --app app_... [--name "billing backend"] [--json]   (prints the key id and secret, once)
                    list   --app app_... [--json]
                    revoke --app app_... --id key_... [--json]   (the key, and host tokens it signed, stop working at once)`;

export interface KeyCliRun {
  db: DataSource;
  apps: AppsService;
  action: string | undefined;
  appId: string | undefined;
  values: { id?: string | undefined; name?: string | undefined; json?: boolean | undefined };
}

/** Thrown for bad input: the CLI prints it as one line and exits 2. */
export class KeyUsageError extends Error {}

/** `npm run app:key -- create|list|revoke --app <id> [--name] [--id <kid>] [--json]`: server keys of an app. */
export async function keyCli({ db, apps, action, appId, values }: KeyCliRun): Promise<number> {
  if (!appId) throw new KeyUsageError("--app app_... is required");
  const app = await apps.find(appId);
  if (!app) throw new AppError("not_found", `No app ${appId}`);
  const keys = new ServerKeysService(db);
  const print = (v: unknown): void => void process.stdout.write(JSON.stringify(v) + "\n");
  switch (action) {
    case "create": {
      const name = values.name?.trim() || null;
      if (name !== null && name.length > 120) throw new KeyUsageError("--name is at most 120 characters");
      const key = await keys.create(app.id, name);
      if (values.json) print({ id: key.id, appId: key.appId, name: key.name, secret: key.secret });
      else
        console.log(
          `Created server key for app ${app.id}${name ? ` ("${name}")` : ""}\n  id:     ${key.id}\n  secret: ${key.secret}\n  (the secret is shown only now)`,
        );
      return 0;
    }
    case "list": {
      const list = await keys.list(app.id);
      if (values.json)
        print(
          list.map((k) => ({
            ...k,
            createdAt: new Date(k.createdAt).toISOString(),
            revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
          })),
        );
      else if (list.length === 0) console.log(`No server keys yet: npm run app:key -- create --app ${app.id}`);
      else
        for (const k of list)
          console.log(
            `${k.id}  ${k.name ?? "(no name)"}  created ${new Date(k.createdAt).toISOString()}${k.revokedAt !== null ? `  [revoked ${new Date(k.revokedAt).toISOString()}]` : ""}`,
          );
      return 0;
    }
    case "revoke": {
      if (!values.id) throw new KeyUsageError("--id key_... is required");
      if (!(await keys.revoke(app.id, values.id))) throw new AppError("not_found", `App ${app.id} has no server key ${values.id}`);
      if (values.json) print({ id: values.id, revoked: true });
      else console.log(`Revoked server key ${values.id}`);
      return 0;
    }
    default:
      throw new KeyUsageError(`app:key needs an action: create, list or revoke${action ? ` (not "${action}")` : ""}`);
  }
}
