// Prints the minified + gzipped size of what ships to browsers, against each budget.
// `npm run size`; exits 1 when something is over budget.
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Every browser bundle we ship, with what it may leave out and its budget. */
export const BUNDLES = [
  { name: "@parley/sdk (without socket.io-client)", entry: "sdk/src/index.ts", external: ["socket.io-client"], budget: 10 * 1024 },
  { name: "widget.js (lit, socket.io-client, sdk and UI: the first load)", entry: "widget/src/embed.ts", external: [], budget: 40 * 1024, format: "iife" },
];

export async function measure(bundle) {
  const out = await build({
    entryPoints: [path.join(root, bundle.entry)],
    bundle: true,
    minify: true,
    format: bundle.format ?? "esm",
    target: "es2020",
    platform: "browser",
    external: bundle.external,
    write: false,
    tsconfig: path.join(root, "tsconfig.json"),
    logLevel: "silent",
  });
  const code = out.outputFiles[0].contents;
  return { ...bundle, minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

async function main() {
  let over = false;
  for (const b of BUNDLES) {
    const m = await measure(b);
    const ok = m.gzip <= m.budget;
    over ||= !ok;
    console.log(`${m.name}: ${(m.minified / 1024).toFixed(1)} KB min, ${(m.gzip / 1024).toFixed(2)} KB gz (budget ${(m.budget / 1024).toFixed(0)} KB) ${ok ? "ok" : "OVER BUDGET"}`);
  }
  process.exitCode = over ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
