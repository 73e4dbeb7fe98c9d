import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { type StatementTime, statementKey } from "../bench/statement-times.js";

/**
 * `npm run bench -- --statement-times` (issue 56): Parley/SQLite is started with
 * `server/bench/statement-times.ts` preloaded, which times each of better-sqlite3's statements and
 * writes the sums at exit. Checked on a real better-sqlite3 database in a child process started as
 * the bench starts the server (`--import`, PARLEY_STATEMENT_TIMES): the calls are counted by
 * statement, a batch's INSERT of any size is one statement, a statement that throws still counts,
 * and nothing is written without the variable.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(os.tmpdir(), "statement-times-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What the child runs: the server's own better-sqlite3 (the project's), as Parley/SQLite does. */
const SCRIPT = `
import { createRequire } from "node:module";
const Database = createRequire(process.cwd() + "/package.json")("better-sqlite3");
const db = new Database(":memory:");
db.exec("CREATE TABLE t (a INTEGER UNIQUE, b INTEGER)");
db.prepare("INSERT INTO t (a, b) VALUES (?, ?), (?, ?)").run(1, 2, 3, 4);
db.prepare("INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)").run(5, 6, 7, 8, 9, 10);
try { db.prepare("INSERT INTO t (a, b) VALUES (?, ?)").run(1, 0); } catch { /* the UNIQUE violation, counted too */ }
const rows = db.prepare("SELECT a FROM t WHERE a IN (?, ?, ?)").all(1, 5, 9);
const one = db.prepare("SELECT count(*) AS n FROM t").get();
const patched = !String(Object.getPrototypeOf(db.prepare("SELECT 1")).run).includes("[native code]");
console.log(JSON.stringify({ rows: rows.length, n: one.n, patched }));
process.exit(0);
`;

async function runChild(out: string | undefined): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "--import", "./server/bench/statement-times.ts", "--input-type=module", "-e", SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, PARLEY_STATEMENT_TIMES: out ?? "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 0);
  return stdout;
}

describe("the bench's statement timer", () => {
  test("a statement's key folds its placeholder groups and whitespace", () => {
    assert.equal(statementKey("INSERT INTO t (a, b)\n  VALUES (?, ?), (?, ?),(?,?)"), "INSERT INTO t (a, b) VALUES (?..)");
    assert.equal(statementKey("SELECT a FROM t WHERE a IN (?, ?, ?) AND b = ?"), "SELECT a FROM t WHERE a IN (?..) AND b = ?");
    assert.equal(statementKey("UPDATE t SET b = ? WHERE a IN (?,?)"), "UPDATE t SET b = ? WHERE a IN (?..)");
    assert.equal(statementKey(`SELECT ${"x, ".repeat(100)}y`).length, 120);
  });

  test("the server's statements are timed and summed by statement, written at exit", async () => {
    const out = path.join(dir, "times.json");
    const printed = JSON.parse(await runChild(out)) as { rows: number; n: number; patched: boolean };
    // The patched methods still answer what they answered.
    assert.deepEqual(printed, { rows: 3, n: 5, patched: true });
    const { statements } = JSON.parse(readFileSync(out, "utf8")) as { statements: StatementTime[] };
    const calls = new Map(statements.map((s) => [s.statement, s.calls]));
    assert.equal(calls.get("INSERT INTO t (a, b) VALUES (?..)"), 3, "two batches of different sizes and the failed one");
    assert.equal(calls.get("SELECT a FROM t WHERE a IN (?..)"), 1);
    assert.equal(calls.get("SELECT count(*) AS n FROM t"), 1);
    assert.equal(calls.get("CREATE TABLE t (a INTEGER UNIQUE, b INTEGER)"), 1, "Database.exec is timed too");
    for (const s of statements) assert.ok(s.ms > 0, `${s.statement}: ${s.ms} ms`);
    assert.deepEqual(
      statements.map((s) => s.ms),
      statements.map((s) => s.ms).sort((a, b) => b - a),
      "costliest first",
    );
  });

  test("without PARLEY_STATEMENT_TIMES the statements are left as they are and nothing is written", async () => {
    const files = readdirSync(dir);
    assert.deepEqual(JSON.parse(await runChild(undefined)), { rows: 3, n: 5, patched: false });
    assert.deepEqual(readdirSync(dir), files);
  });
});
