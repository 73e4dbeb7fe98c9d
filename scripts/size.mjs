// Prints the minified + gzipped size of what ships to browsers, against each budget.
// `npm run size`; exits 1 when something is over budget.
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Minifies the CSS inside Lit's css`…` literals (esbuild leaves template text alone): comments
 * go, whitespace runs collapse, and spaces next to { } ; , and after : disappear. Spaces before
 * ":" stay ("a :focus" is a descendant selector). Used by the rollup build and by this script.
 */
export function minifyCssLiterals(code) {
  return code.replace(/\bcss`([^`]*)`/g, (_, body) => {
    const min = body
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\s+/g, " ")
      .replace(/\s*([{};,])\s*/g, "$1")
      .replace(/:\s+/g, ":")
      .replace(/;}/g, "}")
      .trim();
    return "css`" + min + "`";
  });
}

/**
 * Collapses the indentation inside Lit's html`…` and svg`…` literals: each run of whitespace
 * with a line break in a template's static text becomes one space, which renders the same (the
 * widget has no static text in a white-space: pre context; its <pre> and pre-wrap elements hold
 * only bindings). Expressions inside ${…} are copied as they are (nested tagged templates get the
 * same treatment). A scanner, not a regular expression: templates nest.
 */
export function minifyHtmlLiterals(code) {
  let out = "";
  let i = 0;
  const tag = /\b(?:html|svg)`/g;
  for (let m; (m = tag.exec(code)); ) {
    if (m.index < i) continue;
    out += code.slice(i, m.index + m[0].length);
    i = template(m.index + m[0].length, true);
    tag.lastIndex = i;
  }
  return out + code.slice(i);

  /** Copies a template literal's body from `at` (after its opening backtick) to after its closing one. */
  function template(at, min) {
    let text = "";
    const flush = () => ((out += min ? text.replace(/\s*\n\s*/g, " ") : text), (text = ""));
    while (at < code.length) {
      const c = code[at];
      if (c === "\\") {
        text += code.slice(at, at + 2);
        at += 2;
      } else if (c === "`") {
        flush();
        out += "`";
        return at + 1;
      } else if (c === "$" && code[at + 1] === "{") {
        flush();
        out += "${";
        at = expression(at + 2);
      } else text += code[at++];
    }
    flush();
    return at;
  }

  /** Copies an expression from `at` to after its closing brace, nested templates treated as templates. */
  function expression(at) {
    let depth = 0;
    while (at < code.length) {
      const c = code[at];
      if (c === "'" || c === '"') {
        const end = stringEnd(at);
        out += code.slice(at, end);
        at = end;
      } else if (c === "`") {
        const tagged = /\b(?:html|svg)$/.test(out);
        out += "`";
        at = template(at + 1, tagged);
      } else if (c === "{") {
        depth++;
        out += c;
        at++;
      } else if (c === "}") {
        out += c;
        at++;
        if (depth-- === 0) return at;
      } else {
        out += c;
        at++;
      }
    }
    return at;
  }

  function stringEnd(at) {
    const q = code[at];
    for (let j = at + 1; j < code.length; j++) {
      if (code[j] === "\\") j++;
      else if (code[j] === q || code[j] === "\n") return j + 1;
    }
    return code.length;
  }
}

/** What the build and this script do to the widget's sources: their CSS and HTML literals, minified. */
export const minifyLiterals = (code) => minifyHtmlLiterals(minifyCssLiterals(code));

/** esbuild plugin: minifyLiterals on the widget's sources. */
export const cssLiterals = {
  name: "css-literals",
  setup(b) {
    b.onLoad({ filter: /widget\/src\/.*\.ts$/ }, async (args) => {
      const { readFile } = await import("node:fs/promises");
      return { contents: minifyLiterals(await readFile(args.path, "utf8")), loader: "ts" };
    });
  },
};

/**
 * The widget's socket speaks WebSocket only (the SDK's default; the widget sets no other), so its
 * UI bundle leaves out engine.io-client's long-polling and WebTransport transports (about 5 KB
 * minified, 1.7 KB br): engine.io-client's table of transports is replaced by one that names
 * WebSocket alone. Apps that bundle the SDK themselves keep every transport.
 */
export const TRANSPORTS_TABLE = /[\\/]engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/;
export const websocketOnlyTransports = (dir) =>
  `import { WS } from ${JSON.stringify(path.join(dir, "websocket.js"))};\nexport const transports = { websocket: WS };\n`;

/** A resolve made by websocketOnly itself (it asks esbuild for the path, then marks it). */
const ENGINE_IO = { engineIo: true };

/**
 * esbuild plugin: websocketOnlyTransports for the widget's UI, and engine.io-client's modules
 * free of side effects, as the build has them (rollup.config.mjs, treeshake.moduleSideEffects):
 * its index re-exports every transport and the XHR one runs a probe at load, so without this the
 * line counted the long-polling transport (2.5 KB min, 0.7 KB br) that the shipped UI leaves out.
 */
const websocketOnly = {
  name: "websocket-only",
  setup(b) {
    b.onResolve({ filter: /^(engine\.io-client$|\.\.?\/)/ }, async (args) => {
      if (args.pluginData === ENGINE_IO || !(args.path === "engine.io-client" || /[\\/]engine\.io-client[\\/]/.test(args.importer))) return undefined;
      const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: ENGINE_IO });
      return r.errors.length ? undefined : { path: r.path, namespace: r.namespace, sideEffects: false };
    });
    b.onLoad({ filter: TRANSPORTS_TABLE }, (args) => ({
      contents: websocketOnlyTransports(path.dirname(args.path)),
      loader: "js",
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * Every browser bundle we ship, with what it may leave out and its budget. The script tag loads
 * the loader only; the UI comes when the visitor opens the chat (or, signed in, when the browser
 * is idle). Budgets are on gzip, except the UI's, which is on brotli: what the server sends to
 * every browser that accepts it (server/src/assets), that is what a visitor transfers.
 */
/** Whether `abs` is split off by a real build into a chunk loaded later (a dynamic import). */
const isLazy = (abs) =>
  // offline persistence (issue 22)
  /[\\/]persistence[\\/]?/.test(path.relative(path.join(root, "sdk/src"), abs)) ||
  // the profile's "Your data" view, message search and the report / moderation dialog (issue 17),
  // people search, details and the profile; a thread, the mention picker, and what a message shows
  // only sometimes (its actions, reactions, a refusal's reason, mention chips) (issue 17); pending
  // group invitations (issue 31); the emoji picker (issue 33)
  /[\\/]widget[\\/]src[\\/]\w+[\\/](parley-(data|info|people|search|moderate|replies|mention|invitations|signin|emoji)|message-extras)\.[jt]s$/.test(abs) ||
  // message formatting: its parser and what draws it (issue 33)
  /[\\/]widget[\\/]src[\\/]message[\\/](formatting|markdown)\.[jt]s$/.test(abs) ||
  // the cards a message may carry (a voice message, a poll, a link preview, a pin), the composer's
  // "+" menu and what it opens (a poll's form, the voice recorder) (issue 33)
  // (a feature's folder holds its card, its form or recorder, and the loader the "+" menu fetches.)
  // and the calls: the call view, fetched after sign-in where the browser has WebRTC, and a call's entry (issue 53)
  /[\\/]widget[\\/]src[\\/](voice|polls|calls|previews|pins|tools)[\\/]/.test(abs) ||
  // scheduled sends and drafts in the open conversation, and the schedule menu (issue 55)
  /[\\/]widget[\\/]src[\\/]later[\\/]/.test(abs) ||
  // reminders: "Remind me", the profile's list and a reminder's notice (issue 55)
  /[\\/]widget[\\/]src[\\/]reminders[\\/]/.test(abs) ||
  // streamed replies, agents' marks, translation and summaries (issue 54)
  /[\\/]widget[\\/]src[\\/]streams[\\/]/.test(abs) ||
  // the translations, and what alerts a visitor whose tab is hidden (issue 31)
  /[\\/]widget[\\/]src[\\/](i18n[\\/]locales[\\/][\w-]+|chat[\\/]notify|i18n[\\/]language)\.[jt]s$/.test(abs);

/**
 * esbuild plugin: the lazily loaded chunks (isLazy) stay out of the bundles that import them
 * dynamically (a real build splits them off), and, measured alone, the modules they import from
 * outside stay out of them (a real build shares those with the importer).
 */
const lazyChunk = (role) => ({
  name: "lazy-chunk",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const abs = path.resolve(args.resolveDir, args.path);
      const inChunk = isLazy(abs);
      // (A chunk's own dynamic imports of other chunks stay out of it as well.)
      if (inChunk && args.kind === "dynamic-import") return { path: args.path, external: true };
      if (role === "chunk" && !inChunk && args.kind !== "entry-point") return { path: args.path, external: true };
      return undefined;
    });
  },
});

export const BUNDLES = [
  // 10 KB until the SDK learned gap-safe catch-up with retention fallback, cross-tab sessions,
  // REST timeouts and retries and a pipelined outbox (issues 14, 15): about 10.2 KB gz. 11 KB
  // leaves room for nothing big: offline persistence (issue 22) must be a lazily loaded chunk.
  // 12 KB since issue 17: the entry also exports Moderation (about 0.4 KB gz), a module of its own
  // that only a page which moderates imports (the widget's UI does not: its own line measures
  // what it carries), and ChatClient gained search and request. 13 KB with threads and mentions
  // (ThreadHandle, replies in the reducer, every persisted event from the socket: ~0.7 KB gz) and
  // the catch-up's settled cursor (~0.15 KB). Rich messages' calls live in @parley/sdk/rich
  // (below): the core gained two webhook event types, paid for by shorter error texts. The
  // widget's UI line (40 KB br) is the hard limit. 13.1 KB since issue 34: a send's own event
  // comes in its ack (ownEcho: false, one socket frame less per message), about 20 B gz that
  // the 13.00 KB it stood at had no room for; the widget's UI stays within its 40 KB br.
  // 13.3 KB since issue 56: presence on request in big groups (ChatClient.watchPresence, asked
  // again after each reconnect, answers ordered with the pushed presence): 0.14 KB gz over the
  // 13.08 it stood at. A group view cannot show presence without it, so it is core, not a module.
  // 13.5 KB since answers that arrive after the events that superseded them no longer undo them
  // (a page of group invitations lost an invitation heard while it was on its way; a conversation
  // I had just left came back with a refresh's late answer; a deleted message's text came back
  // with a reaction's late answer): 0.11 KB gz over the 13.30 it stood at.
  { name: "@parley/sdk (without socket.io-client)", entry: "sdk/src/index.ts", external: ["socket.io-client"], budget: 13.5 * 1024, lazy: "importer" },
  // Pins and polls for a signed-in ChatClient (issue 33): imported only where a view needs them.
  { name: "@parley/sdk/rich (pins and polls)", entry: "sdk/src/rich.ts", external: ["socket.io-client"], budget: 1024, lazy: "importer" },
  // Scheduled sends, reminders and drafts (issue 55): imported only where a view offers "send later",
  // "remind me" or keeps drafts. Drafts (sdk/src/drafts.ts: debounced saves, per-conversation request
  // order, another device's events, clearing on this client's send) add about 1.1 KB gz: 1 -> 2.25 KB.
  { name: "@parley/sdk/later (scheduled sends, reminders, drafts)", entry: "sdk/src/later.ts", external: ["socket.io-client"], budget: 2304, lazy: "importer" },
  // Streamed messages and agents' states (issue 54): deltas by offset, ai.state, Stop, the final
  // message in place of the one that grew; imported only where a view shows agents, so the core
  // does not grow. Measured alone it carries the store's draft (draft.ts), which a real bundle
  // shares with the core.
  {
    name: "@parley/sdk/streams (streamed replies and agents' states)",
    entry: "sdk/src/streams.ts",
    external: ["socket.io-client"],
    budget: 2.5 * 1024,
    lazy: "importer",
  },
  // Calls (issue 53): signalling and the WebRTC session, imported only by pages that offer calls;
  // the core SDK above does not grow for them (the module reaches the chat's socket itself).
  // 3.5 KB since group calls (GroupCallSession: publisher and subscriber through the server's SFU).
  {
    name: "@parley/sdk/calls (signalling and WebRTC session)",
    entry: "sdk/src/calls.ts",
    external: ["socket.io-client"],
    budget: 3.5 * 1024,
    lazy: "importer",
  },
  // Loaded only with `persistence: "indexeddb"` (on in the widget), after the UI: IndexedDB cache,
  // durable outbox, tab coordination (issue 22).
  { name: "@parley/sdk offline persistence (lazy chunk)", entry: "sdk/src/persistence/persistence.ts", external: [], budget: 3 * 1024, lazy: "chunk" },
  // Loaded when a visitor opens their profile: download their data, delete their account (issue 17).
  {
    name: "widget data rights view (lazy chunk, loaded with the profile)",
    entry: "widget/src/data/parley-data.ts",
    external: ["lit", "@parley/sdk"],
    budget: 2 * 1024,
    lazy: "chunk",
  },
  // Loaded when a visitor first opens details or the profile (info), or starts a chat (people).
  {
    name: "widget details and profile views (lazy chunk)",
    entry: "widget/src/info/parley-info.ts",
    external: ["lit", "@parley/sdk"],
    // 4 KB (was 3): it was at 3.0 when the "Pinned messages" button that fetches the pinned list's chunk came in (issue 33).
    budget: 4 * 1024,
    lazy: "chunk",
  },
  {
    name: "widget people search and new group (lazy chunk)",
    entry: "widget/src/people/parley-people.ts",
    external: ["lit", "@parley/sdk"],
    budget: 2 * 1024,
    lazy: "chunk",
  },
  // Loaded when a visitor first opens message search (issue 17).
  {
    name: "widget message search (lazy chunk)",
    entry: "widget/src/search/parley-search.ts",
    external: ["lit", "@parley/sdk"],
    budget: 2 * 1024,
    lazy: "chunk",
  },
  // Loaded when a visitor first reports a message, or a moderator first acts on one (issue 17).
  {
    name: "widget report and moderation dialog (lazy chunk)",
    entry: "widget/src/moderate/parley-moderate.ts",
    external: ["lit", "@parley/sdk"],
    budget: 3 * 1024,
    lazy: "chunk",
  },
  // Loaded when a visitor first opens a message's thread (issue 17).
  {
    name: "widget thread view (lazy chunk)",
    entry: "widget/src/replies/parley-replies.ts",
    external: ["lit", "@parley/sdk"],
    budget: 3 * 1024,
    lazy: "chunk",
  },
  // Loaded when a message first needs it: its actions (hover, tap, Enter), its reactions, why a
  // send was refused, mention chips; the composer's attached files and "Editing" / "Replying to"
  // line (issue 17).
  {
    name: "widget message extras: actions, reactions, refusals, mention chips, files to send (lazy chunk)",
    entry: "widget/src/message/message-extras.ts",
    external: ["lit", "@parley/sdk"],
    budget: 3 * 1024,
    lazy: "chunk",
  },
  // Loaded when a message's text first has a formatting character (*, _, ~, `, [, "> ", "- ",
  // "1. "): the Markdown subset's parser and what draws it (issue 33).
  {
    name: "widget message formatting (lazy chunk)",
    entry: "widget/src/message/formatting.ts",
    external: ["lit", "@parley/sdk"],
    budget: 3 * 1024,
    lazy: "chunk",
  },
  // Loaded when the conversation's message box first gets an "@" (issue 17).
  {
    name: "widget mention picker (lazy chunk)",
    entry: "widget/src/mention/parley-mention.ts",
    external: ["lit", "@parley/sdk"],
    budget: 2 * 1024,
    lazy: "chunk",
  },
  // Loaded when a visitor first opens the emoji picker (the composer's emoji button, a message's
  // "+" reaction); its dataset, a chunk per language made by scripts/build/emoji-data.mjs, comes
  // with it (node scripts/build/emoji-data.mjs prints their sizes) (issue 33).
  {
    name: "widget emoji picker (lazy chunk)",
    entry: "widget/src/emoji/parley-emoji.ts",
    external: ["lit", "@parley/sdk", "virtual:parley-emoji/*"],
    budget: 4 * 1024,
    lazy: "chunk",
  },
  // Issue 33: the composer's "+" menu, and each card a message may carry, fetched when the first
  // message that has one is drawn.
  {
    name: "widget composer menu (lazy chunk)",
    entry: "widget/src/tools/parley-tools.ts",
    external: ["lit", "@parley/sdk"],
    budget: 2 * 1024,
    lazy: "chunk",
  },
  { name: "widget poll card (lazy chunk)", entry: "widget/src/polls/poll-card.ts", external: ["lit", "@parley/sdk"], budget: 3 * 1024, lazy: "chunk" },
  { name: "widget poll form (lazy chunk)", entry: "widget/src/polls/poll-form.ts", external: ["lit", "@parley/sdk"], budget: 3 * 1024, lazy: "chunk" },
  {
    name: "widget link preview card (lazy chunk)",
    entry: "widget/src/previews/preview-card.ts",
    external: ["lit", "@parley/sdk"],
    budget: 1 * 1024,
    lazy: "chunk",
  },
  { name: "widget pin mark (lazy chunk)", entry: "widget/src/pins/pin-mark.ts", external: ["lit", "@parley/sdk"], budget: 1 * 1024, lazy: "chunk" },
  // The pinned messages list, opened from the conversation's details (issue 33).
  { name: "widget pinned list (lazy chunk)", entry: "widget/src/pins/parley-pins.ts", external: ["lit", "@parley/sdk"], budget: 3 * 1024, lazy: "chunk" },
  { name: "widget voice player (lazy chunk)", entry: "widget/src/voice/voice-player.ts", external: ["lit", "@parley/sdk"], budget: 3 * 1024, lazy: "chunk" },
  // Calls (issue 53): the ringing and call views with the header's buttons, fetched once someone
  // is signed in where the browser has WebRTC (it imports @parley/sdk/calls, measured on its own
  // line above); a finished call's entry in the reader's language, fetched when a thread shows one.
  // 7.75 KB since the group call's grid (tiles that reflow for 2 to 25, who speaks), the devices
  // menu (microphone, camera, speaker) and the ring (a WebAudio tone, the hidden tab's title):
  // 7.3 KB gz, fetched only by a signed-in visitor whose browser has WebRTC, never by the UI.
  {
    name: "widget call view (lazy chunk)",
    entry: "widget/src/calls/parley-call.ts",
    external: ["lit", "@parley/sdk", "@parley/sdk/calls"],
    budget: 7.75 * 1024,
    lazy: "chunk",
  },
  { name: "widget call entry (lazy chunk)", entry: "widget/src/calls/call-entry.ts", external: ["lit", "@parley/sdk"], budget: 1 * 1024, lazy: "chunk" },
  // 4 KB: the recorder carries MediaRecorder's and the level meter's states, the review's player
  // and the player's strings and styles it shares (3.7 KB gz); fetched only when a visitor records.
  {
    name: "widget voice recorder (lazy chunk)",
    entry: "widget/src/voice/parley-voice-recorder.ts",
    external: ["lit", "@parley/sdk"],
    budget: 4 * 1024,
    lazy: "chunk",
  },
  // Issue 55: fetched once a conversation that exists is open: the scheduled messages' bar over the
  // composer, Send's clock button and the box kept as the conversation's draft, with the SDK's
  // scheduled sends and drafts (@parley/sdk/later) and their strings in every language (3.4 KB gz
  // of its 7); the schedule menu and its form, fetched at the button's first press, measured
  // without what it shares with the first (which is always there before it: a real build leaves
  // those modules in the first).
  {
    name: "widget scheduled messages and drafts (lazy chunk)",
    entry: "widget/src/later/later.ts",
    external: ["lit", "@parley/sdk"],
    budget: 7.5 * 1024,
    lazy: "chunk",
  },
  {
    name: "widget schedule menu (lazy chunk)",
    entry: "widget/src/later/parley-schedule-menu.ts",
    external: ["lit", "@parley/sdk", "@parley/sdk/later", "*/scheduling.js", "*/parley-scheduled.strings.js", "*/draft-sync.js"],
    // Its code 2.4 KB gz, its strings in every language 2 KB.
    budget: 4.5 * 1024,
    lazy: "chunk",
  },
  // Loaded with the conversation list once someone is signed in: pending group invitations, with
  // the SDK's Invitations module (issue 31).
  {
    name: "widget group invitations (lazy chunk)",
    entry: "widget/src/invitations/parley-invitations.ts",
    external: ["lit", "@parley/sdk"],
    budget: 2 * 1024,
    lazy: "chunk",
  },
  // Reminders (issue 55), each part fetched when first needed and carrying its strings in every
  // language: "Remind me" (a message's ⋯ menu), the profile's list, and the notice of one come due
  // (fetched by the UI's one listener for reminder.due). Each carries its fifteen translations
  // (about 60% of each: parley-remind.strings.ts is 8 KB min, 2.6 KB gz), so the locale chunks every
  // non-English visitor fetches do not grow; and reminders-of.ts, which a real build shares.
  // @parley/sdk/later is measured on its own line above.
  {
    name: "widget remind me dialog (lazy chunk)",
    entry: "widget/src/reminders/parley-remind.ts",
    external: ["lit", "@parley/sdk", "@parley/sdk/later"],
    budget: 4.5 * 1024,
    lazy: "chunk",
  },
  {
    name: "widget reminders list (lazy chunk)",
    entry: "widget/src/reminders/parley-reminders.ts",
    external: ["lit", "@parley/sdk", "@parley/sdk/later"],
    budget: 4.25 * 1024,
    lazy: "chunk",
  },
  {
    name: "widget reminder due notice (lazy chunk)",
    entry: "widget/src/reminders/parley-reminder-due.ts",
    external: ["lit", "@parley/sdk", "@parley/sdk/later"],
    budget: 3.5 * 1024,
    lazy: "chunk",
  },
  // Streamed replies and AI agents (issue 54): fetched when the open conversation has an agent or a
  // streamed message, or the app translates; the details' summaries and "Translate new messages"
  // come with the details where the app turned them on. Both carry their fifteen translations.
  {
    name: "widget streamed replies, AI marks and translations (lazy chunk)",
    entry: "widget/src/streams/stream-card.ts",
    external: ["lit", "@parley/sdk", "@parley/sdk/streams"],
    budget: 5 * 1024,
    lazy: "chunk",
  },
  {
    name: "widget summaries and auto-translate in the details (lazy chunk)",
    entry: "widget/src/streams/parley-ai-tools.ts",
    // (The streamed replies' chunk is shared with it in a real build.)
    external: ["lit", "@parley/sdk", "@parley/sdk/streams", "./stream-card.js"],
    budget: 2.5 * 1024,
    lazy: "chunk",
  },
  // Issue 31: the sign-in form (pages with a host token or a kept session never load it); what
  // alerts a visitor whose tab is hidden (chime, browser notification); the table of translations
  // and the matching of the visitor's languages (fetched only when the first one is not English);
  // and a translation, the largest (Hindi: Devanagari is three bytes a letter in UTF-8).
  { name: "widget sign-in form (lazy chunk)", entry: "widget/src/signin/parley-signin.ts", external: ["lit", "@parley/sdk"], budget: 2 * 1024, lazy: "chunk" },
  { name: "widget hidden-tab alerts (lazy chunk)", entry: "widget/src/chat/notify.ts", external: ["lit", "@parley/sdk"], budget: 1 * 1024, lazy: "chunk" },
  { name: "widget language choice (lazy chunk)", entry: "widget/src/i18n/language.ts", external: [], budget: 1 * 1024, lazy: "chunk" },
  // 5.25 KB since issue 53: the calls' thirty strings (ringing, the call view, a call's entries) took it past 5.
  // 5.5 KB since group calls, the devices menu and lost connections (a dozen more call strings, 0.3 KB gz).
  { name: "widget translation, Hindi (lazy chunk)", entry: "widget/src/i18n/locales/hi.ts", external: [], budget: 5.5 * 1024, lazy: "chunk" },
  {
    name: "widget.js (the loader: all a page loads before the chat opens)",
    entry: "widget/src/embed.ts",
    external: [],
    budget: 3 * 1024,
    format: "iife",
    define: { __PARLEY_UI__: JSON.stringify("./widget-ui.js") },
  },
  {
    name: "widget UI (lit, socket.io-client, sdk and views: loaded on open)",
    entry: "widget/src/widget-ui.ts",
    external: [],
    budget: 40 * 1024,
    by: "br",
    lazy: "importer",
    websocketOnly: true,
  },
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
    define: bundle.define ?? {},
    write: false,
    tsconfig: path.join(root, "tsconfig.json"),
    logLevel: "silent",
    plugins: [cssLiterals, ...(bundle.lazy ? [lazyChunk(bundle.lazy)] : []), ...(bundle.websocketOnly ? [websocketOnly] : [])],
  });
  const code = out.outputFiles[0].contents;
  return {
    ...bundle,
    minified: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    br: brotliCompressSync(code, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY } }).length,
  };
}

async function main() {
  let over = false;
  for (const b of BUNDLES) {
    const m = await measure(b);
    const by = m.by ?? "gzip";
    const ok = m[by] <= m.budget;
    over ||= !ok;
    const br = m.by === "br" ? `, ${(m.br / 1024).toFixed(2)} KB br` : "";
    console.log(
      `${m.name}: ${(m.minified / 1024).toFixed(1)} KB min, ${(m.gzip / 1024).toFixed(2)} KB gz${br}${process.env.SIZE_BYTES ? ` [${m.gzip} B]` : ""} (budget ${Number((m.budget / 1024).toFixed(1))} KB${by === "br" ? " br" : ""}) ${ok ? "ok" : "OVER BUDGET"}`,
    );
  }
  process.exitCode = over ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
