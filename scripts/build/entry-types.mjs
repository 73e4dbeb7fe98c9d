// Gives a package entry built from a folder its declaration file under the entry's name. Rollup
// names the JavaScript after the entry (src/protocol/index.ts -> dist/protocol.js, .cjs), tsc names
// the declarations after the source (dist/protocol/index.d.ts): this writes dist/protocol.d.ts,
// which re-exports them and is what package.json "exports" (and protocol/package.json) name. Run
// after tsc and before cjs-types.mjs, which gives it its .d.cts twin.
//
//   node scripts/build/entry-types.mjs
import { existsSync, writeFileSync } from "node:fs";

/** Declaration file to write -> the module tsc emitted for the entry (relative to it, as a .js specifier). */
const ENTRIES = { "sdk/dist/protocol.d.ts": "./protocol/index.js" };

for (const [file, target] of Object.entries(ENTRIES)) {
  const url = new URL(`../../${file}`, import.meta.url);
  if (!existsSync(new URL(target.replace(/\.js$/, ".d.ts"), url))) {
    console.error(`entry-types: ${target.replace(/\.js$/, ".d.ts")} beside ${file} is missing (run tsc first)`);
    process.exit(1);
  }
  writeFileSync(url, `export * from "${target}";\n`);
}
