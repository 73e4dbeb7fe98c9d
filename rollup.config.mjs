// Builds every package from TypeScript with esbuild (type-checking is `npm run typecheck`):
//   server/dist/main.js, server/dist/cli.js  (Node ESM; npm dependencies stay external)
//   sdk/dist/{index,protocol}.{js,cjs}        (the SDK and its wire contract; .d.ts by tsc)
//   widget/dist/widget.js (IIFE, minified), widget/dist/{index,define,parley-*,...}.js (ESM)
// The type declarations, dist/custom-elements.json and the SDK's .d.cts twins come after it:
// see "build" in package.json.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import alias from "@rollup/plugin-alias";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import esbuild from "rollup-plugin-esbuild";

const root = path.dirname(new URL(import.meta.url).pathname);
const pkg = (dir) => JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));

const protocolAlias = alias({
  entries: [{ find: "@parley/sdk/protocol", replacement: path.join(root, "sdk/src/protocol.ts") }],
});
const sdkAlias = alias({
  entries: [
    { find: "@parley/sdk/protocol", replacement: path.join(root, "sdk/src/protocol.ts") },
    { find: "@parley/sdk", replacement: path.join(root, "sdk/src/index.ts") },
  ],
});
// socket.io-client and engine.io-client export debug-logging Node builds under the "node"
// condition; the widget wants their lean browser builds.
const browserBuilds = alias({
  entries: [
    { find: /^socket\.io-client$/, replacement: path.join(root, "node_modules/socket.io-client/build/esm/index.js") },
    { find: /^engine\.io-client$/, replacement: path.join(root, "node_modules/engine.io-client/build/esm/index.js") },
    // What engine.io-client's "browser" field says, applied to its relative imports.
    { find: /^(\.\.?\/.*)\.node\.js$/, replacement: "$1.js" },
  ],
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
  // The widget: one self-contained, minified widget.js for the script tag (the server serves it),
  // and an ESM build for bundlers.
  {
    input: "widget/src/embed.ts",
    output: { file: "widget/dist/widget.js", format: "iife", sourcemap: true },
    plugins: [sdkAlias, browserBuilds, nodeResolve({ browser: true, exportConditions: ["browser", "import", "default"] }), esbuild({ target: "es2020", tsconfig: path.join(root, "tsconfig.json"), minify: true })],
  },
  // The SDK as one self-contained ES module for pages without a bundler (served at /sdk.js).
  {
    input: "sdk/src/index.ts",
    output: { file: "sdk/dist/parley-sdk.browser.js", format: "esm", sourcemap: true },
    plugins: [browserBuilds, nodeResolve({ browser: true, exportConditions: ["browser", "import", "default"] }), esbuild({ target: "es2020", tsconfig: path.join(root, "tsconfig.json"), minify: true })],
  },
  // One ES module per source file, so that dist/x.js sits beside the dist/x.d.ts that tsc emits
  // and package.json's "sideEffects" can name the files that register elements.
  {
    input: { index: "widget/src/index.ts", define: "widget/src/define.ts" },
    output: { dir: "widget/dist", format: "esm", preserveModules: true, preserveModulesRoot: "widget/src", entryFileNames: "[name].js", sourcemap: true },
    external: ["lit", /^lit\//, "@parley/sdk", "socket.io-client"],
    plugins: [ts("es2020")],
  },
];
