/**
 * Checks of the server's shape, read from its sources (no server started):
 * - no import cycle in server/src;
 * - domain code (services, entities, schemas, presenters) never imports the transports (http/, realtime/);
 * - one write path: only the unit of work (db/unit-of-work.ts) opens transactions, appends events to
 *   the log and publishes them.
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
  const src = code(file);
  const specs = new Set<string>();
  for (const m of src.matchAll(/(?:^|[;}\n])\s*(?:import|export)\b[^;"'`]*?["']([^"']+)["']/g)) specs.add(m[1]!);
  for (const m of src.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.add(m[1]!);
  return [...specs].filter((s) => s.startsWith(".")).map((s) => path.relative(SRC, path.resolve(path.dirname(file), s.replace(/\.js$/, ".ts"))));
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [path.relative(SRC, f), importsOf(f)]));

/** Every cycle's strongly connected component (Tarjan), each printed as one closed path through it. */
function cycles(g: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (g.get(v) ?? []).includes(v)) found.push(pathThrough(g, new Set(scc)));
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** One cycle inside a strongly connected component: a -> b -> … -> a. */
function pathThrough(g: Map<string, string[]>, scc: Set<string>): string[] {
  const start = [...scc].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of g.get(v) ?? []) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const out = [start];
        for (let x = v; x !== start; x = prev.get(x)!) out.splice(1, 0, x);
        return [...out, start];
      }
      if (!prev.has(w)) prev.set(w, v), queue.push(w);
    }
  }
  return [...scc];
}

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
];
const TRANSPORT = /^(http|realtime)\//;
const isEdge = (f: string): boolean => /\.(routes|socket)\.ts$/.test(f);

/** What only the unit of work (and the Transactor under it) may do, and who may do it. */
const RULES: { what: string; pattern: RegExp; allowed: string[] }[] = [
  { what: "opens a transaction", pattern: /\.(transaction|startTransaction|commitTransaction)\(/, allowed: ["db/transaction.ts"] },
  { what: "builds a Transactor", pattern: /\bnew Transactor\(/, allowed: ["db/unit-of-work.ts"] },
  { what: "imports the Transactor", pattern: /["']\.{1,2}\/(db\/)?transaction\.js["']/, allowed: ["db/unit-of-work.ts"] },
  { what: "appends to the event log", pattern: /\.append\(/, allowed: ["db/unit-of-work.ts"] },
  // scale/ publishes on Redis (presence changes, the socket adapter's stream): not our events.
  { what: "publishes events", pattern: /\.publish\(/, allowed: ["db/unit-of-work.ts", "scale/redis-presence.ts", "scale/streams-adapter.ts"] },
  // Writes through a repository or the DataSource itself (not a unit's manager `m`). The apps
  // and server keys tables' operator commands run in the CLI, a process with no event log or sockets.
  {
    what: "writes outside a unit of work",
    pattern:
      /\b(?:repo|\w+Repo|db|manager)\s*\.\s*(?:insert|update|delete|save|remove|upsert|increment|decrement)\(|\b(?:repo|\w+Repo|db|manager)\s*\.\s*createQueryBuilder\([^)]*\)\s*\.\s*(?:insert|update|delete)\(|\b(?:db|manager)\s*\.\s*getRepository\([^)]*\)\s*\.\s*(?:insert|update|delete|save|remove|upsert)\(|\b(?:repo|\w+Repo|db|manager)\s*\.\s*query\(\s*["'`]\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b/,
    allowed: ["tenancy/apps.service.ts", "tenancy/app-deletion.ts", "ops/database.ts", "server-api/server-keys.service.ts"],
  },
];

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
    const found = cycles(graph);
    assert.deepEqual(
      found.map((c) => c.join(" -> ")),
      [],
      "import cycles in server/src",
    );
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
    }
    assert.deepEqual(wrong, []);
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
});
