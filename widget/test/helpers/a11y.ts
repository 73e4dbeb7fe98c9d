import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

// ---------------------------------------------------------------------------------------------
// Accessibility checks in the page: axe-core, and our own contrast walk over every text node.
// ---------------------------------------------------------------------------------------------

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core on the widget (shadow roots included); returns the serious and critical violations. */
export async function axeSerious(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate<AxeViolation[]>(`(async () => {
    const r = await window.axe.run({ include: [["parley-chat"]] }, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target) + " " + (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 200)) }));
  })()`);
}

export interface ContrastFailure {
  text: string;
  ratio: number;
  need: number;
  fg: string;
  bg: string;
}

/**
 * Every visible text node in the widget: its colour against the first opaque background behind
 * it (opacity and semi-transparent layers composited), at 4.5:1, or 3:1 for large text.
 */
export function contrastFailures(page: Page): Promise<{ checked: number; failures: ContrastFailure[] }> {
  return page.evaluate<{ checked: number; failures: ContrastFailure[] }>(`(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\\(([^)]+)\\)/);
      if (!m) return [0, 0, 0, 1];
      const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const over = (top, under) => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1);
    };
    const lum = (c) => {
      const [r, g, b] = c.slice(0, 3).map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const parentOf = (el) => el.parentElement || (el.parentNode && el.parentNode.host) || null;
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = parentOf(e)) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let c = [255, 255, 255, 1];
      for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
      return c;
    };
    const opacity = (el) => {
      let o = 1;
      for (let e = el; e; e = parentOf(e)) o *= Number(getComputedStyle(e).opacity);
      return o;
    };
    const failures = [];
    let checked = 0;
    const roots = [document.querySelector("parley-chat").shadowRoot];
    while (roots.length) {
      const root = roots.pop();
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.nodeType === 1) {
          if (n.shadowRoot) roots.push(n.shadowRoot);
          continue;
        }
        const el = n.parentElement;
        if (!el || !n.textContent.trim()) continue;
        const r = el.getBoundingClientRect();
        const cs = getComputedStyle(el);
        if (r.width < 2 || r.height < 2 || cs.visibility === "hidden" || el.closest(".sr-only") || el.closest("[aria-hidden=true]") || el.closest("button:disabled")) continue;
        const bg = background(el);
        const fg = over(parse(cs.color).slice(0, 3).concat(parse(cs.color)[3] * opacity(el)), bg);
        const l1 = lum(fg), l2 = lum(bg);
        const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
        const size = parseFloat(cs.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
        const need = large ? 3 : 4.5;
        checked++;
        if (ratio < need) failures.push({ text: n.textContent.trim().slice(0, 30), ratio: Math.round(ratio * 100) / 100, need, fg: "rgb(" + fg.slice(0, 3).map(Math.round).join(",") + ")", bg: "rgb(" + bg.slice(0, 3).map(Math.round).join(",") + ")" });
      }
    }
    return { checked, failures };
  })()`);
}
