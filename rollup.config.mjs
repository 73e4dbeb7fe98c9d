// Builds every package from TypeScript with esbuild (type-checking is `npm run typecheck`):
//   server/dist/main.js, server/dist/cli.js  (Node ESM; npm dependencies stay external)
//   sdk/dist/{index,protocol}.{js,cjs}        (the SDK and its wire contract; .d.ts by tsc, see build:types)
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
    input: { index: "sdk/src/index.ts", protocol: "sdk/src/protocol.ts" },
    output: [
      { dir: "sdk/dist", format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", sourcemap: true },
      { dir: "sdk/dist", format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "[name]-[hash].cjs", sourcemap: true },
    ],
    // Its only runtime dependency stays a dependency: apps dedupe it and bundlers tree-shake it.
    external: ["socket.io-client"],
    plugins: [ts("es2020")],
  },
];
