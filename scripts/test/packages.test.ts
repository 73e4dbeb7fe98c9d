// The published packages as a user gets them: `npm pack` each one, check the tarballs with
// arethetypeswrong and publint, install them into a scratch project, then import (ESM), require
// (CJS), type-check consumers under moduleResolution node16 and bundler (with the React, Preact,
// Vue and Svelte typings of <parley-chat>), and bundle the widget by name with esbuild. Last, the
// custom elements manifest against the widget's README.
//
// Needs `npm run build` first (the test runner does it). The scratch install takes the tarballs
// plus their dependencies from the npm cache (`--prefer-offline`; the root install put them there),
// so it asks the registry only for what the cache lacks.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { build } from "esbuild";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin");
const PACKAGES = { sdk: "@parley/sdk", widget: "@parley/widget" } as const;
type Dir = keyof typeof PACKAGES;
const run = promisify(execFile);
/**
 * The environment of a user's shell: under `npm test` npm adds npm_config_* variables (the repo
 * as local prefix among them) that must not steer the scratch project's npm.
 */
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  customElements?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;
const packageJson = (dir: string): PackageJson => readJson<PackageJson>(path.join(dir, "package.json"));
const rootVersion = (name: string): string => packageJson(path.join(ROOT, "node_modules", name)).version;

/** Runs a command; resolves with its exit code and output (stdout to a file: attw's JSON is long). */
function exec(cmd: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const outFile = path.join(scratch, `out-${path.basename(cmd)}-${Math.random().toString(36).slice(2)}.txt`);
  const fd = openSync(outFile, "w");
  return new Promise((resolve, reject) => {
    let stderr = "";
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", fd, "pipe"], env: { ...userEnv, NO_COLOR: "1", FORCE_COLOR: "0" } });
    child.stderr!.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      closeSync(fd);
      resolve({ code: code ?? 1, stdout: readFileSync(outFile, "utf8"), stderr });
    });
  });
}

let scratch = "";
const tarball: Record<Dir, string> = { sdk: "", widget: "" };
const packedFiles: Record<Dir, string[]> = { sdk: [], widget: [] };
/** Started in before() and awaited by the tests, so that attw, publint and npm install overlap. */
let installed: Promise<void>;
let attw: Record<Dir, Promise<{ code: number; stdout: string; stderr: string }>>;

/** What a consumer project installs besides the tarballs: the frameworks whose typings we ship. */
const FRAMEWORKS = ["@types/react", "preact", "vue", "svelte"];

before(async () => {
  for (const f of ["sdk/dist/index.d.cts", "widget/dist/index.d.ts", "widget/dist/define.js", "widget/dist/custom-elements.json"]) {
    assert.ok(existsSync(path.join(ROOT, f)), `${f} is missing: run \`npm run build\` first`);
  }
  scratch = mkdtempSync(path.join(tmpdir(), "parley-packages-"));
  const packs = path.join(scratch, "packs");
  mkdirSync(packs);
  const { stdout } = await run("npm", ["pack", "--workspace", "sdk", "--workspace", "widget", "--pack-destination", packs, "--json"], {
    cwd: ROOT,
    env: userEnv,
  });
  for (const p of JSON.parse(stdout) as Array<{ name: string; filename: string; files: Array<{ path: string }> }>) {
    const dir = (Object.keys(PACKAGES) as Dir[]).find((d) => PACKAGES[d] === p.name)!;
    tarball[dir] = path.join(packs, p.filename);
    packedFiles[dir] = p.files.map((f) => f.path);
  }

  // `attw --pack` packs the directory and checks the tarball: we check the tarballs we packed.
  attw = {
    sdk: exec(path.join(BIN, "attw"), [tarball.sdk, "--format", "json"], scratch),
    // ESM only, like Lit: a require() from CommonJS resolving to ESM is the one expected finding.
    widget: exec(path.join(BIN, "attw"), [tarball.widget, "--format", "json", "--ignore-rules", "cjs-resolves-to-esm"], scratch),
  };
  for (const p of Object.values(attw)) p.catch(() => undefined); // awaited (and reported) by the tests

  const project = path.join(scratch, "app");
  mkdirSync(project);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, version: "0.0.0" }));
  installed = run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--no-package-lock",
      tarball.sdk,
      tarball.widget,
      ...FRAMEWORKS.map((f) => `${f}@${rootVersion(f)}`),
    ],
    { cwd: project, env: userEnv },
  ).then(() => undefined);
  installed.catch(() => undefined); // awaited (and reported) by the tests
});

after(() => {
  if (scratch && !process.env["PARLEY_KEEP_SCRATCH"]) rmSync(scratch, { recursive: true, force: true });
});

const app = (...p: string[]): string => path.join(scratch, "app", ...p);

describe("the packed tarballs", () => {
  test("@parley/sdk has no attw problem in any resolution mode (node10, node16 CJS and ESM, bundler)", async () => {
    const r = await attw.sdk;
    const report = JSON.parse(r.stdout) as { problems: Record<string, unknown[]> };
    assert.deepEqual(report.problems, {}, JSON.stringify(report.problems, null, 2));
    assert.equal(r.code, 0, r.stderr);
  });

  test("@parley/widget has no attw problem but being ESM-only (node10, node16 ESM and bundler resolve, types included)", async () => {
    const r = await attw.widget;
    assert.equal(r.code, 0, r.stdout.slice(0, 4000) + r.stderr);
    const report = JSON.parse(r.stdout) as { problems: Record<string, Array<{ resolutionKind?: string }>> };
    const others = Object.entries(report.problems).filter(([kind]) => kind !== "CJSResolvesToESM");
    assert.deepEqual(others, []);
    for (const p of report.problems["CJSResolvesToESM"] ?? []) assert.equal(p.resolutionKind, "node16-cjs");
  });

  for (const dir of Object.keys(PACKAGES) as Dir[]) {
    test(`${PACKAGES[dir]} passes publint --strict`, async () => {
      const pkg = packageJson(path.join(ROOT, dir));
      const { messages } = await publint({ pack: { tarball: new Uint8Array(readFileSync(tarball[dir])).buffer }, strict: true, level: "suggestion" });
      const failing = messages.filter((m) => m.type !== "suggestion");
      assert.deepEqual(
        failing.map((m) => formatMessage(m, pkg) ?? m.code),
        [],
      );
    });
  }

  test("each tarball ships its build, README and the MIT LICENSE, and no sources or tests", () => {
    const license = readFileSync(path.join(ROOT, "LICENSE"), "utf8");
    assert.match(license, /^MIT License\n\nCopyright \(c\) Parley contributors\n/);
    for (const dir of Object.keys(PACKAGES) as Dir[]) {
      const files = packedFiles[dir];
      for (const f of ["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts"]) assert.ok(files.includes(f), `${dir}: ${f}`);
      assert.equal(readFileSync(path.join(ROOT, dir, "LICENSE"), "utf8"), license, `${dir}/LICENSE is the root LICENSE`);
      assert.deepEqual(
        files.filter((f) => /^(src|test)\//.test(f)),
        [],
      );
      assert.equal(packageJson(path.join(ROOT, dir)).license, "MIT");
    }
    for (const f of [
      "dist/index.cjs",
      "dist/index.d.cts",
      "dist/protocol.js",
      "dist/protocol.cjs",
      "dist/protocol.d.ts",
      "dist/protocol.d.cts",
      "protocol/package.json",
      "dist/server/index.js",
      "dist/server/index.cjs",
      "dist/server/index.d.ts",
      "dist/server/index.d.cts",
      "server/package.json",
    ]) {
      assert.ok(packedFiles.sdk.includes(f), `sdk: ${f}`);
    }
    const widget = packageJson(path.join(ROOT, "widget"));
    assert.ok(packedFiles.widget.includes(String(widget.customElements).replace(/^\.\//, "")), "the manifest named by customElements ships");
    for (const f of ["dist/define.js", "dist/define.d.ts", "dist/widget.js", "types/react.d.ts", "types/preact.d.ts", "types/vue.d.ts", "types/svelte.d.ts"]) {
      assert.ok(packedFiles.widget.includes(f), `widget: ${f}`);
    }
  });

  test("no browser file of @parley/sdk imports a Node built-in: node: modules are only in dist/server/ (@parley/sdk/server)", async () => {
    await installed;
    const browserFiles = packedFiles.sdk.filter((f) => /^dist\/.*\.(c?js)$/.test(f) && !f.startsWith("dist/server/"));
    assert.ok(browserFiles.includes("dist/index.js") && browserFiles.includes("dist/parley-sdk.browser.js"), browserFiles.join(", "));
    for (const f of browserFiles) {
      assert.doesNotMatch(readFileSync(app("node_modules", "@parley", "sdk", f), "utf8"), /(from\s*|import\(|require\()\s*["']node:/, f);
    }
    assert.match(readFileSync(app("node_modules", "@parley", "sdk", "dist", "server", "index.js"), "utf8"), /["']node:crypto["']/, "the check would see one");
  });

  test("runtime dependencies are ranges, not exact pins: socket.io-client (the SDK's only one), lit, @parley/sdk", () => {
    const sdk = packageJson(path.join(ROOT, "sdk"));
    assert.deepEqual(Object.keys(sdk.dependencies ?? {}), ["socket.io-client"]);
    const widget = packageJson(path.join(ROOT, "widget"));
    const deps = { ...sdk.dependencies, ...widget.dependencies, ...widget.peerDependencies };
    for (const [name, range] of Object.entries(deps)) assert.match(String(range), /^[\^~>]/, `${name}@${range}`);
  });
});

describe("a project that installs the tarballs", () => {
  before(() => installed);

  test("imports the SDK as ESM and requires it as CommonJS, with the same exports (@parley/sdk/server too)", async () => {
    writeFileSync(
      app("esm.mjs"),
      `import * as sdk from "@parley/sdk"; import * as protocol from "@parley/sdk/protocol"; import * as server from "@parley/sdk/server";
       const serverError = new server.ParleyServerError("conflict", "x") instanceof sdk.ChatError;
       console.log(JSON.stringify({ sdk: Object.keys(sdk).sort(), protocol: Object.keys(protocol).sort(), server: Object.keys(server).sort(), client: typeof sdk.ChatClient, serverError }));`,
    );
    writeFileSync(
      app("cjs.cjs"),
      `const sdk = require("@parley/sdk"); const protocol = require("@parley/sdk/protocol"); const server = require("@parley/sdk/server");
       const from = require.resolve("@parley/sdk");
       const serverError = new server.ParleyServerError("conflict", "x") instanceof sdk.ChatError;
       console.log(JSON.stringify({ sdk: Object.keys(sdk).sort(), protocol: Object.keys(protocol).sort(), server: Object.keys(server).sort(), client: typeof sdk.ChatClient, from, serverError }));`,
    );
    const esm = JSON.parse((await run(process.execPath, ["esm.mjs"], { cwd: app() })).stdout);
    const cjs = JSON.parse((await run(process.execPath, ["cjs.cjs"], { cwd: app() })).stdout);
    assert.equal(esm.client, "function");
    assert.equal(cjs.client, "function");
    assert.ok(cjs.from.endsWith(path.join("@parley", "sdk", "dist", "index.cjs")), cjs.from);
    assert.ok(esm.sdk.includes("ChatClient") && esm.sdk.includes("isChatError"));
    assert.deepEqual(cjs.sdk, esm.sdk);
    assert.deepEqual(cjs.protocol, esm.protocol);
    for (const name of ["ParleyServer", "ParleyServerError", "verifyWebhook", "WebhookVerificationError"]) assert.ok(esm.server.includes(name), name);
    assert.deepEqual(cjs.server, esm.server);
    assert.equal(esm.serverError, true, "a ParleyServerError is a ChatError (one shared class)");
    assert.equal(cjs.serverError, true);
    assert.ok(!esm.sdk.includes("ParleyServer"), "the server SDK is only in @parley/sdk/server");
  });

  test("type-checks consumers under moduleResolution node16 (ESM and CommonJS files) and bundler, framework typings included", async () => {
    const node16 = app("node16");
    mkdirSync(node16, { recursive: true });
    writeFileSync(
      path.join(node16, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "node16",
          moduleResolution: "node16",
          target: "es2022",
          lib: ["es2022", "dom"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        include: ["*.mts", "*.cts"],
      }),
    );
    writeFileSync(
      path.join(node16, "esm.mts"),
      `import { ChatClient, isChatError, type Message } from "@parley/sdk";
       import type { ErrorBody } from "@parley/sdk/protocol";
       import { ParleyChat } from "@parley/widget";
       import "@parley/widget/define";
       import { ParleyServer, verifyWebhook, type WebhookEvent } from "@parley/sdk/server";
       const chat = new ChatClient({ server: "https://chat.example", appId: "app_1" });
       // @ts-expect-error appId is a string
       new ChatClient({ server: "https://chat.example", appId: 1 });
       export const seen: Message[] = [];
       chat.on("message.new", (e) => void seen.push(e.data.message));
       export const body: ErrorBody | undefined = undefined;
       export const check = (e: unknown): boolean => isChatError(e);
       const el: ParleyChat = document.createElement("parley-chat");
       el.mode = "inline";
       const parley = new ParleyServer<{ plan: string }, { orderId: string }>({ server: "https://chat.example", keyId: "key_1", secret: "sk" });
       export const listed = parley.listConversations({ filter: { orderId: "1" } }).then((p) => p.items[0]?.data?.orderId);
       // @ts-expect-error custom data is typed by the generics
       export const badData = parley.upsertUser({ sub: "u", name: "U", data: { plan: 1 } });
       export const verified = (body: string): WebhookEvent => verifyWebhook({ headers: { "parley-signature": "" }, body }, { key_1: "sk" });
       // @ts-expect-error mode is "launcher" | "inline"
       el.mode = "sideways";`,
    );
    writeFileSync(
      path.join(node16, "cjs.cts"),
      `import { ChatClient, ChatError } from "@parley/sdk";
       import protocol = require("@parley/sdk/protocol");
       import { ParleyServer, ParleyServerError } from "@parley/sdk/server";
       const chat: ChatClient = new ChatClient({ server: "https://chat.example", appId: "app_1" });
       const parley = new ParleyServer({ server: "https://chat.example", keyId: "key_1", secret: "sk" });
       export = { chat, parley, isError: (e: unknown) => e instanceof ChatError || e instanceof ParleyServerError, protocol };`,
    );

    const bundler = app("bundler");
    mkdirSync(bundler, { recursive: true });
    writeFileSync(
      path.join(bundler, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "esnext",
          moduleResolution: "bundler",
          target: "es2022",
          lib: ["es2022", "dom", "dom.iterable"],
          types: [],
          strict: true,
          noEmit: true,
          jsx: "react-jsx",
          // The frameworks' own declarations take seconds to check; ours are checked in node16 above,
          // and the @ts-expect-error lines below fail if any typing degrades to `any`.
          skipLibCheck: true,
        },
        include: ["*.ts", "*.tsx"],
      }),
    );
    writeFileSync(
      path.join(bundler, "app.ts"),
      `import { ChatClient, type ChatState } from "@parley/sdk";
       import { ParleyChat, ParleyThread, EN } from "@parley/widget";
       import "@parley/widget/define";
       import { ParleyServer, isParleyServerError } from "@parley/sdk/server";
       export const server = new ParleyServer({ server: "https://chat.example", keyId: "k", secret: "s" });
       export const isServerError = isParleyServerError;
       const chat = new ChatClient({ server: "https://chat.example", appId: "app_1" });
       chat.store.subscribe((s: ChatState) => void s);
       const el = document.querySelector("parley-chat");
       if (el instanceof ParleyChat) el.strings = { title: EN.title };
       export const thread: typeof ParleyThread = ParleyThread;`,
    );
    const attrs = `server="https://chat.example" app-id="app_1" mode="inline" theme="auto"`;
    writeFileSync(
      path.join(bundler, "react.tsx"),
      `import type {} from "@parley/widget/react";
       export const ok = <parley-chat ${attrs} onparley-unread={(e) => e.detail.toFixed()} onparley-message={(e) => e.detail.conversationId} />;
       // @ts-expect-error mode is "launcher" | "inline"
       export const bad = <parley-chat mode="sideways" />;`,
    );
    writeFileSync(
      path.join(bundler, "preact.tsx"),
      `/** @jsxImportSource preact */
       import type {} from "@parley/widget/preact";
       export const ok = <parley-chat ${attrs} onparley-unread={(e) => e.detail.toFixed()} />;
       // @ts-expect-error theme is "light" | "dark" | "auto"
       export const bad = <parley-chat theme="pink" />;`,
    );
    writeFileSync(
      path.join(bundler, "vue.ts"),
      `import type {} from "@parley/widget/vue";
       import type { GlobalComponents } from "vue";
       type Props = InstanceType<GlobalComponents["parley-chat"]>["$props"];
       export const ok: Props = { server: "https://chat.example", "app-id": "app_1", mode: "inline", onClick: () => undefined };
       // @ts-expect-error mode is "launcher" | "inline"
       export const bad: Props = { mode: "sideways" };
       export const emit = (c: InstanceType<GlobalComponents["parley-chat"]>) => c.$emit("parley-unread", new CustomEvent("parley-unread", { detail: 1 }));`,
    );
    writeFileSync(
      path.join(bundler, "svelte.ts"),
      `import type {} from "@parley/widget/svelte";
       import type { SvelteHTMLElements } from "svelte/elements";
       type Props = SvelteHTMLElements["parley-chat"];
       export const ok: Props = { server: "https://chat.example", "app-id": "app_1", "onparley-unread": (e) => void e.detail.toFixed(), "on:parley-closed": () => undefined };
       // @ts-expect-error mode is "launcher" | "inline"
       export const bad: Props = { mode: "sideways" };`,
    );

    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    const results = await Promise.all([node16, bundler].map((p) => exec(process.execPath, [tsc, "-p", p], p)));
    for (const [i, r] of results.entries()) assert.equal(r.code, 0, `${["node16", "bundler"][i]}:\n${r.stdout}${r.stderr}`);
  });

  test("a bundler build imports the widget by name: @parley/widget/define and { ParleyChat } from @parley/widget", async () => {
    writeFileSync(
      app("entry.js"),
      `import "@parley/widget/define";
       import { ParleyChat } from "@parley/widget";
       import { ChatClient } from "@parley/sdk";
       export const ok = customElements.get("parley-chat") === ParleyChat && typeof ChatClient === "function";`,
    );
    const result = await build({
      absWorkingDir: app(),
      entryPoints: ["entry.js"],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    assert.deepEqual(result.errors, []);
    const inputs = Object.keys(result.metafile.inputs);
    for (const f of [
      "node_modules/@parley/widget/dist/define.js",
      "node_modules/@parley/widget/dist/chat/parley-chat.js",
      "node_modules/@parley/sdk/dist/index.js",
    ]) {
      assert.ok(inputs.includes(f), `${f} in ${inputs.filter((i) => i.includes("@parley")).join(", ")}`);
    }
    assert.equal(new Set(inputs.filter((i) => /node_modules\/lit-element\//.test(i)).map((i) => i.split("/lit-element/")[0])).size, 1, "one copy of lit");
    assert.match(result.outputFiles[0]!.text, /customElements\.define\("parley-chat"/);
  });
});

// ---------------------------------------------------------------------------------------------
// The custom elements manifest against the README
// ---------------------------------------------------------------------------------------------

type Kind = "attributes" | "events" | "parts" | "cssProperties";
type Surface = Record<string, Record<Kind, string[]>>;
const KINDS: Record<string, Kind> = { attribute: "attributes", event: "events", part: "parts", "css property": "cssProperties" };

/**
 * What the README documents: the element table under "## Elements", then, under each heading
 * naming one element (`<parley-x>`), its tables, recognised by their first column's title.
 */
function documented(readme: string): { elements: string[]; surface: Surface } {
  const elements: string[] = [];
  const surface: Surface = {};
  let current: { tag: string; level: number } | undefined;
  let kind: Kind | "elements" | undefined;
  for (const line of readme.split("\n")) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      // "## `<parley-chat>`" opens an element's section; its subsections ("### Events") stay in it.
      const level = heading[1]!.length;
      const tag = /^`<(parley-[a-z-]+)>`$/.exec(heading[2]!.trim())?.[1];
      if (tag) current = { tag, level };
      else if (current && level <= current.level) current = undefined;
      kind = undefined;
      continue;
    }
    if (!line.startsWith("|")) {
      kind = undefined; // a table ends at the first line that is not a row
      continue;
    }
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const first = cells[0]!;
    if (kind === undefined) {
      const title = first.toLowerCase();
      kind = title === "element" ? "elements" : KINDS[title];
      if (kind && kind !== "elements") assert.ok(current, `a ${title} table outside an element's section`);
      continue;
    }
    const name = /^`<?([^`>]+)>?`$/.exec(first)?.[1];
    assert.ok(name, `README table row without a \`name\`: ${line}`);
    if (kind === "elements") elements.push(name);
    else (surface[current!.tag] ??= { attributes: [], events: [], parts: [], cssProperties: [] })[kind].push(name);
  }
  return { elements, surface };
}

interface ManifestDeclaration {
  tagName?: string;
  customElement?: boolean;
  attributes?: Array<{ name: string }>;
  events?: Array<{ name: string }>;
  cssParts?: Array<{ name: string }>;
  cssProperties?: Array<{ name: string }>;
}

function manifested(): Surface {
  const file = packageJson(path.join(ROOT, "widget")).customElements;
  assert.ok(file, "widget/package.json names its manifest in customElements");
  const manifest = readJson<{ modules: Array<{ path: string; declarations?: ManifestDeclaration[] }> }>(path.join(ROOT, "widget", file));
  const surface: Surface = {};
  for (const mod of manifest.modules) {
    for (const d of mod.declarations ?? []) {
      if (!d.customElement || !d.tagName) continue;
      const names = (list?: Array<{ name: string }>) => (list ?? []).map((x) => x.name);
      surface[d.tagName] = { attributes: names(d.attributes), events: names(d.events), parts: names(d.cssParts), cssProperties: names(d.cssProperties) };
    }
  }
  return surface;
}

describe("the custom elements manifest", () => {
  const readme = documented(readFileSync(path.join(ROOT, "widget/README.md"), "utf8"));
  const manifest = manifested();
  const sorted = (xs: string[]) => [...xs].sort();

  test("lists every element the README documents, and the README every element it lists", () => {
    assert.ok(readme.elements.includes("parley-chat"));
    assert.deepEqual(sorted(Object.keys(manifest)), sorted(readme.elements));
    assert.deepEqual(sorted(Object.keys(readme.surface)), sorted(readme.elements), "each element has its own section");
  });

  for (const kind of ["attributes", "events", "parts", "cssProperties"] as const) {
    test(`lists every ${kind === "cssProperties" ? "CSS property" : kind.slice(0, -1)} the README documents, element by element (and no other)`, () => {
      let count = 0;
      for (const [tag, doc] of Object.entries(readme.surface)) {
        assert.deepEqual(sorted(manifest[tag]?.[kind] ?? []), sorted(doc[kind]), `<${tag}> ${kind}`);
        count += doc[kind].length;
      }
      if (kind !== "cssProperties") assert.ok(count > 0);
    });
  }

  test("<parley-chat> documents the theme tokens the styles read, and every part its templates use", () => {
    const src = (f: string) => readFileSync(path.join(ROOT, "widget/src", f), "utf8");
    const files = readdirSync(path.join(ROOT, "widget/src"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const tokens = new Set(files.flatMap((f) => [...src(f).matchAll(/var\((--parley-[a-z-]+)/g)].map((m) => m[1]!)));
    assert.deepEqual(sorted(manifest["parley-chat"]!.cssProperties), sorted([...tokens]));
    // Templates an element draws from modules of their own (a lazy chunk, a shared helper).
    const drawnBy: Record<string, string[]> = {
      "parley-thread": [
        "thread/composer.ts",
        "message/parley-message.ts",
        "message/message-extras.ts",
        "message/formatting.ts",
        "polls/poll-card.ts",
        "pins/pin-mark.ts",
        "previews/preview-card.ts",
        "voice/voice-player.ts",
        // The clock beside Send, drawn by the later chunk (issue 55).
        "later/later.ts",
        // Streamed replies, agents' marks, translations (issue 54).
        "streams/stream-card.ts",
      ],
      "parley-replies": ["message/formatting.ts"],
      // The header's call buttons, drawn by the calls chunk (issue 53).
      "parley-chat": ["calls/call-buttons.ts"],
    };
    for (const [tag, surface] of Object.entries(manifest)) {
      // The element's module, parley-x.ts: in x/, or in its feature's folder (polls/, voice/).
      const file =
        files
          .find((f) => path.basename(f) === `${tag}.ts`)
          ?.split(path.sep)
          .join("/") ?? `${tag.replace(/^parley-/, "")}/${tag}.ts`;
      const code = [file, ...(drawnBy[tag] ?? [])].map(src).join("\n");
      const used = new Set([...code.matchAll(/\bpart="([a-z-]+)"/g)].map((m) => m[1]!));
      // A part chosen by state: part=${failed ? "notify-error" : "notify-status"}.
      for (const m of code.matchAll(/\bpart=\$\{([^}]*)\}/g)) for (const q of m[1]!.matchAll(/"([a-z-]+)"/g)) used.add(q[1]!);
      // A part named by a template's button helper: button("call-mute", …) (calls/parley-call.ts).
      for (const m of code.matchAll(/\bbutton\("([a-z-]+)"/g)) used.add(m[1]!);
      if (/\bavatar\(/.test(code)) used.add("avatar");
      if (/\bwithMentions\(/.test(code)) used.add("mention");
      assert.deepEqual(sorted(surface.parts), sorted([...used]), `<${tag}> parts in ${[file, ...(drawnBy[tag] ?? [])].join(", ")}`);
    }
  });
});
