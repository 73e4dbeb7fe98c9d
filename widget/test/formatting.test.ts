// Message formatting (issue 33, acceptance 6): a table of Markdown inputs and the HTML the widget
// draws for each, and a table of hostile inputs that must come out as text, with no link but to
// http(s) or mailto. Drawn without a DOM: Lit's templates, serialised by the few lines below.
// Pathological inputs of 20,000 characters print how long they take (a figure, not a limit).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { User } from "@parley/sdk";
import { formatted, type Leaf } from "../src/message/formatting.js";
import { type Block, type Inline, MAX_BLOCK_DEPTH, MAX_INLINE_DEPTH, parse, plainText } from "../src/message/markdown.js";
import { withMentions } from "../src/message/mentions.js";
import { hasMarkup } from "../src/message/rich.js";

/** What Lit would put in the page, as a string: text escaped, attribute values quoted. */
function toHtml(v: unknown): string {
  if (v === null || v === undefined || typeof v === "symbol") return "";
  if (Array.isArray(v)) return v.map(toHtml).join("");
  if (typeof v === "object" && "strings" in v && "values" in v) {
    const { strings, values } = v as { strings: readonly string[]; values: unknown[] };
    return strings.reduce((out, s, i) => {
      if (i === 0) return s;
      const value = values[i - 1];
      if (!/=$/.test(out)) return out + toHtml(value) + s;
      // An attribute bound to `nothing` is left out.
      if (typeof value === "symbol") return out.replace(/ [\w-]+=$/, "") + s;
      return `${out}"${String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;")}"${s}`;
    }, "");
  }
  return String(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const draw = (src: string, leaf?: Leaf): string => toHtml(formatted(src, leaf));
/** A `[text](url)` link (its title names the target), and a bare URL linkified as before. */
const A = (href: string, text = href) => `<a href="${href}" title="${href}" target="_blank" rel="noopener noreferrer nofollow">${text}</a>`;
const URL_ = (href: string) => `<a href="${href}" target="_blank" rel="noopener noreferrer nofollow">${href}</a>`;

test("Markdown inputs draw as semantic elements", () => {
  const table: Array<[string, string]> = [
    ["**bold** and __bold__", "<strong>bold</strong> and <strong>bold</strong>"],
    ["*italic* and _italic_", "<em>italic</em> and <em>italic</em>"],
    ["~~gone~~", "<s>gone</s>"],
    ["***both***", "<strong><em>both</em></strong>"],
    ["**bold *and italic* inside**", "<strong>bold <em>and italic</em> inside</strong>"],
    ["use `npm test` here", 'use <code part="code">npm test</code> here'],
    ["``a `tick` inside``", '<code part="code">a `tick` inside</code>'],
    ["snake_case_name and 2*3", "snake_case_name and 2*3"],
    ["a * b * c", "a * b * c"],
    ["\\*not italic\\*", "*not italic*"],
    ["[docs](https://example.com/docs)", A("https://example.com/docs", "docs")],
    ["[**bold** link](https://example.com)", A("https://example.com/", "<strong>bold</strong> link")],
    ["[wiki](https://en.wikipedia.org/wiki/Foo_(bar))", A("https://en.wikipedia.org/wiki/Foo_(bar)", "wiki")],
    ["[mail](mailto:ann@example.com)", A("mailto:ann@example.com", "mail")],
    ["see https://example.com/a_b_c.", `see ${URL_("https://example.com/a_b_c")}.`],
    ["**https://example.com/x**", `<strong>${URL_("https://example.com/x")}</strong>`],
    ["```\nconst a = 1;\n  if (a) **no**\n```", '<pre part="code-block" dir="auto" tabindex="0"><code>const a = 1;\n  if (a) **no**</code></pre>'],
    ["```js\nx\n```\nafter", '<pre part="code-block" dir="auto" tabindex="0"><code>x</code></pre><p dir="auto">after</p>'],
    ["> quoted **text**\nreply", '<blockquote part="blockquote" dir="auto"><p>quoted <strong>text</strong></p></blockquote><p dir="auto">reply</p>'],
    ["> a\n> > b", '<blockquote part="blockquote" dir="auto"><p>a</p><blockquote part="blockquote"><p>b</p></blockquote></blockquote>'],
    ["Shopping:\n- milk\n* **eggs**", '<p dir="auto">Shopping:</p><ul part="list" dir="auto"><li>milk</li><li><strong>eggs</strong></li></ul>'],
    ["1. one\n2. two\n  - nested", '<ol part="list" dir="auto" start="1"><li>one</li><li><p>two</p><ul part="list"><li>nested</li></ul></li></ol>'],
    ["3) third", '<ol part="list" dir="auto" start="3"><li>third</li></ol>'],
    ["line one\n\nline three", "line one\n\nline three"],
    ["-5 degrees, 1.5 litres", "-5 degrees, 1.5 litres"],
  ];
  for (const [src, html] of table) assert.equal(draw(src), html, JSON.stringify(src));
});

test("mentions and links compose with formatting; nothing inside code or a link's text is linked or mentioned", () => {
  const ann = { id: "u1", displayName: "Ann Lee" } as User;
  const leaf: Leaf = (s) => withMentions(s, [ann.id], [ann], "u2");
  const chip = '<span part="mention" class="mention">@Ann Lee</span>';
  assert.equal(draw("**@Ann Lee** look: _https://example.com_", leaf), `<strong>${chip}</strong> look: <em>${URL_("https://example.com")}</em>`);
  assert.equal(draw("- hi @Ann Lee", leaf), `<ul part="list" dir="auto"><li>hi ${chip}</li></ul>`);
  assert.equal(draw("`@Ann Lee https://example.com`", leaf), '<code part="code">@Ann Lee https://example.com</code>');
  assert.equal(
    draw("```\n@Ann Lee https://example.com\n```", leaf),
    '<pre part="code-block" dir="auto" tabindex="0"><code>@Ann Lee https://example.com</code></pre>',
  );
  assert.equal(draw("[@Ann Lee https://a.example](https://b.example)", leaf), A("https://b.example/", "@Ann Lee https://a.example"));
});

test("plainText strips the markup for previews; hasMarkup passes plain messages by", () => {
  const table: Array<[string, string]> = [
    ["**Sale** ends _today_: [shop](https://example.com)", "Sale ends today: shop"],
    ["> quoted\n- one\n- `two`", "quoted\none\ntwo"],
    ["```\ncode *here*\n```", "code *here*"],
    ["2 * 3 = 6, unclosed **bold", "2 * 3 = 6, unclosed **bold"],
    ["plain text", "plain text"],
  ];
  for (const [src, text] of table) assert.equal(plainText(src), text, JSON.stringify(src));
  for (const s of ["Hello there!", "See https://example.com/path?a=1", "Price: 5 € (incl. VAT) — ok?", "a -> b, 3 > 2"]) assert.equal(hasMarkup(s), false, s);
  for (const s of ["**b**", "_i_", "~~s~~", "`c`", "[l](https://x.y)", "> q", "- a", "1. a", "x\n2) b"]) assert.equal(hasMarkup(s), true, s);
});

/** Every href in the HTML, and whether anything but text came out of the input's tags. */
const hrefs = (html: string): string[] => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);

function depth(blocks: Block[]): number {
  return Math.max(0, ...blocks.map((b) => (b.t === "quote" ? 1 + depth(b.c) : b.t === "ul" || b.t === "ol" ? 1 + Math.max(0, ...b.c.map(depth)) : 0)));
}
function inlineDepth(list: Inline[]): number {
  return Math.max(0, ...list.map((n) => (typeof n === "string" || n.t === "code" ? 0 : 1 + inlineDepth(n.c))));
}

test("hostile inputs come out as text, with links only to http(s) and mailto", () => {
  const hostile: Array<[string, string]> = [
    ["<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"],
    ["**<script>alert(1)</script>**", "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>"],
    ["[x](javascript:alert(1))", "[x](javascript:alert(1))"],
    ["[x](JaVaScRiPt:alert(1))", "[x](JaVaScRiPt:alert(1))"],
    ["[x](data:text/html,<script>alert(1)</script>)", "[x](data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;)"],
    ["[x](vbscript:msgbox(1))", "[x](vbscript:msgbox(1))"],
    ["[x](//evil.example)", "[x](//evil.example)"],
    ['[x](https://a.example "title")', `[x](${URL_("https://a.example")} "title")`],
    ['[x](https://a.example/"onmouseover="alert(1))', A("https://a.example/%22onmouseover=%22alert(1)", "x")],
    ["[`x](https://a.example)`", '[<code part="code">x](https://a.example)</code>'],
    ["[a `b` c](https://a.example)", A("https://a.example/", 'a <code part="code">b</code> c')],
    ["[[inner](https://a.example)](https://b.example)", `[${A("https://a.example/", "inner")}](${URL_("https://b.example")})`],
    ["**unclosed *markers _everywhere ~~", "**unclosed *markers _everywhere ~~"],
    ["```\nunclosed fence", "```\nunclosed fence"],
    ["***", "***"],
    ["** * ** * * *** **", "** * ** * * *** **"],
    ["a\u200B**b\u200Bc**", "a\u200B<strong>b\u200Bc</strong>"],
    ["\u202E**evil**\u202C [x](javascript:alert(1))", "\u202E<strong>evil</strong>\u202C [x](javascript:alert(1))"],
  ];
  for (const [src, html] of hostile) assert.equal(draw(src), html, JSON.stringify(src));

  // Deep nesting: 1,000 levels of quotes and of lists, on one line and over many; bold in bold.
  const deep = [
    `${">".repeat(1000)} x`,
    Array.from({ length: 1000 }, (_, i) => `${"> ".repeat(i)}x`).join("\n"),
    Array.from({ length: 1000 }, (_, i) => `${"  ".repeat(i)}- x`).join("\n"),
    `${"- ".repeat(1000)}x`,
    `${"1. ".repeat(1000)}x`,
    `${"**a ".repeat(1000)}x${" b**".repeat(1000)}`,
    `${"[".repeat(1000)}x${"](https://a.example)".repeat(1000)}`,
  ];
  for (const src of deep) {
    const tree = parse(src);
    assert.ok(depth(tree) <= MAX_BLOCK_DEPTH, `block depth ${depth(tree)} for ${src.slice(0, 20)}…`);
    const inl = (bs: Block[]): number =>
      Math.max(0, ...bs.map((b) => (b.t === "p" ? inlineDepth(b.c) : b.t === "pre" ? 0 : b.t === "quote" ? inl(b.c) : Math.max(0, ...b.c.map(inl)))));
    assert.ok(inl(tree) <= MAX_INLINE_DEPTH, `inline depth ${inl(tree)}`);
    assert.ok(plainText(src).includes("x"));
  }

  // Nothing but text and our own elements; no href but http(s) and mailto, in any of them.
  for (const src of [...hostile.map(([s]) => s), ...deep]) {
    const html = draw(src);
    assert.doesNotMatch(html, /<(?!\/?(strong|em|s|code|pre|p|blockquote|ul|ol|li|a|span)\b)/, src);
    for (const h of hrefs(html)) assert.match(h, /^(https?:\/\/|mailto:)/, src);
  }
});

test("pathological inputs of 20,000 characters: how long each takes to parse and draw", (t) => {
  const inputs: Record<string, string> = {
    "* x 20,000": "*".repeat(20_000),
    "'* ' x 10,000": "* ".repeat(10_000),
    "'a*' x 10,000": "a*".repeat(10_000),
    "'**a' x 6,667": "**a".repeat(6_667),
    "'_a_' alternating": "_a".repeat(10_000),
    "'~~' x 10,000": "~~".repeat(10_000),
    "'[](' x 6,667": "[](".repeat(6_667),
    "'[x](' and '(' soup": "[x](((".repeat(3_334),
    "> x 20,000": ">".repeat(20_000),
    "backtick runs 1..199": Array.from({ length: 199 }, (_, i) => `${"`".repeat(i + 1)}a`).join(""),
    "'```a' lines": "```a\n".repeat(4_000),
    "nested list lines": Array.from({ length: 140 }, (_, i) => `${"  ".repeat(i)}- x`).join("\n"),
  };
  for (const [name, src] of Object.entries(inputs)) {
    const t0 = performance.now();
    const html = draw(src);
    const ms = performance.now() - t0;
    t.diagnostic(`${name}: ${src.length} chars, ${ms.toFixed(1)} ms, ${html.length} chars of HTML`);
    assert.ok(html.length > 0);
  }
});
