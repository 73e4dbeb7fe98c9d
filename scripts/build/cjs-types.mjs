// Gives every emitted declaration file a CommonJS twin: dist/x.d.ts -> dist/x.d.cts, with relative
// specifiers pointing at the twins ("./client.js" -> "./client.cjs", which TypeScript reads as
// ./client.d.cts). A package with "type": "module" needs both: under node16/nodenext a `require`
// that resolves to a .d.ts sees ESM types ("masquerading as ESM"), so the "require" condition
// points at the .d.cts files and the "import" condition at the .d.ts files.
//
//   node scripts/build/cjs-types.mjs sdk/dist [more dirs...]
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** `from "./x.js"`, `import("./x.js")`, `import "./x.js"`: relative .js specifiers only. */
const RELATIVE_JS = /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.js(["'])/g;

export function toCjsDeclaration(source) {
  return source.replace(RELATIVE_JS, "$1$2.cjs$3");
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".d.ts") ? [path.join(dir, e.name)] : [],
  );
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error("usage: node scripts/build/cjs-types.mjs <dist dir>...");
  process.exit(2);
}
for (const dir of dirs) {
  const files = walk(dir);
  if (files.length === 0) {
    console.error(`cjs-types: no .d.ts files under ${dir} (run tsc first)`);
    process.exit(1);
  }
  for (const file of files) writeFileSync(file.replace(/\.d\.ts$/, ".d.cts"), toCjsDeclaration(readFileSync(file, "utf8")));
}
