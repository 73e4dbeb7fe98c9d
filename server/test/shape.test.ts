/**
 * Checks of the server's shape, read from its sources (no server started):
 * - no import cycle in server/src;
 * - domain code (services, entities, schemas, presenters) never imports the transports (http/, realtime/);
 * - one write path: only the unit of work (db/unit-of-work.ts) opens transactions, appends events to
 *   the log and publishes them;
 * - layers read top to bottom: a migration imports only db/migrations/ (its helpers and frozen
 *   copies), ops/ is imported only by itself, the composition root and the transports, and db/
 *   imports only db/ and shared/ (no entity, no domain: the entity and migration lists are schema.ts's).
 *
 * Imports are read from `import … from`, `export … from`, side-effect `import "…"` and `import("…")`
 * (type queries included). Type-only imports count too: a type cycle is still two modules that
 * cannot be understood (or moved) apart, and `Services` reached from a domain file through a type is
 * exactly how the old cycle around services.ts was made. Only relative specifiers are followed.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { cycles } from "../../scripts/test/import-graph.js";

const SRC = path.resolve(import.meta.dirname, "../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** The source without comments (strings are kept: specifiers are strings). */
function code(file: string): string {
  return readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Relative imports of a file, as paths relative to SRC (`messages/messages.service.ts`). */
function importsOf(file: string): string[] {
  return importsIn(code(file), file);
}

/** Relative imports of source text `src` (comments removed) read as if it were `file`. */
function importsIn(src: string, file: string): string[] {
  const specs = new Set<string>();
  for (const m of src.matchAll(/(?:^|[;}\n])\s*(?:import|export)\b[^;"'`]*?["']([^"']+)["']/g)) specs.add(m[1]!);
  for (const m of src.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.add(m[1]!);
  return [...specs].filter((s) => s.startsWith(".")).map((s) => path.relative(SRC, path.resolve(path.dirname(file), s.replace(/\.js$/, ".ts"))));
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [path.relative(SRC, f), importsOf(f)]));

/** Folders of domain code: their files other than routes and socket handlers are the domain. */
const DOMAINS = [
  "auth",
  "contacts",
  "conversations",
  "events",
  "messages",
  "presence",
  "tenancy",
  "uploads",
  "users",
  "shared",
  "db",
  "server-api",
  "webhooks",
  "data-rights",
  "moderation",
  "threads",
  "search",
  "push",
  "console",
  "usage",
  "pins",
  "polls",
  "previews",
  "voice",
  "calls",
  "drafts",
];
const TRANSPORT = /^(http|realtime)\//;
const isEdge = (f: string): boolean => /\.(routes|socket)\.ts$/.test(f);

/** What only the unit of work (and the Transactor under it) may do, and who may do it. */
const RULES: { what: string; pattern: RegExp; allowed: string[] }[] = [
  { what: "opens a transaction", pattern: /\.(transaction|startTransaction|commitTransaction)\(/, allowed: ["db/transaction.ts"] },
  { what: "builds a Transactor", pattern: /\bnew Transactor\(/, allowed: ["db/unit-of-work.ts"] },
  { what: "imports the Transactor", pattern: /["']\.{1,2}\/(db\/)?transaction\.js["']/, allowed: ["db/unit-of-work.ts"] },
  { what: "appends to the event log", pattern: /\.append\(/, allowed: ["db/unit-of-work.ts"] },
  // scale/ publishes on Redis (presence changes through scale/redis.ts's PUBLISH or SPUBLISH): not our events.
  { what: "publishes events", pattern: /\.publish\(/, allowed: ["db/unit-of-work.ts", "scale/redis-presence.ts", "scale/redis.ts"] },
  // Writes through a repository or the DataSource itself (not a unit's manager `m`). The apps
  // and server keys tables' operator commands run in the CLI, a process with no event log or sockets;
  // the console's tables (console/) are the server's own people and carry no chat events.
  {
    what: "writes outside a unit of work",
    pattern:
      /\b(?:repo|\w+Repo|db|manager)\s*\.\s*(?:insert|update|delete|save|remove|upsert|increment|decrement)\(|\b(?:repo|\w+Repo|db|manager)\s*\.\s*createQueryBuilder\([^)]*\)\s*\.\s*(?:insert|update|delete)\(|\b(?:db|manager)\s*\.\s*getRepository\([^)]*\)\s*\.\s*(?:insert|update|delete|save|remove|upsert)\(|\b(?:repo|\w+Repo|db|manager)\s*\.\s*query\(\s*["'`]\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b/,
    allowed: [
      "tenancy/apps.service.ts",
      "tenancy/app-deletion.ts",
      "ops/database.ts",
      "server-api/server-keys.service.ts",
      "console/sessions.ts",
      "console/console.service.ts",
      "console/console-members.service.ts",
      "console/access.ts",
    ],
  },
];

/**
 * A write through a field typed as a repository, whatever its name (`this.roles.update(…)`), which
 * the pattern above, keyed on names like `repo`, would miss: the first found, or null.
 */
function repositoryWrite(src: string): string | null {
  for (const [, name] of src.matchAll(/\b(\w+)\s*[!?]?:\s*Repository</g)) {
    const m = new RegExp(`\\bthis\\s*\\.\\s*${name}\\s*\\.\\s*(insert|update|delete|save|remove|upsert|increment|decrement)\\(`).exec(src);
    if (m) return `this.${name}.${m[1]}(`;
  }
  return null;
}

/** A domain file, as the transport rule has it: in a domain folder, and not a route or socket handler. */
const isDomain = (f: string): boolean => DOMAINS.includes(f.split("/")[0]!) && !isEdge(f);
const isMigration = (f: string): boolean => f.startsWith("db/migrations/");
/** Who may import ops/: ops/ itself, the composition root, and the transports. */
const OPS_USERS = /^(ops\/|http\/|realtime\/|services\.ts$|main\.ts$|cli\.ts$)/;

/** Layers, read top to bottom: the files a rule covers, and what those files may import. */
const LAYERS: { rule: string; covers: (f: string) => boolean; mayImport: (dep: string) => boolean }[] = [
  // Live code changes; a released migration must not change with it. No allow-list, not even
  // db/sql.ts: what a migration needs is copied into db/migrations/ (helpers.ts, frozen copies).
  { rule: "a migration imports nothing but migration helpers (db/migrations/)", covers: isMigration, mayImport: isMigration },
  // Every domain file is covered (checked in the sanity test below); so are scale/, demo/, config.ts.
  {
    rule: "ops/ wraps: no domain file imports it (only ops/, the composition root and the transports)",
    covers: (f) => !OPS_USERS.test(f),
    mayImport: (d) => !d.startsWith("ops/"),
  },
  { rule: "db/ imports no entity and no domain folder (only db/ and shared/)", covers: (f) => f.startsWith("db/"), mayImport: (d) => /^(db|shared)\//.test(d) },
];

/** The imports in `g` that break `layer`, as `file -> dep`. */
function breaking(g: Map<string, string[]>, layer: (typeof LAYERS)[number]): string[] {
  return [...g].filter(([f]) => layer.covers(f)).flatMap(([f, deps]) => deps.filter((d) => !layer.mayImport(d)).map((d) => `${f} -> ${d}`));
}

describe("the shape of server/src", () => {
  test("the import reader sees the imports (sanity)", () => {
    assert.ok(graph.size > 50, `${graph.size} files`);
    assert.ok(graph.get("main.ts")!.includes("services.ts"), "main.ts imports services.ts");
    assert.ok(graph.get("http/app.ts")!.length > 10);
    assert.ok(
      cycles(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
        ]),
      ).length === 1,
    );
  });

  test("has no import cycle", () => {
    assert.deepEqual(cycles(graph), [], "import cycles in server/src");
  });

  test("domain code never imports from http/ or realtime/", () => {
    const wrong = [...graph]
      .filter(([f]) => DOMAINS.includes(f.split("/")[0]!) && !isEdge(f))
      .flatMap(([f, deps]) => deps.filter((d) => TRANSPORT.test(d)).map((d) => `${f} -> ${d}`));
    assert.deepEqual(wrong, []);
  });

  test("has one write path: transactions, event appends, publishing and writes only through the unit of work", () => {
    const wrong: string[] = [];
    for (const file of files) {
      const rel = path.relative(SRC, file);
      const src = code(file);
      for (const r of RULES) if (r.pattern.test(src) && !r.allowed.includes(rel)) wrong.push(`${rel} ${r.what}`);
      const direct = RULES.find((r) => r.what === "writes outside a unit of work")!;
      if (repositoryWrite(src) && !direct.allowed.includes(rel)) wrong.push(`${rel} ${direct.what} (${repositoryWrite(src)})`);
    }
    assert.deepEqual(wrong, []);
  });

  test("the write-path check sees writes through a repository field of any name (sanity)", () => {
    const src = "private readonly roles: Repository<RoleEntity>;\nprivate readonly seen = new Map();\nf() { this.seen.delete(x); }";
    assert.equal(repositoryWrite(src), null);
    assert.equal(repositoryWrite(`${src}\ng() { return this.roles\n  .upsert(row, ["id"]); }`), "this.roles.upsert(");
  });

  test("the write-path check sees what it looks for (sanity)", () => {
    const uow = code(path.join(SRC, "db/unit-of-work.ts"));
    assert.match(uow, /\bnew Transactor\(/);
    assert.match(uow, /\.append\(/);
    assert.match(uow, /\.publish\(/);
    assert.match(code(path.join(SRC, "messages/send-writer.ts")), /\buow\.commit\(/, "the send batch is a unit of work");
    const direct = RULES.find((r) => r.what === "writes outside a unit of work")!.pattern;
    for (const write of [
      "this.repo.insert(row)",
      "this.db\n  .getRepository(UserEntity)\n  .update({ id }, {})",
      'db.query("DELETE FROM x")',
      "this.refreshRepo.createQueryBuilder().insert()",
    ]) {
      assert.match(write, direct, write);
    }
    for (const inUnit of ["m.getRepository(UserEntity).update({ id }, {})", "m.insert(UserEntity, row)", 'db.query("SELECT 1")', "this.cache.delete(id)"]) {
      assert.doesNotMatch(inUnit, direct, inUnit);
    }
  });

  for (const layer of LAYERS) {
    test(`layers read top to bottom: ${layer.rule}`, () => {
      assert.deepEqual(breaking(graph, layer), []);
    });
  }

  test("the layer checks see what they look for (sanity)", () => {
    const [migrations, ops, db] = LAYERS as [(typeof LAYERS)[number], (typeof LAYERS)[number], (typeof LAYERS)[number]];
    // Today's imports each rule must see and allow.
    const sees = (from: string, to: string): void => assert.ok(graph.get(from)?.includes(to), `${from} -> ${to}`);
    sees("db/migrations/1763930000000-Search.ts", "db/migrations/search-terms-1763930000000.ts");
    sees("db/migrations/1763930000000-Search.ts", "db/migrations/helpers.ts");
    sees("realtime/realtime.ts", "ops/hooks.ts");
    sees("services.ts", "ops/hooks.ts");
    sees("main.ts", "schema.ts");
    sees("schema.ts", "messages/message.entity.ts");
    sees("schema.ts", "db/migrations/1763930000000-Search.ts");
    sees("db/db-errors.ts", "shared/errors.ts");
    sees("events/event-log.ts", "db/unit-of-work.ts");
    assert.ok([...graph.keys()].filter(isMigration).length >= 18, "every migration is covered");
    assert.ok([...graph.keys()].filter((f) => f.startsWith("db/")).length >= 25, "db/ is covered");
    const domain = [...graph.keys()].filter(isDomain);
    assert.ok(domain.length > 50 && domain.includes("messages/messages.service.ts"), `${domain.length} domain files`);
    for (const f of domain) assert.ok(ops.covers(f), `the ops rule covers the domain file ${f}`);
    for (const f of ["realtime/realtime.ts", "http/app.ts", "services.ts", "main.ts", "cli.ts", "ops/metrics.ts"]) assert.ok(!ops.covers(f), f);
    // Broken inputs, read as if they were these files: each rule answers exactly its break.
    const fixture = (files: Record<string, string>): Map<string, string[]> =>
      new Map(Object.entries(files).map(([rel, src]) => [rel, importsIn(src, path.join(SRC, rel))]));
    const broken = fixture({
      "db/migrations/1763930000000-Search.ts":
        'import type { QueryRunner } from "typeorm";\nimport { isMysql } from "./helpers.js";\nimport { documentText } from "../../search/terms.js";\nimport { rowMarks } from "../sql.js";',
      "messages/messages.service.ts": 'import { insertIgnoring } from "../db/insert-ignoring.js";\nimport { measuredSendBatch } from "../ops/hooks.js";',
      "db/data-source.ts":
        'import { dialectOf } from "./sql.js";\nimport { MessageEntity } from "../messages/message.entity.js";\nexport { EventLog } from "../events/event-log.js";',
    });
    assert.deepEqual(breaking(broken, migrations), [
      "db/migrations/1763930000000-Search.ts -> search/terms.ts",
      "db/migrations/1763930000000-Search.ts -> db/sql.ts",
    ]);
    assert.deepEqual(breaking(broken, ops), ["messages/messages.service.ts -> ops/hooks.ts"]);
    assert.deepEqual(breaking(broken, db), [
      "db/migrations/1763930000000-Search.ts -> search/terms.ts",
      "db/data-source.ts -> messages/message.entity.ts",
      "db/data-source.ts -> events/event-log.ts",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// One owner per table (issue 29). Every table says which folder owns it (the only one that may
// write it) and what an account deletion does to it, so a new table cannot be added without
// deciding both. Writes from other folders are refused, but for the ones listed in
// FOREIGN_WRITES: today's debt, each still to move behind its owner's participant functions. That
// list only shrinks: an entry that no longer happens fails too, so a fix removes it.
// ---------------------------------------------------------------------------------------------

interface TableRule {
  /** The folder under server/src that owns (writes) the table. */
  owner: string;
  /** What `DELETE /v1/me` (data-rights) does to the user's rows here. */
  onAccountDeletion: string;
}

const TABLES: Record<string, TableRule> = {
  apps: { owner: "tenancy", onAccountDeletion: "kept: the app's, not the user's" },
  users: { owner: "users", onAccountDeletion: "the row stays as a tombstone; profile, email, password and host id cleared" },
  refresh_tokens: { owner: "auth", onAccountDeletion: "revoked: every session ends first" },
  conversations: { owner: "conversations", onAccountDeletion: "kept; a group they owned gets an heir" },
  members: { owner: "conversations", onAccountDeletion: "their memberships removed (member.removed to each)" },
  conversation_data_index: { owner: "conversations", onAccountDeletion: "kept: the host's data about conversations" },
  messages: { owner: "messages", onAccountDeletion: "their messages become tombstones (no text, no data)" },
  reactions: { owner: "messages", onAccountDeletion: "theirs removed, and others' on their messages" },
  message_streams: { owner: "messages", onAccountDeletion: "their live streams' rows removed with the tombstones (the stream ends, unannounced)" },
  // A voice message is an upload: its length and waveform are columns of its row, and go with it.
  uploads: { owner: "uploads", onAccountDeletion: "their files and rows removed" },
  contacts: { owner: "contacts", onAccountDeletion: "both directions removed" },
  contact_requests: { owner: "contacts", onAccountDeletion: "sent and received removed (group invitations too)" },
  blocks: { owner: "contacts", onAccountDeletion: "theirs and of them removed" },
  events: { owner: "events", onAccountDeletion: "kept, their copies of the user rewritten as the tombstone" },
  message_search: { owner: "search", onAccountDeletion: "their messages' rows removed" },
  message_search_fts: { owner: "search", onAccountDeletion: "follows message_search (SQLite triggers)" },
  thread_follows: { owner: "threads", onAccountDeletion: "theirs removed" },
  message_mentions: { owner: "threads", onAccountDeletion: "of them and in their messages removed" },
  polls: { owner: "polls", onAccountDeletion: "the polls they asked go with their messages (tombstones)" },
  poll_votes: { owner: "polls", onAccountDeletion: "theirs removed, and all votes on their polls" },
  link_previews: { owner: "previews", onAccountDeletion: "the cached previews of their messages' URLs removed; the rest name no user and expire" },
  message_previews: { owner: "previews", onAccountDeletion: "their messages' previews removed (with the tombstones)" },
  message_pins: { owner: "pins", onAccountDeletion: "of their messages removed; theirs on others' messages kept (by names the tombstone)" },
  app_moderators: { owner: "moderation", onAccountDeletion: "kept until the app removes them (an app decision)" },
  moderation_sanctions: { owner: "moderation", onAccountDeletion: "kept: bans outlive the account" },
  moderation_slow_mode: { owner: "moderation", onAccountDeletion: "no user data" },
  moderation_word_filters: { owner: "moderation", onAccountDeletion: "no user data" },
  moderation_reports: { owner: "moderation", onAccountDeletion: "kept, their words (note, reported text) cleared" },
  moderation_audit: { owner: "moderation", onAccountDeletion: "kept: who did what, by id" },
  server_keys: { owner: "server-api", onAccountDeletion: "no user data" },
  webhook_endpoints: { owner: "webhooks", onAccountDeletion: "no user data" },
  webhook_settings: { owner: "webhooks", onAccountDeletion: "no user data" },
  webhook_deliveries: { owner: "webhooks", onAccountDeletion: "undelivered payloads rewritten as the tombstone" },
  webhook_unread: { owner: "webhooks", onAccountDeletion: "their row removed" },
  ops_probes: { owner: "ops", onAccountDeletion: "no user data" },
  push_settings: { owner: "push", onAccountDeletion: "no user data: the app's VAPID keys and text opt-in" },
  push_subscriptions: { owner: "push", onAccountDeletion: "theirs removed (each session's as it ends, then every one left)" },
  console_accounts: { owner: "console", onAccountDeletion: "no chat user data: console accounts are the server's people, not an app's users" },
  console_roles: { owner: "console", onAccountDeletion: "no chat user data (an app's deletion removes its roles)" },
  console_invites: { owner: "console", onAccountDeletion: "no chat user data (an app's deletion removes its links)" },
  console_sessions: { owner: "console", onAccountDeletion: "no chat user data" },
  usage_daily: { owner: "usage", onAccountDeletion: "kept: an app's counts per day, no one's identity" },
  usage_monthly: { owner: "usage", onAccountDeletion: "kept: an app's counts per month, no one's identity" },
  usage_active_users: { owner: "usage", onAccountDeletion: "their marks (active today, this month) removed; the counts stay" },
  usage_sockets: { owner: "usage", onAccountDeletion: "no user data: each node's socket peaks" },
  calls: {
    owner: "calls",
    onAccountDeletion: "kept: the conversation's call history (startedBy then names the tombstone); their live calls end first (dropped)",
  },
  call_participants: { owner: "calls", onAccountDeletion: "theirs removed, after their live calls ended" },
  email_settings: { owner: "email", onAccountDeletion: "no user data: the app's SMTP server, From, text opt-in, link and wait" },
  email_recipients: { owner: "email", onAccountDeletion: "their row removed (address, preference, language)" },
  email_outbox: { owner: "email", onAccountDeletion: "their e-mails removed, sent or not" },
  agents: { owner: "agents", onAccountDeletion: "an agent whose own user is deleted is removed (its model connection and key)" },
  agent_settings: { owner: "agents", onAccountDeletion: "they leave the app's list of people to hand off to" },
  agent_handoffs: { owner: "agents", onAccountDeletion: "kept (the agent stays out of that conversation), no longer naming who asked" },
  ai_texts: { owner: "agents", onAccountDeletion: "the translations of their messages and the summaries of conversations they wrote in removed" },
  scheduled_messages: { owner: "scheduled", onAccountDeletion: "theirs removed (waiting, sent or failed): none is sent after" },
  reminders: { owner: "scheduled", onAccountDeletion: "theirs removed" },
  drafts: { owner: "drafts", onAccountDeletion: "theirs removed (of every conversation, left ones too)" },
  console_audit: { owner: "console", onAccountDeletion: "no chat user data: console actions on apps, keys and (later) users by id" },
};

/** Today's writes from outside a table's owner (file -> tables), to move behind the owners' participants. */
const FOREIGN_WRITES: Record<string, string[]> = {};

/** Tables each file writes, read from its source: raw SQL statements and TypeORM's write calls on an entity. */
function writesIn(src: string, entityTable: Map<string, string>): Set<string> {
  const tables = new Set<string>();
  const table = (name: string): string => entityTable.get(name) ?? name;
  for (const m of src.matchAll(/\b(?:INSERT\s+(?:IGNORE\s+)?INTO|REPLACE\s+INTO|DELETE\s+FROM|(?<!(?:KEY|FOR|DO)\s)UPDATE)\s+[`"]?(\w+)/g)) tables.add(m[1]!);
  for (const m of src.matchAll(/\.(?:insert|update|delete|upsert|save|remove|increment|decrement|softDelete)\(\s*(\w+Entity)\b/g)) tables.add(table(m[1]!));
  for (const m of src.matchAll(/getRepository\((\w+Entity)\)\s*\.(?:insert|update|delete|upsert|save|remove|increment|decrement)\(/g)) tables.add(table(m[1]!));
  for (const m of src.matchAll(/\b(?:insert|delete)\(\)\s*\.\s*(?:into|from)\(\s*(\w+Entity)\b/g)) tables.add(table(m[1]!));
  return tables;
}

describe("one owner per table", () => {
  const entityTable = new Map<string, string>();
  for (const f of files) for (const m of code(f).matchAll(/@Entity\(\{ name: "(\w+)" \}\)[\s\S]*?export class (\w+)/g)) entityTable.set(m[2]!, m[1]!);
  const migrated = new Set<string>();
  for (const f of files.filter((f) => path.relative(SRC, f).startsWith("db/migrations/"))) {
    for (const m of code(f).matchAll(/new Table\(\{\s*name:\s*"(\w+)"|CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF NOT EXISTS\s+)?(\w+)/g))
      migrated.add((m[1] ?? m[2])!);
  }
  const writes = new Map<string, Set<string>>();
  for (const f of files) {
    const rel = path.relative(SRC, f);
    if (rel.startsWith("db/migrations/")) continue;
    const w = writesIn(code(f), entityTable);
    if (w.size > 0) writes.set(rel, w);
  }

  test("the readers see the tables and the writes (sanity)", () => {
    assert.equal(entityTable.get("MessageEntity"), "messages");
    assert.ok(entityTable.size >= 25, `${entityTable.size} entities`);
    for (const t of ["apps", "messages", "message_search", "message_search_fts", "ops_probes", "webhook_settings"])
      assert.ok(migrated.has(t), `migrations create ${t}`);
    assert.deepEqual([...(writes.get("messages/send-writer.ts") ?? [])].includes("messages"), true);
    assert.ok(writes.get("conversations/forget.ts")?.has("members"), "raw DELETE FROM members");
    assert.ok(writes.get("tenancy/sequence.ts")?.has("apps"), "raw UPDATE apps");
    assert.ok(!writes.has("data-rights/deletion.ts"), "account deletion only sequences the owners' participants");
    assert.ok(writes.get("users/users.service.ts")?.has("users"), "m.update(UserEntity, …)");
    const probe = writesIn(
      'await m.query("INSERT INTO ops_probes (node) VALUES (?) ON DUPLICATE KEY UPDATE at = 1"); m.update(MessageEntity, {}, {}); qb.delete().from(ReactionEntity); "SELECT 1 FOR UPDATE x"; "ON CONFLICT (a) DO UPDATE SET b = 1"',
      entityTable,
    );
    assert.deepEqual([...probe].sort(), ["messages", "ops_probes", "reactions"]);
  });

  test("every table has an owner and says what an account deletion does to it", () => {
    const known = new Set(Object.keys(TABLES));
    const missing = [...new Set([...entityTable.values(), ...migrated])].filter((t) => !known.has(t)).sort();
    assert.deepEqual(missing, [], "tables without an entry in shape.test.ts TABLES (owner and onAccountDeletion)");
    const stale = [...known].filter((t) => !migrated.has(t) && ![...entityTable.values()].includes(t));
    assert.deepEqual(stale, [], "TABLES entries of no table");
    for (const [t, rule] of Object.entries(TABLES))
      assert.ok(
        graph.has(`${rule.owner}/`) || files.some((f) => path.relative(SRC, f).startsWith(`${rule.owner}/`)),
        `${t}: owner folder ${rule.owner}/ exists`,
      );
  });

  test("a table is written only by its owner folder (today's exceptions listed, and only shrinking)", () => {
    const foreign: string[] = [];
    for (const [file, tables] of writes) {
      const folder = file.split("/")[0]!;
      for (const t of tables) {
        const rule = TABLES[t];
        if (!rule || rule.owner === folder) continue;
        if (FOREIGN_WRITES[file]?.includes(t)) continue;
        foreign.push(`${file} writes ${t} (owner: ${rule.owner}/)`);
      }
    }
    assert.deepEqual(foreign, [], "call the owner's participant function (taking the unit of work) instead");
    const gone: string[] = [];
    for (const [file, tables] of Object.entries(FOREIGN_WRITES)) for (const t of tables) if (!writes.get(file)?.has(t)) gone.push(`${file} -> ${t}`);
    assert.deepEqual(gone, [], "fixed: remove these from FOREIGN_WRITES");
  });
});
