// Builds every package from TypeScript with esbuild (type-checking is `npm run typecheck`):
//   server/dist/main.js, server/dist/cli.js  (Node ESM; npm dependencies stay external)
//   sdk/dist/protocol.{js,cjs}               (the wire contract, for npm consumers)
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import alias from "@rollup/plugin-alias";
import esbuild from "rollup-plugin-esbuild";

const root = path.dirname(new URL(import.meta.url).pathname);
const pkg = (dir) => JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));

const protocolAlias = alias({
  entries: [{ find: "@parley/sdk/protocol", replacement: path.join(root, "sdk/src/protocol.ts") }],
});
const ts = (target) => esbuild({ target, tsconfig: path.join(root, "tsconfig.json"), minify: false });

const serverDeps = Object.keys(pkg("server").dependencies ?? {});
const isExternal = (id) =>
  builtinModules.includes(id) || id.startsWith("node:") || serverDeps.some((d) => id === d || id.startsWith(d + "/"));

export default [
  {
    input: { main: "server/src/main.ts", cli: "server/src/cli.ts" },
    output: { dir: "server/dist", format: "esm", sourcemap: true },
    external: isExternal,
    plugins: [protocolAlias, ts("node20")],
  },
  {
    input: "sdk/src/protocol.ts",
    output: [
      { file: "sdk/dist/protocol.js", format: "esm", sourcemap: true },
      { file: "sdk/dist/protocol.cjs", format: "cjs", sourcemap: true },
    ],
    plugins: [ts("es2020")],
  },
];
