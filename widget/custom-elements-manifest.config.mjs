// The custom elements manifest (dist/custom-elements.json, named by `customElements` in
// package.json), generated from the sources and their JSDoc (@attr, @event, @csspart,
// @cssproperty) by the root `npm run build`. Two corrections to the analyzer's Lit support, and
// paths that name the files that ship (dist/*.js) rather than src/*.ts.

/** src/chat/parley-chat.ts -> dist/chat/parley-chat.js: the widget builds one ES module per source file. */
const toDist = (p) => p.replace(/^(\.\/)?src\//, "dist/").replace(/\.ts$/, ".js");

/**
 * Lit's `static properties`: a `state: true` entry is internal state, never an attribute, and an
 * attribute without an explicit name is the lower-cased property name (`hasOlder` -> `hasolder`).
 * The analyzer (0.11) gets both wrong, so this reads the declarations and fixes the attributes.
 */
function litStaticProperties() {
  /** class name -> property name -> attribute name, or null for "no attribute" */
  const attributesOf = new Map();
  return {
    name: "parley-lit-static-properties",
    analyzePhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const props = node.members.find(
        (m) => ts.isPropertyDeclaration(m) && m.name.getText() === "properties" && m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword),
      );
      const init = props?.initializer;
      if (!init || !ts.isObjectLiteralExpression(init)) return;
      const map = new Map();
      for (const p of init.properties) {
        if (!ts.isPropertyAssignment(p) || !ts.isObjectLiteralExpression(p.initializer)) continue;
        const opts = Object.fromEntries(p.initializer.properties.filter(ts.isPropertyAssignment).map((o) => [o.name.getText(), o.initializer]));
        const name = p.name.getText();
        const state = opts.state?.kind === ts.SyntaxKind.TrueKeyword;
        const attr = opts.attribute;
        map.set(name, state || attr?.kind === ts.SyntaxKind.FalseKeyword ? null : attr && ts.isStringLiteral(attr) ? attr.text : name.toLowerCase());
      }
      attributesOf.set(node.name.getText(), map);
    },
    moduleLinkPhase({ moduleDoc }) {
      for (const d of moduleDoc.declarations ?? []) {
        const map = attributesOf.get(d.name);
        if (!map) continue;
        d.attributes = (d.attributes ?? []).flatMap((a) => {
          if (!a.fieldName || !map.has(a.fieldName)) return [a];
          const name = map.get(a.fieldName);
          return name === null ? [] : [{ ...a, name }];
        });
        for (const m of d.members ?? []) {
          if (!map.has(m.name)) continue;
          const name = map.get(m.name);
          if (name === null) {
            delete m.attribute;
            delete m.reflects;
          } else m.attribute = name;
        }
      }
    },
  };
}

/**
 * Events: the analyzer also reports `dispatchEvent(new CustomEvent(name))` inside a helper as an
 * event called "name". Every event of ours is named `parley-*` and documented with @event.
 */
function parleyEventsOnly() {
  return {
    name: "parley-events-only",
    moduleLinkPhase({ moduleDoc }) {
      for (const d of moduleDoc.declarations ?? []) if (d.events) d.events = d.events.filter((e) => e.name?.startsWith("parley-"));
    },
  };
}

/** Rewrites every module path and reference from src/*.ts to the dist/*.js that ships. */
function publishedPaths() {
  const fix = (ref) => {
    if (ref && typeof ref.module === "string") ref.module = toDist(ref.module);
  };
  return {
    name: "parley-published-paths",
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        mod.path = toDist(mod.path);
        for (const d of mod.declarations ?? []) {
          fix(d.superclass);
          for (const list of [d.members, d.attributes, d.events]) for (const x of list ?? []) fix(x.inheritedFrom);
        }
        for (const e of mod.exports ?? []) fix(e.declaration);
      }
    },
  };
}

export default {
  // embed.ts is the script-tag bundle (dist/widget.js), not one of the package's modules.
  // <parley-message> is <parley-thread>'s own: it has no shadow root, and its parts are the
  // thread's (documented there).
  globs: ["src/**/*.ts"],
  exclude: ["src/**/*.d.ts", "src/embed.ts", "src/message/parley-message.ts"],
  outdir: "dist",
  litelement: true,
  packagejson: false,
  plugins: [litStaticProperties(), parleyEventsOnly(), publishedPaths()],
};
