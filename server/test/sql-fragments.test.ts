/**
 * A rule read from the sources (no server started): SQL is never built from input. Every value goes
 * as a `?` placeholder; what a statement interpolates (`${…}` in the SQL given to `query`,
 * `deferWrite`, `exec` or `prepare`) is made of constants only: placeholder lists (`marks`,
 * `rowMarks`), literals, numbers forced through `Number`/`Math.floor`, module constants, local
 * constants built from those, and a dialect's choice between two literals.
 *
 * Why it is a test: the MySQL pool runs several statements in one query (multipleStatements, for
 * db/pipeline.ts), so an injected `; DROP …` would run. The few fragments that come from a
 * parameter or a list built across lines are listed below, each read once and said why it is safe;
 * a new one fails here until it is reviewed and listed (or, better, made a placeholder).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";

const SRC = path.resolve(import.meta.dirname, "../src");

/** Fragments whose safety the AST cannot see, by file and exact text: each reviewed. */
const REVIEWED: Record<string, Record<string, string>> = {
  "db/sql.ts": {
    table: "replaceColumn's table: its callers pass a table name literal",
    column: "replaceColumn's column: its callers pass a column name literal",
    key: "replaceColumn's key column: its callers pass a column name literal",
  },
  "data-rights/export.ts": { column: "a column name from a literal list of pairs the export loops over" },
  "events/event-log.ts": { "scope.column": "the catch-up's column: 'conversationId' or 'userId', from a literal union type" },
  "console/console-usage.service.ts": {
    'where.length ? `WHERE ${where.join(" AND ")}` : ""': "literal conditions with `?` placeholders, pushed a few lines above",
  },
  "ops/database.ts": { pragma: "a PRAGMA name, called with literals only (the health report's page counts)" },
  "db/migrations/1763830000000-NormalizedEmails.ts": { exact: "a literal chosen by dialect" },
  "db/data-source.ts": { 'opts.sqliteSynchronous ?? "FULL"': 'the SQLite sync mode, typed "FULL" | "NORMAL" (the caller\'s option, not input)' },
  "db/migrations/helpers.ts": { "table.name": "a migration's table, from TypeORM's schema of the migration's own literal tables" },
};

const SQL_CALLS = new Set(["query", "deferWrite", "exec", "prepare"]);

interface Finding {
  file: string;
  line: number;
  text: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** The smallest node containing `at` that is a scope (a block, a function, the file). */
function scopesOf(at: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  for (let n: ts.Node | undefined = at.parent; n; n = n.parent)
    if (ts.isBlock(n) || ts.isSourceFile(n) || ts.isFunctionLike(n) || ts.isModuleBlock(n)) out.push(n);
  return out;
}

/** What the identifier `name` used at `at` is bound to: the nearest declaration (a const, a for-of's variable) or parameter. */
function bindingOf(name: string, at: ts.Node): ts.VariableDeclaration | ts.ParameterDeclaration | undefined {
  for (const scope of scopesOf(at)) {
    if (ts.isFunctionLike(scope)) for (const p of scope.parameters) if (ts.isIdentifier(p.name) && p.name.text === name) return p;
    let found: ts.VariableDeclaration | undefined;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && scopesOf(n)[0] === scope) found = n;
      else ts.forEachChild(n, visit);
    };
    ts.forEachChild(scope, visit);
    if (found) return found;
  }
  return undefined;
}

/** Whether an interpolated expression is made of constants only (see the file comment); `known` are names bound to constants. */
function isConstantSql(e: ts.Expression, sf: ts.SourceFile, known: ReadonlySet<string> = new Set(), depth = 0): boolean {
  if (depth > 12) return false;
  const again = (x: ts.Expression, k: ReadonlySet<string> = known): boolean => isConstantSql(x, sf, k, depth + 1);
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e)) return again(e.expression);
  if (ts.isStringLiteral(e) || ts.isNumericLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return true;
  if (ts.isTemplateExpression(e)) return e.templateSpans.every((s) => again(s.expression));
  if (ts.isConditionalExpression(e)) return again(e.whenTrue) && again(e.whenFalse);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return again(e.left) && again(e.right);
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.AsteriskToken) return again(e.left) && again(e.right);
  if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => ts.isExpression(x) && again(x));
  if (ts.isCallExpression(e)) {
    const callee = e.expression;
    if (ts.isIdentifier(callee) && ["marks", "rowMarks", "Number"].includes(callee.text)) return true;
    if (!ts.isPropertyAccessExpression(callee)) return false;
    const method = callee.name.text;
    if (ts.isIdentifier(callee.expression) && callee.expression.text === "Math" && method === "floor") return true;
    if (method === "map") {
      // list.map((x, i) => …): the result must be constant; x is, when the list is; i always is.
      const fn = e.arguments[0];
      if (!fn || !ts.isArrowFunction(fn) || !ts.isExpression(fn.body)) return false;
      const inner = new Set(known);
      const [item, index] = fn.parameters;
      if (item && ts.isIdentifier(item.name) && again(callee.expression)) inner.add(item.name.text);
      if (index && ts.isIdentifier(index.name)) inner.add(index.name.text);
      return again(fn.body, inner);
    }
    if (["join", "replace", "trim"].includes(method)) return again(callee.expression) && e.arguments.every((a) => again(a));
    return false;
  }
  if (ts.isPropertyAccessExpression(e)) {
    if (!ts.isIdentifier(e.expression)) return false;
    const binding = bindingOf(e.expression.text, e);
    const init = binding && ts.isVariableDeclaration(binding) ? binding.initializer : undefined;
    if (!init) return false;
    // v.sql of `const v = valuesTable(…)`: placeholders and literal column names.
    if (e.name.text === "sql" && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === "valuesTable") return true;
    // o.p of `const o = { p: … }` (or a choice between two such objects).
    const member = (o: ts.Expression): boolean => {
      if (ts.isParenthesizedExpression(o)) return member(o.expression);
      if (ts.isConditionalExpression(o)) return member(o.whenTrue) && member(o.whenFalse);
      if (!ts.isObjectLiteralExpression(o)) return false;
      const prop = o.properties.find((p) => ts.isPropertyAssignment(p) && p.name.getText(sf) === e.name.text);
      return prop !== undefined && ts.isPropertyAssignment(prop) && again(prop.initializer);
    };
    return member(init);
  }
  if (ts.isIdentifier(e)) {
    if (known.has(e.text)) return true;
    const binding = bindingOf(e.text, e);
    if (!binding) return false;
    if (ts.isParameter(binding)) {
      // A parameter typed as a union of literals ("a" | "b").
      const type = binding.type;
      const literal = (t: ts.TypeNode): boolean => ts.isLiteralTypeNode(t) && (ts.isStringLiteral(t.literal) || ts.isNumericLiteral(t.literal));
      return type !== undefined && (literal(type) || (ts.isUnionTypeNode(type) && type.types.every(literal)));
    }
    const list = binding.parent;
    // for (const c of ["a", "b"]): the list must be constant.
    if (ts.isVariableDeclarationList(list) && ts.isForOfStatement(list.parent)) return again(list.parent.expression);
    if (!ts.isVariableDeclarationList(list) || (list.flags & ts.NodeFlags.Const) === 0 || !binding.initializer) return false;
    if (!again(binding.initializer)) return false;
    // A const array can still grow: what is pushed onto it must be constant too.
    const pushed: ts.Expression[] = [];
    const scope = scopesOf(binding)[0]!;
    const visit = (n: ts.Node): void => {
      if (
        ts.isCallExpression(n) &&
        ts.isPropertyAccessExpression(n.expression) &&
        ["push", "unshift", "splice"].includes(n.expression.name.text) &&
        ts.isIdentifier(n.expression.expression) &&
        n.expression.expression.text === e.text
      )
        pushed.push(...n.arguments);
      ts.forEachChild(n, visit);
    };
    visit(scope);
    return pushed.every((x) => again(x));
  }
  return false;
}

/** Interpolations in SQL handed to a statement call that are not made of constants. */
function unsafeFragments(file: string): Finding[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: Finding[] = [];
  const check = (sql: ts.Expression, seen: Set<ts.Node>): void => {
    if (seen.has(sql)) return;
    seen.add(sql);
    if (ts.isTemplateExpression(sql)) {
      for (const span of sql.templateSpans)
        if (!isConstantSql(span.expression, sf))
          out.push({ file: path.relative(SRC, file), line: sf.getLineAndCharacterOfPosition(span.getStart(sf)).line + 1, text: span.expression.getText(sf) });
    } else if (ts.isConditionalExpression(sql)) {
      check(sql.whenTrue, seen);
      check(sql.whenFalse, seen);
    } else if (ts.isIdentifier(sql)) {
      // `const sql = …; m.query(sql, …)`: the statement built a line earlier.
      const binding = bindingOf(sql.text, sql);
      if (binding && ts.isVariableDeclaration(binding) && binding.initializer) check(binding.initializer, seen);
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : "";
      // deferWrite(m, sql, params); the others take the SQL first.
      const sql = SQL_CALLS.has(name) ? n.arguments[name === "deferWrite" ? 1 : 0] : undefined;
      if (sql) check(sql, new Set());
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe("SQL is made of constants and placeholders", () => {
  const findings = sourceFiles(SRC).flatMap(unsafeFragments);

  test("no statement interpolates anything but constants, outside the reviewed list", () => {
    const unreviewed = findings.filter((f) => REVIEWED[f.file]?.[f.text] === undefined).map((f) => `${f.file}:${f.line} \${${f.text}}`);
    assert.deepEqual(unreviewed, [], "interpolated into SQL: make it a `?` placeholder, or review it and list it in REVIEWED with the reason");
  });

  test("every reviewed fragment is still there (the list only shrinks)", () => {
    const stale = Object.entries(REVIEWED).flatMap(([file, texts]) =>
      Object.keys(texts)
        .filter((text) => !findings.some((f) => f.file === file && f.text === text))
        .map((text) => `${file}: ${text}`),
    );
    assert.deepEqual(stale, []);
  });

  test("the rule sees what it looks for (sanity)", () => {
    // Probes write `$[` for a template's `${` (a plain string cannot hold one without a lint warning).
    const probe = (code: string): string[] => {
      const file = path.join(SRC, "probe.ts");
      const sf = ts.createSourceFile(file, code.replaceAll("$[", "${"), ts.ScriptTarget.Latest, true);
      const texts: string[] = [];
      const visit = (n: ts.Node): void => {
        if (ts.isTemplateExpression(n)) for (const s of n.templateSpans) if (!isConstantSql(s.expression, sf)) texts.push(s.expression.getText(sf));
        ts.forEachChild(n, visit);
      };
      visit(sf);
      return texts;
    };
    assert.deepEqual(
      probe(
        "const LIMIT = 5; function f(name: string, ids: string[]) { return `SELECT * FROM t WHERE a = '$[name}' AND id IN ($[marks(ids.length)}) LIMIT $[LIMIT}`; }",
      ),
      ["name"],
    );
    assert.deepEqual(probe("function f(m: string, ids: string[]) { const list = ids.map((id) => `'$[id}'`).join(','); return `IN ($[list})`; }"), [
      "id",
      "list",
    ]);
    assert.deepEqual(
      probe(
        "function f(d: string) { const lock = d === 'mysql' ? ' FOR UPDATE' : ''; const v = valuesTable(d, ['a'], []); return `SELECT 1 FROM $[v.sql}$[lock}`; }",
      ),
      [],
    );
    // A const list that grows with input; a parameter of any string; a loop over input.
    assert.deepEqual(probe("function f(q: string) { const where = ['a = ?']; where.push(`b = '$[q}'`); return `WHERE $[where.join(' AND ')}`; }"), [
      "q",
      "where.join(' AND ')",
    ]);
    assert.deepEqual(probe("function f(t: 'a' | 'b', u: string) { return `SELECT * FROM $[t} JOIN $[u}`; }"), ["u"]);
    assert.deepEqual(probe("function f(cols: string[]) { for (const c of cols) g(`ALTER TABLE x DROP $[c}`); for (const k of ['p', 'q']) g(`DROP $[k}`); }"), [
      "c",
    ]);
  });
});
