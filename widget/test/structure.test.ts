// The widget's source layout (issue 31, issue 50): a folder per feature, entries alone at the top,
// and no import cycle among the modules, lazy and type-only imports counted (a cycle makes load
// order matter and chunks pull each other in; a lazy or type-only one still ties two modules'
// meaning together: the composer once reached itself through its "+" menu's lazy loaders).
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src");
/** What the package and the script tag load: nothing else sits at the top of widget/src. */
const ENTRIES = ["define.ts", "embed.ts", "index.ts", "widget-ui.ts"];
/**
 * Feature folders: one folder holds a feature's elements with the rest of it (its card, styles,
 * strings and the lazy loader beside the element it loads), named here. Every other element
 * `parley-x` has a folder `x/` of its own.
 */
const FEATURES: Record<string, string[]> = {
  polls: ["parley-poll-form"],
  voice: ["parley-voice-recorder"],
  calls: ["parley-call"],
  later: ["parley-scheduled", "parley-schedule-menu"],
  // (<parley-reminders>, the list, is in reminders/ by its own name.)
  reminders: ["parley-remind", "parley-reminder-due"],
  // Streamed replies and the app's model (issue 54): the details' summaries and auto-translate.
  streams: ["parley-ai-tools"],
};

/** The folder an element belongs in: its feature's, else one named after it. */
function folderOf(tag: string): string {
  return Object.keys(FEATURES).find((folder) => FEATURES[folder]!.includes(tag)) ?? tag.replace(/^parley-/, "");
}

const files = readdirSync(SRC, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  .map((f) => f.split(path.sep).join("/"));

/** Every relative import of a module, static (type-only included) or dynamic, as src-relative paths. */
function importsOf(file: string, code = readFileSync(path.join(SRC, file), "utf8")): { static: string[]; dynamic: string[] } {
  const resolve = (spec: string) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts");
  const stat = [...code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*"(\.\.?\/[^"]+)"|^\s*import\s*"(\.\.?\/[^"]+)"/gm)].map((m) => resolve(m[1] ?? m[2]!));
  const dyn = [...code.matchAll(/\bimport\(\s*"(\.\.?\/[^"]+)"\s*\)/g)].map((m) => resolve(m[1]!));
  return { static: stat, dynamic: dyn };
}

/** Every cycle of `graph`, each as a closed path a -> b -> … -> a (depth-first search). */
function cyclesIn(graph: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]) => {
    if (state.get(f) === "done") return;
    if (state.get(f) === "open") {
      cycles.push([...trail.slice(trail.indexOf(f)), f].join(" -> "));
      return;
    }
    state.set(f, "open");
    for (const dep of graph.get(f) ?? []) visit(dep, [...trail, f]);
    state.set(f, "done");
  };
  for (const f of graph.keys()) visit(f, []);
  return cycles;
}

test("widget/src: the entries at the top, every element in its feature's folder or one named after it, with its own strings", () => {
  const top = readdirSync(SRC).filter((f) => statSync(path.join(SRC, f)).isFile());
  assert.deepEqual(top.sort(), ENTRIES);
  // An element is a module that defines one: customElements.define("parley-x", …) in parley-x.ts,
  // in x/ or in the feature folder that lists it.
  const defined = files.flatMap((f) =>
    [...readFileSync(path.join(SRC, f), "utf8").matchAll(/customElements\.define\("(parley-[a-z-]+)"/g)].map((m) => ({ f, tag: m[1]! })),
  );
  const elements = defined.map((d) => d.f);
  assert.ok(elements.length >= 12, elements.join(", "));
  for (const { f, tag } of defined) {
    assert.equal(path.posix.basename(f), `${tag}.ts`, `<${tag}> is defined in ${f}: its module is ${tag}.ts`);
    const folder = folderOf(tag);
    const where = folder in FEATURES ? `the ${folder} feature's folder` : "a folder named after it";
    assert.equal(path.posix.dirname(f), folder, `${f} belongs in ${folder}/ (${where})`);
  }
  // The feature list names elements that are there, and no feature is split into a folder per element again.
  const folders = new Set(files.map((f) => f.split("/")[0]!));
  for (const [folder, tags] of Object.entries(FEATURES)) {
    for (const tag of tags) {
      assert.ok(
        defined.some((d) => d.tag === tag),
        `FEATURES.${folder} lists <${tag}>, which no module defines`,
      );
      const own = tag.replace(/^parley-/, "");
      assert.ok(!folders.has(own), `${own}/ splits the ${folder} feature: its files belong in ${folder}/`);
    }
  }
  // Each view's English strings sit beside it (the chat's, list's and thread's are the base table in i18n/).
  for (const f of elements.filter((e) => !/^(chat|list|thread|message)\//.test(e))) {
    assert.ok(files.includes(f.replace(/\.ts$/, ".strings.ts")), `${f} has no ${f.replace(/\.ts$/, ".strings.ts")}`);
  }
});

test("widget/src: every import resolves to a module, and no module imports itself through others (lazy and type-only imports counted)", () => {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  for (const [f, { static: s, dynamic: d }] of graph) {
    for (const dep of [...s, ...d]) assert.ok(graph.has(dep), `${f} imports ${dep}, which does not exist`);
  }
  // Static imports (type-only ones too: they tie the files' meaning together) and lazy ones (a
  // chunk that imports its loader back is no chunk of its own).
  const cycles = cyclesIn(new Map([...graph].map(([f, { static: s, dynamic: d }]) => [f, [...s, ...d]])));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join("\n")}`);
  assert.ok(
    [...graph.values()].some((i) => i.dynamic.length),
    "the lazy imports are read",
  );
});

test("the check finds a cycle when there is one", () => {
  // The same search on a made-up graph, so that a broken search cannot pass the test above.
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
  ]);
  assert.deepEqual(cyclesIn(graph), ["a.ts -> b.ts -> c.ts -> a.ts"]);
  // And on made-up modules: a type-only import, a re-export and a lazy import make a cycle too.
  const made = {
    "a/a.ts": 'import type { B } from "../b/b.js";\n',
    "b/b.ts": 'export { c } from "./c.js";\n',
    "b/c.ts": 'const load = () => import("../a/a.js");\n',
  };
  const read = new Map(Object.entries(made).map(([f, code]) => [f, importsOf(f, code)] as const));
  assert.deepEqual(cyclesIn(new Map([...read].map(([f, i]) => [f, [...i.static, ...i.dynamic]]))), ["a/a.ts -> b/b.ts -> b/c.ts -> a/a.ts"]);
});
