import "reflect-metadata";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { DataSource } from "typeorm";
import { loadConfig, type Config } from "./config.js";
import { migrate, MigrationError, migrationStates, openDatabaseAsIs } from "./ops/database.js";
import { describeDatabaseError } from "./ops/startup.js";
import { SCHEMA } from "./schema.js";
import { AppError } from "./shared/errors.js";
import { deleteAppWithData } from "./tenancy/app-deletion.js";
import type { AppEntity } from "./tenancy/app.entity.js";
import { AppsService, MAX_SECRET_GRACE_MS } from "./tenancy/apps.service.js";
import { DiskStorage } from "./uploads/storage.js";
import { WEBHOOK_USAGE, webhookCli } from "./webhooks/webhooks.cli.js";
import { KEY_USAGE, keyCli, KeyUsageError } from "./server-api/server-keys.cli.js";
import { MODERATOR_USAGE, moderatorCli } from "./moderation/moderation.cli.js";
import { PUSH_USAGE, pushCli } from "./push/push.cli.js";
import { CONSOLE_USAGE, consoleInviteCli } from "./console/console.cli.js";

const USAGE = `Usage (npm run <command> -- <options>):
  app:create        --name "Shop" --origin https://shop.example [--origin ...] [--json]
  app:list          [--json]
  app:update        --id app_... [--name "New name"] [--origin https://... ...] [--add-origin ...] [--remove-origin ...]
                    [--voice-max-seconds 120|default] [--json]
                    (--origin replaces the whole list; --add-origin / --remove-origin change it)
  app:rotate-secret --id app_... [--grace 24h] [--json]
                    (host tokens signed with the old secret verify until the grace period ends; 0 ends it now)
  app:previews      --id app_... [--previews on|off] [--allow host ...|none] [--deny host ...|none] [--json]
                    (link previews: on/off, hosts fetched from (empty: any) and never fetched from;
                     a host is example.com exactly or *.example.com for its subdomains; no change: shows them)
  app:disable       --id app_...       (its requests and sockets are refused; data kept)
  app:enable        --id app_...
  app:delete        --id app_... --confirm app_...   (deletes the app with all its users, messages and files)
  migrate           apply pending database migrations
  migrate:status    [--json]  list migrations and whether each is applied
  migrate:revert    undo the last applied migration (its down())
  migrate:new       --name AddSomething   write a new migration file to fill in
${KEY_USAGE}
${WEBHOOK_USAGE}
${MODERATOR_USAGE}
${PUSH_USAGE}
${CONSOLE_USAGE}`;

/** Bad input: printed as one line with no stack, and a non-zero exit. */
class UsageError extends Error {}

const OPTIONS = {
  id: { type: "string" },
  name: { type: "string" },
  origin: { type: "string", multiple: true },
  "add-origin": { type: "string", multiple: true },
  "remove-origin": { type: "string", multiple: true },
  grace: { type: "string" },
  confirm: { type: "string" },
  // app:update: the longest voice message, in seconds, or "default" (the server's VOICE_MAX_SECONDS)
  "voice-max-seconds": { type: "string" },
  json: { type: "boolean" },
  // app:key (the app; --id is the key there), and app:webhook, which takes --id like the other app commands or --app like app:key
  app: { type: "string" },
  // app:webhook
  url: { type: "string" },
  event: { type: "string", multiple: true },
  endpoint: { type: "string" },
  "from-seq": { type: "string" },
  status: { type: "string" },
  "unread-after": { type: "string" },
  // app:moderator
  user: { type: "string" },
  remove: { type: "boolean" },
  list: { type: "boolean" },
  // app:push
  text: { type: "string" },
  // app:previews
  previews: { type: "string" },
  allow: { type: "string", multiple: true },
  deny: { type: "string", multiple: true },
  // console:invite
  email: { type: "string" },
  role: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>>["values"];

/** Commands that take an action first (`app:webhook -- add --id ...`). */
const WITH_ACTION = new Set(["webhook", "key", "push"]);

/** Commands that touch no database. */
const OFFLINE = new Set(["migrate:new", "help"]);

/** Manages apps (host sites) and the schema of the configured database (DATABASE_URL / DATA_DIR). */
async function cli(argv: string[]): Promise<number> {
  const [given = "help", ...rest] = argv;
  // `npm run app:update` runs `cli.ts update`; `cli.ts app:update` (as the usage names it) works too.
  const command = given.replace(/^app:/, "");
  let values: Values;
  let action: string | undefined;
  try {
    const parsed = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: WITH_ACTION.has(command) });
    values = parsed.values;
    action = parsed.positionals[0];
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split("\n")[0]} (--help for usage)`);
  }
  if (values.help || command === "help" || command === "--help") {
    console.log(USAGE);
    return 0;
  }
  if (command === "migrate:new") return newMigration(values);
  const config = loadConfig();
  if (OFFLINE.has(command) || !COMMANDS[command]) throw new UsageError(`Unknown command "${command}" (--help lists them)`);
  const sqliteFile = path.join(config.dataDir, "parley.sqlite");
  // migrate and migrate:status look at the database as it is; app commands need the current schema:
  // they apply pending migrations unless MIGRATE_ON_START=0 says migrations are an explicit step.
  const applyMigrations = !command.startsWith("migrate") && config.migrateOnStart;
  let db: DataSource;
  try {
    db = await openDatabaseAsIs({ url: config.databaseUrl, sqliteFile }, SCHEMA, { migrate: applyMigrations });
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new UsageError(describeDatabaseError(err, { databaseUrl: config.databaseUrl, sqliteFile, redisUrl: undefined, host: "", port: 0 }));
  }
  try {
    if (!command.startsWith("migrate")) {
      const pending = (await migrationStates(db)).filter((m) => !m.applied);
      if (pending.length) throw new UsageError(`${pending.length} migration(s) pending: run npm run migrate first`);
    }
    return await COMMANDS[command]!({ db, config, values, action, apps: new AppsService(db) });
  } finally {
    await db.destroy();
  }
}

interface Run {
  db: DataSource;
  config: Readonly<Config>;
  values: Values;
  /** The action of a command that takes one (WITH_ACTION). */
  action: string | undefined;
  apps: AppsService;
}

const COMMANDS: Record<string, (r: Run) => Promise<number>> = {
  async create({ apps, values }) {
    const name = requireName(values.name, true)!;
    const app = await apps.create({ name, allowedOrigins: values.origin ?? [] });
    if (values.json) printJson({ id: app.id, secret: app.secret });
    else console.log(`Created app "${app.name}"\n  id:      ${app.id}\n  secret:  ${app.secret}\n  origins: ${originsText(app)}`);
    return 0;
  },

  async list({ apps, values }) {
    const list = await apps.list();
    if (values.json) printJson(list.map(describe));
    else if (list.length === 0) console.log('No apps yet: npm run app:create -- --name "Shop" --origin https://shop.example');
    else for (const a of list) console.log(`${a.id}  ${a.name}  ${originsText(a)}${a.disabledAt !== null ? "  [disabled]" : ""}`);
    return 0;
  },

  async update({ apps, values }) {
    const id = requireId(values.id);
    const name = requireName(values.name, false);
    const adds = values["add-origin"] ?? [];
    const removes = values["remove-origin"] ?? [];
    const voice = values["voice-max-seconds"];
    if (name === undefined && !values.origin && adds.length === 0 && removes.length === 0 && voice === undefined) {
      throw new UsageError("Nothing to change: give --name, --origin, --add-origin, --remove-origin or --voice-max-seconds");
    }
    const voiceMaxSeconds = voice === undefined ? undefined : voice === "default" ? null : Number(voice);
    if (voiceMaxSeconds !== undefined && voiceMaxSeconds !== null && !(Number.isInteger(voiceMaxSeconds) && voiceMaxSeconds >= 1 && voiceMaxSeconds <= 3600)) {
      throw new UsageError("--voice-max-seconds: whole seconds from 1 to 3600, or default");
    }
    let origins = values.origin;
    if (adds.length || removes.length) {
      const current = origins ?? (await apps.lookup(id)).allowedOrigins;
      const missing = removes.filter((o) => !current.includes(o) && !current.includes(safeOrigin(o)));
      if (missing.length) throw new UsageError(`Not among the app's origins: ${missing.join(", ")}`);
      origins = [...current.filter((o) => !removes.includes(o) && !removes.map(safeOrigin).includes(o)), ...adds];
    }
    const app = await apps.update(id, {
      ...(name !== undefined ? { name } : {}),
      ...(origins ? { allowedOrigins: origins } : {}),
      ...(voiceMaxSeconds !== undefined ? { voiceMaxSeconds } : {}),
    });
    if (values.json) printJson(describe(app));
    else
      console.log(
        `Updated app ${app.id}\n  name:    ${app.name}\n  origins: ${originsText(app)}${voiceMaxSeconds !== undefined ? `\n  voice messages: ${app.voiceMaxSeconds === null ? "the server's longest" : `at most ${app.voiceMaxSeconds} s`}` : ""}`,
      );
    return 0;
  },

  async "rotate-secret"({ apps, values }) {
    const id = requireId(values.id);
    const graceMs = parseDuration(values.grace ?? "24h");
    const app = await apps.rotateSecret(id, graceMs);
    const until = app.previousSecretUntil === null ? null : new Date(app.previousSecretUntil).toISOString();
    if (values.json) printJson({ id: app.id, secret: app.secret, previousSecretValidUntil: until });
    else console.log(`New secret for app ${app.id}\n  secret:  ${app.secret}\n  old secret: ${until ? `still accepted until ${until}` : "no longer accepted"}`);
    return 0;
  },

  async previews({ apps, values }) {
    const id = requireId(values.id);
    const on = values.previews;
    if (on !== undefined && on !== "on" && on !== "off") throw new UsageError("--previews: on or off");
    const list = (given: string[] | undefined): string[] | undefined => (given === undefined ? undefined : given.includes("none") ? [] : given);
    const allow = list(values.allow);
    const deny = list(values.deny);
    const app =
      on === undefined && allow === undefined && deny === undefined
        ? await apps.lookup(id)
        : await apps.update(id, {
            ...(on !== undefined ? { linkPreviews: on === "on" } : {}),
            ...(allow !== undefined ? { previewAllow: allow } : {}),
            ...(deny !== undefined ? { previewDeny: deny } : {}),
          });
    const settings = { id: app.id, linkPreviews: app.linkPreviews !== false, previewAllow: app.previewAllow ?? [], previewDeny: app.previewDeny ?? [] };
    if (values.json) printJson(settings);
    else
      console.log(
        `Link previews of app ${app.id}: ${settings.linkPreviews ? "on" : "off"}\n  fetched from: ${settings.previewAllow.join(", ") || "any host"}\n  never from:   ${settings.previewDeny.join(", ") || "-"}`,
      );
    return 0;
  },

  async disable({ apps, values }) {
    const app = await apps.setDisabled(requireId(values.id), true);
    console.log(`Disabled app ${app.id} ("${app.name}"): its requests and sockets are refused within seconds. npm run app:enable -- --id ${app.id} undoes it.`);
    return 0;
  },

  async enable({ apps, values }) {
    const app = await apps.setDisabled(requireId(values.id), false);
    console.log(`Enabled app ${app.id} ("${app.name}")`);
    return 0;
  },

  async delete({ db, apps, config, values }) {
    const id = requireId(values.id);
    const app = await apps.lookup(id);
    if (values.confirm !== id) {
      throw new UsageError(`app:delete removes app ${id} ("${app.name}") with all its users, messages and files, for good: run it again with --confirm ${id}`);
    }
    const storage = new DiskStorage(config.uploadDir);
    const gone = await deleteAppWithData(db, apps, storage, id);
    const counts = Object.entries(gone.rows)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${n} ${t}`)
      .join(", ");
    if (values.json) printJson({ id, ...gone });
    else console.log(`Deleted app ${id} ("${app.name}"): ${counts}; ${gone.files} file(s)`);
    return 0;
  },

  async key({ db, apps, values, action }) {
    return keyCli({ db, apps, action, appId: values.app, values });
  },

  async webhook({ db, config, apps, values, action }) {
    return webhookCli({ db, config: config.webhooks, apps, action, appId: requireId(values.app ?? values.id), values });
  },

  async moderator({ db, apps, values }) {
    return moderatorCli({ db, apps, values });
  },

  async push({ db, config, apps, values, action }) {
    return pushCli({ db, config: config.push, apps, action, appId: requireId(values.id ?? values.app), values });
  },

  async "console:invite"({ db, apps, config, values }) {
    const base = values.url ?? `http://localhost:${config.port}`;
    if (!/^https?:\/\/[^/]+$/.test(base)) throw new UsageError(`--url "${base}" is not an origin like https://chat.example`);
    return consoleInviteCli({ db, apps, base, values });
  },

  async migrate({ db }) {
    const applied = await migrate(db);
    console.log(
      applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((n) => `  ${n}`).join("\n")}` : "Database is up to date: no migration pending",
    );
    return 0;
  },

  async "migrate:revert"({ db }) {
    const applied = (await migrationStates(db)).filter((m) => m.applied);
    const last = applied.at(-1);
    if (!last) throw new UsageError("No migration is applied: nothing to revert");
    await db.undoLastMigration({ transaction: "each" });
    console.log(`Reverted ${last.name}`);
    return 0;
  },

  async "migrate:status"({ db, values }) {
    const states = await migrationStates(db);
    if (values.json) printJson(states);
    else {
      for (const m of states) console.log(`${m.applied ? "[x]" : "[ ]"} ${m.name}`);
      const pending = states.filter((m) => !m.applied).length;
      console.log(pending ? `${pending} pending: npm run migrate applies them` : "All applied");
    }
    return 0;
  },
};

/**
 * Writes `server/src/db/migrations/<timestamp>-<Name>.ts` with empty `up`/`down`, and says what to
 * add to MIGRATIONS in schema.ts (listed explicitly: globs break once bundled).
 */
function newMigration(values: Values): number {
  const name = values.name ?? "";
  if (!/^[A-Z][A-Za-z0-9]{2,60}$/.test(name)) throw new UsageError("--name must be PascalCase letters and digits, e.g. --name AddPinnedMessages");
  const timestamp = Date.now();
  // server/src/cli.ts and the bundled server/dist/cli.js both sit beside server/src.
  const dir = path.resolve(import.meta.dirname, "../src/db/migrations");
  if (!existsSync(dir)) throw new UsageError(`migrate:new writes into the source tree, and ${dir} does not exist here`);
  const file = path.join(dir, `${timestamp}-${name}.ts`);
  const cls = `${name}${timestamp}`;
  writeFileSync(
    file,
    `import type { MigrationInterface, QueryRunner } from "typeorm";

/** What this migration changes, and why. */
export class ${cls} implements MigrationInterface {
  name = "${cls}";

  async up(q: QueryRunner): Promise<void> {
    // Prefer the query runner's methods (addColumn, createIndex, helpers.ts createTable) to raw SQL:
    // they work on SQLite and MySQL alike. Give every column an explicit type. Import nothing of the
    // server but ./helpers.js (copy what else you need here): live code changes, a migration must not.
  }

  async down(q: QueryRunner): Promise<void> {
    // Undo up(), in reverse order.
  }
}
`,
    { flag: "wx" },
  );
  console.log(
    `Created ${path.relative(process.cwd(), file)}\nRegister it in server/src/schema.ts (MIGRATIONS is explicit, in timestamp order):\n` +
      `  import { ${cls} } from "./db/migrations/${timestamp}-${name}.js";\n  MIGRATIONS: [..., ${cls}]`,
  );
  return 0;
}

function requireId(id: string | undefined): string {
  if (!id) throw new UsageError("--id is required (npm run app:list shows the ids)");
  return id;
}

function requireName(name: string | undefined, required: boolean): string | undefined {
  if (name === undefined) {
    if (required) throw new UsageError("--name is required");
    return undefined;
  }
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 120) throw new UsageError("--name must be 1 to 120 characters");
  return trimmed;
}

/** `90s`, `30m`, `24h`, `7d` or `0`. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--grace "${text}" is not a duration like 30m, 24h or 7d (0 for none)`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[(m[2] ?? "s") as "s"];
  if (m[2] === undefined && ms !== 0) throw new UsageError(`--grace "${text}" needs a unit: s, m, h or d`);
  if (ms > MAX_SECRET_GRACE_MS) throw new UsageError("--grace can be at most 30d");
  return ms;
}

function safeOrigin(o: string): string {
  try {
    return new URL(o).origin;
  } catch {
    return o;
  }
}

function describe(a: AppEntity) {
  return {
    id: a.id,
    name: a.name,
    allowedOrigins: a.allowedOrigins,
    disabled: a.disabledAt !== null,
    previousSecretValidUntil: a.previousSecretUntil !== null && a.previousSecretUntil > Date.now() ? new Date(a.previousSecretUntil).toISOString() : null,
  };
}

const originsText = (a: AppEntity): string => a.allowedOrigins.join(", ") || "(none: server-side calls only)";
const printJson = (v: unknown): void => void process.stdout.write(JSON.stringify(v) + "\n");

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Every failure is one line on stderr: bad input, an unknown app, an unreachable database.
    const known =
      err instanceof UsageError ||
      err instanceof KeyUsageError ||
      err instanceof AppError ||
      err instanceof MigrationError ||
      (err instanceof Error && err.message.startsWith("Invalid configuration"));
    const message = err instanceof Error ? err.message : String(err);
    console.error(known ? `Error: ${message}` : `Error: ${message} (unexpected; please report it)`);
    process.exit(err instanceof UsageError || err instanceof KeyUsageError ? 2 : 1);
  },
);
