// The widget's source layout (issue 31): a folder per element, entries alone at the top, and no
// import cycle among the modules (a cycle makes load order matter and chunks pull each other in).
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src");
/** What the package and the script tag load: nothing else sits at the top of widget/src. */
const ENTRIES = ["define.ts", "embed.ts", "index.ts", "widget-ui.ts"];

const files = readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .map((f) => f.split(path.sep).join("/"));

/** Every relative import of a module, static (type-only included) or dynamic, as src-relative paths. */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const code = readFileSync(path.join(SRC, file), "utf8");
  const resolve = (spec: string) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts");
  const stat = [...code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*"(\.\.?\/[^"]+)"|^\s*import\s*"(\.\.?\/[^"]+)"/gm)].map((m) => resolve(m[1] ?? m[2]!));
  const dyn = [...code.matchAll(/\bimport\(\s*"(\.\.?\/[^"]+)"\s*\)/g)].map((m) => resolve(m[1]!));
  return { static: stat, dynamic: dyn };
}

test("widget/src: the entries at the top, every element in a folder named after it with its own strings", () => {
  const top = readdirSync(SRC).filter((f) => statSync(path.join(SRC, f)).isFile());
  assert.deepEqual(top.sort(), ENTRIES);
  // An element is a module that defines one: customElements.define("parley-x", …) in x/parley-x.ts.
  const elements = files.filter((f) => /customElements\.define\("parley-/.test(readFileSync(path.join(SRC, f), "utf8")));
  assert.ok(elements.length >= 12, elements.join(", "));
  for (const f of elements) {
    const name = path.posix.basename(f, ".ts").replace(/^parley-/, "");
    assert.equal(path.posix.dirname(f), name, `${f} belongs in ${name}/`);
  }
  // Each view's English strings sit beside it (the chat's, list's and thread's are the base table in i18n/).
  for (const f of elements.filter((e) => !/^(chat|list|thread|message)\//.test(e))) {
    assert.ok(files.includes(f.replace(/\.ts$/, ".strings.ts")), `${f} has no ${f.replace(/\.ts$/, ".strings.ts")}`);
  }
});

test("widget/src: every import resolves to a module, and no module imports itself through others", () => {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  for (const [f, { static: s, dynamic: d }] of graph) {
    for (const dep of [...s, ...d]) assert.ok(graph.has(dep), `${f} imports ${dep}, which does not exist`);
  }
  // Depth-first search over static imports (type-only ones too: they tie the files' meaning together).
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...trail.slice(trail.indexOf(f)), f].join(" -> "));
      return;
    }
    state.set(f, "open");
    for (const dep of graph.get(f)!.static) visit(dep, [...trail, f]);
    state.set(f, "done");
  };
  for (const f of files) visit(f, []);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join("\n")}`);
});

test("the check finds a cycle when there is one", () => {
  // The same search on a made-up graph, so that a broken search cannot pass the test above.
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
  ]);
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (trail.includes(f)) return void found.push([...trail, f].join(" -> "));
    if (seen.has(f)) return;
    seen.add(f);
    for (const d of graph.get(f) ?? []) visit(d, [...trail, f]);
  };
  visit("a.ts", []);
  assert.deepEqual(found, ["a.ts -> b.ts -> c.ts -> a.ts"]);
});
