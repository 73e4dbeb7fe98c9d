import "reflect-metadata";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "./config.js";
import { openDatabase } from "./db/data-source.js";
import { AppsService } from "./tenancy/apps.service.js";

const USAGE = `Usage:
  npm run app:create -- --name "Shop" --origin https://shop.example [--origin ...] [--json]
  npm run app:list [-- --json]`;

/** Manages apps (host sites) in the configured database. */
async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: "string" }, origin: { type: "string", multiple: true }, json: { type: "boolean" } },
  });
  const config = loadConfig();
  const db = await openDatabase({ url: config.databaseUrl, sqliteFile: path.join(config.dataDir, "parley.sqlite") });
  try {
    const apps = new AppsService(db);
    if (command === "create") {
      const name = values.name?.trim();
      if (!name) throw new Error(`--name is required\n${USAGE}`);
      const app = await apps.create({ name, allowedOrigins: values.origin ?? [] });
      if (values.json) process.stdout.write(JSON.stringify({ id: app.id, secret: app.secret }) + "\n");
      else console.log(`Created app "${app.name}"\n  id:      ${app.id}\n  secret:  ${app.secret}\n  origins: ${app.allowedOrigins.join(", ") || "(none: server-side calls only)"}`);
      return 0;
    }
    if (command === "list") {
      const list = await apps.list();
      if (values.json) process.stdout.write(JSON.stringify(list.map((a) => ({ id: a.id, name: a.name, allowedOrigins: a.allowedOrigins }))) + "\n");
      else for (const a of list) console.log(`${a.id}  ${a.name}  ${a.allowedOrigins.join(", ")}`);
      return 0;
    }
    throw new Error(USAGE);
  } finally {
    await db.destroy();
  }
}

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
