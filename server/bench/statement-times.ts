/**
 * `npm run bench -- --statement-times` (issue 56): loaded into Parley/SQLite with `--import`, it
 * times every statement better-sqlite3 runs and, when the process exits, writes the sums by
 * statement to the file PARLEY_STATEMENT_TIMES names. Where a send's time goes inside SQLite
 * (`COMMIT` against the statements before it) was measured three times by patching TypeORM in
 * node_modules; this is that timer, kept outside the server: the server's code does not change.
 *
 * It wraps the methods of better-sqlite3's Statement that run one (run, all, get) and Database.exec,
 * reached through a statement of an in-memory database: the server loads the same module (the
 * project's node_modules), so it shares the patched prototypes. A statement's key is its text with
 * whitespace collapsed and each run of placeholder groups, `(?, ?), (?, ?)`, folded into one, so a
 * batch's INSERT counts as one statement whatever its size.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** One statement's sums: how often it ran and its time inside better-sqlite3, in ms. */
export interface StatementTime {
  statement: string;
  calls: number;
  ms: number;
}

/** Where the sums go; without it, this module does nothing. */
const OUT = process.env["PARLEY_STATEMENT_TIMES"];
/** Statement keys are cut to this length (the start tells them apart). */
const KEY_CHARS = 120;

/** `INSERT ... VALUES (?, ?), (?, ?)` and `IN (?, ?, ?)` read the same whatever their number of placeholders. */
export function statementKey(sql: string): string {
  return sql
    .replace(/\s+/g, " ")
    .trim()
    .replace(/\(\?(?:, ?\?)*\)(?:, ?\(\?(?:, ?\?)*\))*/g, "(?..)")
    .replace(/\?(?:, ?\?)+/g, "?..")
    .slice(0, KEY_CHARS);
}

interface Timed {
  source?: string;
}

if (OUT) {
  // The server's better-sqlite3, resolved as the server resolves it (from the project's root).
  const require = createRequire(path.join(process.cwd(), "package.json"));
  const Database = require("better-sqlite3") as new (file: string) => { prepare(sql: string): object; close(): void; exec(sql: string): unknown };
  const probe = new Database(":memory:");
  const statement = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, (...args: unknown[]) => unknown>;
  const database = Object.getPrototypeOf(probe) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();

  const sums = new Map<string, { calls: number; ns: bigint }>();
  // A statement's text to its key, worked out once: the key's regular expressions stay off the clock.
  const keys = new Map<string, string>();
  const timed = (proto: Record<string, (...args: unknown[]) => unknown>, method: string, sqlOf: (self: Timed, args: unknown[]) => string): void => {
    const original = proto[method]!;
    proto[method] = function (this: Timed, ...args: unknown[]): unknown {
      const start = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const ns = process.hrtime.bigint() - start;
        const sql = sqlOf(this, args);
        let key = keys.get(sql);
        if (key === undefined) keys.set(sql, (key = statementKey(sql)));
        const sum = sums.get(key) ?? { calls: 0, ns: 0n };
        sum.calls++;
        sum.ns += ns;
        sums.set(key, sum);
      }
    };
  };
  for (const method of ["run", "all", "get"]) timed(statement, method, (self) => String(self.source));
  timed(database, "exec", (_self, args) => String(args[0]));

  // 'exit' runs on every way out but a kill: the server's own SIGTERM handler ends in process.exit.
  process.on("exit", () => {
    const statements: StatementTime[] = [...sums].map(([key, s]) => ({ statement: key, calls: s.calls, ms: Number(s.ns) / 1e6 })).sort((a, b) => b.ms - a.ms);
    writeFileSync(OUT, JSON.stringify({ statements }));
  });
}
