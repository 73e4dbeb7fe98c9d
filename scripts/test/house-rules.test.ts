// House rules as tests (issue 50), over the four source trees at once: server/src, sdk/src,
// widget/src and console/src.
//
// - Size: no source file over 500 lines. A file that long holds more than one job; split it by
//   responsibility (the config by area, a service by command). The only exceptions are tables that
//   are long by nature, named below with their reason.
// - Circles: no import cycle within a tree, counting every arrow a reader follows: static imports,
//   type-only imports (`import type`, `export type … from`) and lazy ones (`import("…")`). A lazy or
//   type-only arrow still ties two modules' meaning together and makes one impossible to move or read
//   without the other (the widget's composer reached itself through its tools' lazy loaders; the
//   console's page list imported every page and the pages imported it back).
//
// - Types: every TypeScript file of the workspaces is in the root type check (`npm run typecheck`,
//   tsconfig.json), tests and benches included: the widget's tests were not, and a missing import
//   in one compiled (the browser run caught it). widget/types is checked by packages.test.ts,
//   against each framework's own types.
//
// Each rule has a sanity check that it sees what it looks for, so a reader that silently matches
// nothing cannot pass.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";
import { cycles } from "./import-graph.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TREES = ["server/src", "sdk/src", "widget/src", "console/src"] as const;
const MAX_LINES = 500;

/** Files that may be longer than MAX_LINES, each with why. Generated files and translation tables only. */
const LONG_BY_NATURE: Record<string, string> = {
  "console/src/app/strings.ts": "the console's English string table: one line a string, every page's words in one place for translators",
};
/** Translation tables: one line a string in each of the sixteen languages; their length is the string count. */
const LOCALE_TABLE = /^(console|widget)\/src\/(app|i18n)\/locales\/[a-zA-Z-]+\.ts$/;

/** Every .ts source file of a tree, as repo-relative paths with forward slashes. */
function sourceFiles(tree: string): string[] {
  return readdirSync(path.join(ROOT, tree), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => `${tree}/${f.split(path.sep).join("/")}`);
}

const lineCount = (text: string): number => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** Files over `max` lines among `files` (path -> text), exceptions left out. */
function tooLong(files: Map<string, string>, max = MAX_LINES): string[] {
  return [...files]
    .filter(([f, text]) => lineCount(text) > max && !(f in LONG_BY_NATURE) && !LOCALE_TABLE.test(f))
    .map(([f, text]) => `${f}: ${lineCount(text)} lines`);
}

/** The source without comments (strings kept: specifiers are strings). */
function withoutComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/**
 * The relative imports of `file` (repo-relative) read from its text: `import … from`, `import type …
 * from`, `export … from`, side-effect `import "…"` and lazy `import("…")`, as repo-relative paths.
 */
function importsIn(file: string, src: string): string[] {
  const code = withoutComments(src);
  const specs = new Set<string>();
  for (const m of code.matchAll(/(?:^|[;}\n])\s*(?:import|export)\b[^;"'`]*?["']([^"']+)["']/g)) specs.add(m[1]!);
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.add(m[1]!);
  return [...specs].filter((s) => s.startsWith(".")).map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, ".ts"));
}

const sources = new Map(TREES.flatMap((t) => sourceFiles(t)).map((f) => [f, readFileSync(path.join(ROOT, f), "utf8")]));
const graphOf = (texts: Map<string, string>) => new Map([...texts].map(([f, text]) => [f, importsIn(f, text)]));
const graph = graphOf(sources);

describe("house rules over server/src, sdk/src, widget/src and console/src", () => {
  test(`no source file over ${MAX_LINES} lines (translation tables and the files named in LONG_BY_NATURE excepted)`, () => {
    assert.deepEqual(tooLong(sources), []);
  });

  test("the size rule sees a long file, and its exceptions are files that exist and are long", () => {
    for (const tree of TREES) assert.ok([...sources.keys()].filter((f) => f.startsWith(`${tree}/`)).length > 10, `files read in ${tree}`);
    const long = `${"const x = 1;\n".repeat(MAX_LINES)}export {};\n`;
    assert.deepEqual(tooLong(new Map([["widget/src/a/long.ts", long]])), [`widget/src/a/long.ts: ${MAX_LINES + 1} lines`]);
    assert.deepEqual(tooLong(new Map([["widget/src/a/exact.ts", "x\n".repeat(MAX_LINES)]])), []);
    for (const f of Object.keys(LONG_BY_NATURE)) {
      assert.ok(sources.has(f), `${f} is excepted but does not exist: take it off the list`);
      assert.ok(lineCount(sources.get(f)!) > MAX_LINES, `${f} is excepted but is not long: take it off the list`);
    }
    assert.ok([...sources.keys()].filter((f) => LOCALE_TABLE.test(f)).length >= 30, "the locale pattern matches the widget's and the console's tables");
  });

  test("no import circle in any tree, counting type-only and lazy imports", () => {
    assert.deepEqual(cycles(graph), []);
  });

  test("the circle rule reads type-only, lazy and re-export arrows, and finds a circle made of them", () => {
    const made = new Map([
      ["widget/src/a/a.ts", 'import type { B } from "../b/b.js";\n'],
      ["widget/src/b/b.ts", 'export { c } from "./c.js";\n'],
      ["widget/src/b/c.ts", 'const load = () => import(\n  "../a/a.js"\n);\n// import "../nowhere.js"\n'],
    ]);
    assert.deepEqual(cycles(graphOf(made)), ["widget/src/a/a.ts -> widget/src/b/b.ts -> widget/src/b/c.ts -> widget/src/a/a.ts"]);
    // On the real trees: every import of a known file resolves, and lazy arrows are seen.
    for (const [f, deps] of graph)
      for (const d of deps) assert.ok(sources.has(d) || !TREES.some((t) => d.startsWith(`${t}/`)), `${f} imports ${d}, which is not a file`);
    assert.ok(
      [...sources].some(([f, text]) => f.startsWith("console/src/") && /\bimport\(/.test(text)),
      "the console loads its pages lazily",
    );
    assert.ok(graph.get("server/src/main.ts")!.includes("server/src/services.ts"), "main.ts imports services.ts");
  });
});

/** Every .ts file under the workspaces, but built output and dependencies. */
function typeScriptFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".") ? [] : typeScriptFiles(rel);
    return /\.[cm]?tsx?$/.test(e.name) ? [rel] : [];
  });
}

/** Checked elsewhere, with why. */
const TYPED_ELSEWHERE = /^widget\/types\//;

describe("house rules: the type check", () => {
  test("every TypeScript file of the workspaces is in the root type check (widget/types excepted: packages.test.ts)", () => {
    const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    assert.ok(parsed, "tsconfig.json parses");
    const checked = new Set(parsed.fileNames.map((f) => path.relative(ROOT, f)));
    const files = ["sdk", "server", "widget", "console", "examples", "scripts"].flatMap(typeScriptFiles);
    assert.ok(files.includes("widget/test/xss.test.ts") && checked.has("server/src/main.ts"), "the rule sees the trees and the config");
    assert.deepEqual(
      files.filter((f) => !checked.has(f) && !TYPED_ELSEWHERE.test(f)),
      [],
    );
  });
});
