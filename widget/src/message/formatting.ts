import { css, html, nothing, type TemplateResult } from "lit";
import { linkify } from "./linkify.js";
import { type Block, type Inline, parse } from "./markdown.js";
export { plainText } from "./markdown.js";

/**
 * A message's formatting drawn (issue 33), in a chunk of its own: the UI every visitor loads only
 * tests a text for markup characters (rich.ts) and imports this when it finds one. The tree of
 * markdown.ts becomes Lit templates: semantic elements, text only as text, links only to http(s)
 * and mailto. Text outside code and link text goes through `leaf`: linkify, or the mention chips
 * of message-extras.ts, which linkify too.
 */

/** What a run of plain text becomes: links and mention chips. */
export type Leaf = (s: string) => unknown;

const asText: Leaf = (s) => s;

/** `src` drawn with its formatting; a single paragraph is drawn inline, as a plain message is. */
export function formatted(src: string, leaf: Leaf = linkify): unknown {
  const b = parse(src);
  return b.length === 1 && b[0]!.t === "p" ? inlines(b[0]!.c, leaf) : blocks(b, leaf, "auto");
}

/**
 * Blocks; `dir` is "auto" at the top (each block takes the direction of its first letter) and
 * unset inside a quote or a list, whose own "auto" reads through to the text.
 */
const blocks = (bs: Block[], leaf: Leaf, dir?: "auto"): TemplateResult[] => bs.map((b) => block(b, leaf, dir ?? nothing));

function block(b: Block, leaf: Leaf, dir: "auto" | typeof nothing): TemplateResult {
  switch (b.t) {
    case "p":
      return html`<p dir=${dir}>${inlines(b.c, leaf)}</p>`;
    case "pre":
      // A tab stop, so a keyboard can scroll a long line into view.
      return html`<pre part="code-block" dir=${dir} tabindex="0"><code>${b.v}</code></pre>`;
    case "quote":
      return html`<blockquote part="blockquote" dir=${dir}>${blocks(b.c, leaf)}</blockquote>`;
    case "ul":
      return html`<ul part="list" dir=${dir}>${items(b.c, leaf)}</ul>`;
    case "ol":
      return html`<ol part="list" dir=${dir} start=${b.start}>${items(b.c, leaf)}</ol>`;
  }
}

const items = (list: Block[][], leaf: Leaf): TemplateResult[] =>
  list.map((item) => html`<li>${item.length === 1 && item[0]!.t === "p" ? inlines(item[0]!.c, leaf) : blocks(item, leaf)}</li>`);

function inlines(list: Inline[], leaf: Leaf): unknown[] {
  return list.map((n) => {
    if (typeof n === "string") return leaf(n);
    switch (n.t) {
      case "strong":
        return html`<strong>${inlines(n.c, leaf)}</strong>`;
      case "em":
        return html`<em>${inlines(n.c, leaf)}</em>`;
      case "s":
        return html`<s>${inlines(n.c, leaf)}</s>`;
      case "code":
        return html`<code part="code">${n.v}</code>`;
      case "a":
        // The target in the title: the text a sender chose may name another place.
        return html`<a href=${n.href} title=${n.href} target="_blank" rel="noopener noreferrer nofollow">${n.c.length ? inlines(n.c, asText) : n.href}</a>`;
    }
  });
}

/** The styles of what this module draws, added to the drawing element's own when first used. */
export const sheet = css`
  .text p,
  .text ul,
  .text ol,
  .text blockquote,
  .text pre {
    margin: 0;
  }
  .text > * + * {
    margin-top: 4px;
  }
  .text ul,
  .text ol {
    padding-inline-start: 1.4em;
  }
  /* (The message list is a list itself: a message's list is a first level of its own.) */
  .text ul {
    list-style-type: disc;
  }
  .text li ul {
    list-style-type: circle;
  }
  .text blockquote {
    padding-inline-start: 8px;
    border-inline-start: 3px solid currentColor;
  }
  .text code {
    font-family: var(--parley-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
    font-size: 0.9em;
    background: rgb(127 127 127 / 0.18);
    border-radius: 4px;
    padding: 0 3px;
  }
  /* A long line scrolls inside the bubble; it never widens the conversation. */
  .text pre {
    white-space: pre;
    overflow-x: auto;
    max-width: 100%;
    background: rgb(127 127 127 / 0.18);
    border-radius: 6px;
    padding: 4px 8px;
  }
  .text pre code {
    background: none;
    padding: 0;
  }
`.styleSheet!;
