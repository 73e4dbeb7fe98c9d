// Builds every package from TypeScript with esbuild (type-checking is `npm run typecheck`):
//   server/dist/main.js, server/dist/cli.js  (Node ESM; npm dependencies stay external)
//   sdk/dist/{index,protocol}.{js,cjs}        (the SDK and its wire contract, src/protocol/; .d.ts by tsc)
//   sdk/dist/server/index.{js,cjs}            (@parley/sdk/server: Node only, never in a browser bundle)
//   widget/dist/widget.js (the script-tag loader, IIFE) + widget/dist/widget-ui-[hash].js (the UI,
//   ESM, minified), widget/dist/{index,define,parley-*,...}.js (ESM, one per source file),
//   widget/dist/parley-sw.js (the web push service worker part, a classic script)
//   widget/dist/emoji-<locale>-[hash].js (the emoji picker's dataset per language: scripts/build/emoji-data.mjs)
//   console/dist/index.html + console-[hash].js and its page chunks (the console, served at /console/)
// The type declarations, dist/custom-elements.json and the SDK's .d.cts twins come after it:
// see "build" in package.json.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import alias from "@rollup/plugin-alias";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import esbuild from "rollup-plugin-esbuild";
import { emojiData } from "./scripts/build/emoji-data.mjs";
import { minifyCssLiterals, minifyLiterals, TRANSPORTS_TABLE, websocketOnlyTransports } from "./scripts/size.mjs";

const root = path.dirname(new URL(import.meta.url).pathname);
const pkg = (dir) => JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));

const protocolAlias = alias({
  entries: [{ find: "@parley/sdk/protocol", replacement: path.join(root, "sdk/src/protocol/index.ts") }],
});
const sdkAlias = alias({
  entries: [
    { find: "@parley/sdk/protocol", replacement: path.join(root, "sdk/src/protocol/index.ts") },
    { find: "@parley/sdk/rich", replacement: path.join(root, "sdk/src/rich.ts") },
    { find: "@parley/sdk/later", replacement: path.join(root, "sdk/src/later.ts") },
    { find: "@parley/sdk/streams", replacement: path.join(root, "sdk/src/streams.ts") },
    { find: "@parley/sdk/calls", replacement: path.join(root, "sdk/src/calls.ts") },
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
/** The CSS in the widget's css`…` literals, minified (esbuild leaves template text alone). */
const cssLiterals = {
  name: "css-literals",
  // (The widget's html`…` literals lose their indentation too: minifyHtmlLiterals.)
  transform: (code, id) =>
    /widget\/src\/.*\.ts$/.test(id)
      ? { code: minifyLiterals(code), map: null }
      : /console\/src\/.*\.ts$/.test(id)
        ? { code: minifyCssLiterals(code), map: null }
        : null,
};
/** The UI's socket.io-client with WebSocket alone (see websocketOnlyTransports). */
const websocketOnly = {
  name: "websocket-only",
  load: (id) => (TRANSPORTS_TABLE.test(id) ? websocketOnlyTransports(path.dirname(id)) : null),
};
/** The UI module's hashed file name, from its build to the loader's. */
let uiFile = "";
const rememberUiFile = {
  name: "remember-ui-file",
  generateBundle(_options, bundle) {
    uiFile = Object.values(bundle).find((c) => c.type === "chunk" && c.isEntry && c.name === "widget-ui")?.fileName ?? "";
  },
};
const injectUiFile = {
  name: "inject-ui-file",
  transform(code, id) {
    if (!id.endsWith("widget/src/embed.ts")) return null;
    if (!uiFile) this.error("the widget UI must be built before its loader");
    return { code: code.replace(/(?<!declare const )\b__PARLEY_UI__\b/g, JSON.stringify("./" + uiFile)), map: null };
  },
};
/** The console's page, naming its content-hashed entry (the page is the one file not cached for long). */
const consoleHtml = {
  name: "console-html",
  generateBundle(_options, bundle) {
    const entry = Object.values(bundle).find((c) => c.type === "chunk" && c.isEntry && c.name === "console");
    if (!entry) this.error("the console entry is missing");
    const source = readFileSync(path.join(root, "console/src/index.html"), "utf8").replace("__CONSOLE_ENTRY__", entry.fileName);
    this.emitFile({ type: "asset", fileName: "index.html", source });
  },
};
const ts = (target) => esbuild({ target, tsconfig: path.join(root, "tsconfig.json"), minify: false });

/**
 * The wire contract's files (src/protocol/*.ts) all go into its entry, dist/protocol.js: left to
 * itself rollup would put the tables the other entries import (error codes, webhook headers) into
 * a shared chunk of their own.
 */
const protocolChunk = (id) => (id.startsWith(path.join(root, "sdk/src/protocol") + path.sep) ? "protocol" : undefined);

const serverDeps = Object.keys(pkg("server").dependencies ?? {});
const isExternal = (id) => builtinModules.includes(id) || id.startsWith("node:") || serverDeps.some((d) => id === d || id.startsWith(d + "/"));

/**
 * A warning fails the build (issue 52: a newcomer's first `npm start` printed rollup's "Unresolved
 * dependencies"): what it says is a bug to fix, not noise to read past.
 */
const failOnWarning = (warning) => {
  throw new Error(`rollup warning (${warning.code}): ${warning.message}`);
};

export default [
  {
    onwarn: failOnWarning,
    input: { main: "server/src/main.ts", cli: "server/src/cli.ts" },
    // The chunk main and cli share keeps one name: a hashed one stayed behind at each rebuild
    // (scripts/build/clean.mjs leaves server/dist in place, a running server reads it).
    output: { dir: "server/dist", format: "esm", chunkFileNames: "[name].js", sourcemap: true },
    external: isExternal,
    plugins: [protocolAlias, ts("node20")],
  },
  {
    onwarn: failOnWarning,
    input: {
      index: "sdk/src/index.ts",
      protocol: "sdk/src/protocol/index.ts",
      rich: "sdk/src/rich.ts",
      later: "sdk/src/later.ts",
      streams: "sdk/src/streams.ts",
      calls: "sdk/src/calls.ts",
      "server/index": "sdk/src/server/index.ts",
    },
    output: [
      { dir: "sdk/dist", format: "esm", entryFileNames: "[name].js", chunkFileNames: "[name]-[hash].js", sourcemap: true, manualChunks: protocolChunk },
      { dir: "sdk/dist", format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "[name]-[hash].cjs", sourcemap: true, manualChunks: protocolChunk },
    ],
    // Its only runtime dependency stays a dependency: apps dedupe it and bundlers tree-shake it.
    // Node built-ins are the server entry's (node:crypto); no browser entry imports it.
    external: (id) => id === "socket.io-client" || id.startsWith("node:"),
    plugins: [ts("es2020")],
  },
  // The widget for the script tag, in two files (the server serves both):
  //  - widget-ui-[hash].js: the whole UI (Lit, socket.io-client, SDK, views) as a minified,
  //    content-hashed ES module, cached forever;
  //  - widget.js: a tiny loader (the stable URL in host pages) that draws the launcher and
  //    imports the UI by its hashed name when the visitor opens the chat.
  // Rollup builds the configs in order, so the loader learns the name the UI build just chose.
  {
    onwarn: failOnWarning,
    input: { "widget-ui": "widget/src/widget-ui.ts" },
    // engine.io-client's index re-exports every transport, and the long-polling one runs a probe at
    // load (a throwaway XMLHttpRequest): without this, rollup keeps it although nothing uses it.
    treeshake: { moduleSideEffects: (id) => !/[\\/]engine\.io-client[\\/]/.test(id) },
    output: { dir: "widget/dist", format: "esm", entryFileNames: "[name]-[hash].js", chunkFileNames: "[name]-[hash].js", sourcemap: true },
    plugins: [
      cssLiterals,
      sdkAlias,
      browserBuilds,
      websocketOnly,
      // The emoji picker's datasets: emoji-<locale>-[hash].js, fetched when it first opens.
      emojiData(),
      nodeResolve({ browser: true, exportConditions: ["browser", "import", "default"] }),
      esbuild({ target: "es2020", tsconfig: path.join(root, "tsconfig.json"), minify: true }),
      rememberUiFile,
    ],
  },
  {
    onwarn: failOnWarning,
    input: "widget/src/embed.ts",
    output: { file: "widget/dist/widget.js", format: "iife", sourcemap: true },
    plugins: [injectUiFile, esbuild({ target: "es2020", tsconfig: path.join(root, "tsconfig.json"), minify: true })],
  },
  // Parley's service worker part for web push (served at /parley-sw.js): a classic script, since a
  // host's own service worker takes it in with importScripts().
  {
    onwarn: failOnWarning,
    input: "widget/src/sw/parley-sw.ts",
    output: { file: "widget/dist/parley-sw.js", format: "iife", sourcemap: true },
    plugins: [esbuild({ target: "es2020", tsconfig: path.join(root, "tsconfig.json"), minify: true })],
  },
  // The console (issue 32): Lit pages on the widget's design tokens, served by every node at /console/.
  // index.html names the hashed entry; every page is a chunk of its own, loaded when first shown.
  {
    onwarn: failOnWarning,
    input: { console: "console/src/console.ts" },
    output: { dir: "console/dist", format: "esm", entryFileNames: "[name]-[hash].js", chunkFileNames: "[name]-[hash].js", sourcemap: true },
    plugins: [
      cssLiterals,
      protocolAlias,
      // (The moderation page's live feed is a Socket.IO client.)
      browserBuilds,
      nodeResolve({ browser: true, exportConditions: ["browser", "import", "default"] }),
      esbuild({ target: "es2020", tsconfig: path.join(root, "tsconfig.json"), minify: true }),
      consoleHtml,
    ],
  },
  // The SDK as one self-contained ES module for pages without a bundler (served at /sdk.js).
  {
    onwarn: failOnWarning,
    input: "sdk/src/index.ts",
    // One file: the offline-persistence chunk is inlined (it is small and this build has no siblings).
    output: { file: "sdk/dist/parley-sdk.browser.js", format: "esm", sourcemap: true, inlineDynamicImports: true },
    plugins: [
      browserBuilds,
      websocketOnly,
      nodeResolve({ browser: true, exportConditions: ["browser", "import", "default"] }),
      esbuild({ target: "es2020", tsconfig: path.join(root, "tsconfig.json"), minify: true }),
    ],
  },
  // One ES module per source file, so that dist/x.js sits beside the dist/x.d.ts that tsc emits
  // and package.json's "sideEffects" can name the files that register elements.
  {
    onwarn: failOnWarning,
    input: { index: "widget/src/index.ts", define: "widget/src/define.ts" },
    output: { dir: "widget/dist", format: "esm", preserveModules: true, preserveModulesRoot: "widget/src", entryFileNames: "[name].js", sourcemap: true },
    external: [
      "lit",
      /^lit\//,
      "@parley/sdk",
      "@parley/sdk/protocol",
      "@parley/sdk/rich",
      "@parley/sdk/later",
      "@parley/sdk/streams",
      "@parley/sdk/calls",
      "socket.io-client",
    ],
    plugins: [cssLiterals, emojiData(), ts("es2020")],
  },
];
