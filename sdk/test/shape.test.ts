/**
 * Checks of the SDK's shape, read from its sources (nothing runs):
 * - no import cycle in sdk/src (type-only imports and `import()` count, as in server/test/shape.test.ts);
 * - the wire contract, sdk/src/protocol/, has no runtime dependency: its area files import only each
 *   other's types, and index.ts re-exports every one of them;
 * - the store changes through named updaters (reducer.ts and its kin): a `store.next` is never
 *   given an inline updater body, and the list primitive under the updaters (`withList`) stays in reducer.ts.
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
const code = (file: string): string =>
  readFileSync(path.join(SRC, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");

/** The import and export-from statements of source text, with their relative specifiers resolved (`protocol/index.ts`). */
function statementsIn(src: string, file: string): { text: string; dep: string }[] {
  const found = [...src.matchAll(/(?:^|[;}\n])\s*((?:import|export)\b[^;"'`]*?["']([^"']+)["'])/g), ...src.matchAll(/(\bimport\(\s*["']([^"']+)["']\s*\))/g)];
  return found
    .filter((m) => m[2]!.startsWith("."))
    .map((m) => ({ text: m[1]!, dep: path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), m[2]!.replace(/\.js$/, ".ts"))) }));
}

const files = sourceFiles(SRC).map((f) => path.relative(SRC, f));
const graph = new Map(files.map((f) => [f, [...new Set(statementsIn(code(f), f).map((s) => s.dep))]]));

/** One cycle of `g` as a closed path (a -> b -> a), or null. */
function cycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const trail: string[] = [];
  const visit = (v: string): string[] | null => {
    state.set(v, "open");
    trail.push(v);
    for (const w of g.get(v) ?? []) {
      if (state.get(w) === "open") return [...trail.slice(trail.indexOf(w)), w];
      if (!state.has(w) && g.has(w)) {
        const c = visit(w);
        if (c) return c;
      }
    }
    trail.pop();
    state.set(v, "done");
    return null;
  };
  for (const v of g.keys()) {
    const c = state.has(v) ? null : visit(v);
    if (c) return c;
  }
  return null;
}

/** `store.next` given an updater written in place (a block or an object literal) instead of a named one. */
const INLINE_UPDATER = /\bstore\.next\(\s*\(\s*\w+\s*\)\s*=>\s*\(?\s*\{/;

describe("the shape of sdk/src", () => {
  test("the readers see what they claim (sanity)", () => {
    assert.ok(graph.size > 30, `${graph.size} files`);
    assert.ok(graph.get("client.ts")!.includes("conversation.ts"), "client.ts imports conversation.ts");
    assert.ok(graph.get("client.ts")!.includes("persistence/persistence.ts"), "a dynamic import counts");
    assert.ok(graph.get("thread.ts")!.includes("conversation-deps.ts"), "a type-only import counts");
    assert.deepEqual(
      cycle(
        new Map([
          ["a", ["b"]],
          ["b", ["a"]],
        ]),
      ),
      ["a", "b", "a"],
    );
    assert.match("this.store.next((s) => ({ ...s, presence: {} }));", INLINE_UPDATER);
    assert.match("store.next((s) => {\n  let next = s;", INLINE_UPDATER);
    assert.doesNotMatch("this.store.next((s) => withPresence(s, p));", INLINE_UPDATER);
  });

  test("has no import cycle", () => {
    assert.equal(cycle(graph)?.join(" -> ") ?? null, null, "an import cycle in sdk/src");
  });

  test("protocol/: area files import only each other's types; index.ts re-exports every area and nothing else", () => {
    const areas = files.filter((f) => f.startsWith("protocol/") && f !== "protocol/index.ts");
    assert.ok(areas.length > 10, areas.join(", "));
    for (const f of areas) {
      for (const s of statementsIn(code(f), f)) {
        assert.match(s.text, /^import type\b/, `${f}: ${s.text}`);
        assert.ok(areas.includes(s.dep), `${f} imports ${s.dep}`);
      }
      assert.doesNotMatch(code(f), /\bfrom\s*["'][^."']/, `${f} imports a package`);
    }
    const index = statementsIn(code("protocol/index.ts"), "protocol/index.ts");
    assert.ok(
      index.every((s) => /^export \* from\b/.test(s.text)),
      index.map((s) => s.text).join("\n"),
    );
    assert.deepEqual(index.map((s) => s.dep).sort(), [...areas].sort());
  });

  test("the store changes through named updaters: no inline updater body, and withList only in reducer.ts", () => {
    const inline = files.filter((f) => INLINE_UPDATER.test(code(f)));
    assert.deepEqual(inline, []);
    const listUsers = files.filter((f) => f !== "reducer.ts" && /\bwithList\(/.test(code(f)));
    assert.deepEqual(listUsers, []);
  });
});
