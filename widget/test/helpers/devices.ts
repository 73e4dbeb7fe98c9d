import type { Browser, BrowserContext, Locator, Page } from "playwright-core";

// ---------------------------------------------------------------------------------------------
// Devices: phone and zoomed-desktop contexts, and checks that look at the page as a user would.
// ---------------------------------------------------------------------------------------------

/** An iPhone-14-sized phone: touch, mobile viewport, 3x pixels. */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true } as const;
export const DESKTOP = { viewport: { width: 1100, height: 800 } } as const;

export interface DeviceTab {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** A page in its own context with the given device settings and colour scheme. */
export async function openDevicePage(
  browser: Browser,
  url: string,
  device: { viewport: { width: number; height: number }; deviceScaleFactor?: number; isMobile?: boolean; hasTouch?: boolean },
  opts: { colorScheme?: "light" | "dark"; waitForLauncher?: boolean } = {},
): Promise<DeviceTab> {
  const context = await browser.newContext({ ...device, colorScheme: opts.colorScheme ?? "light", reducedMotion: "reduce" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (d) => void d.dismiss().catch(() => undefined));
  await page.goto(url);
  if (opts.waitForLauncher !== false) await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
  return { context, page, errors };
}

/** The host page with a mobile viewport meta tag, as every phone-ready site has. */
export const withViewportMeta = (html: string): string =>
  html.replace("<head>", '<head><meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">');

// Page-side code as plain JavaScript: tsx would wrap named functions in a helper (__name) the
// page does not have.
const DEEP_HIT = `function deepHit(x, y) {
  let hit = document.elementFromPoint(x, y);
  while (hit && hit.shadowRoot) {
    const inner = hit.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === hit) break;
    hit = inner;
  }
  return hit;
}
function describe(el) {
  return el ? el.tagName.toLowerCase() + (el.getAttribute("part") ? "[part=" + el.getAttribute("part") + "]" : "") : "nothing";
}`;

const HITS_ITSELF = new Function(
  "target",
  `${DEEP_HIT}
  const r = target.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = deepHit(x, y);
  const inView = x >= 0 && y >= 0 && x <= innerWidth && y <= innerHeight;
  return { ok: inView && !!hit && (hit === target || target.contains(hit)), hit: describe(hit), what: describe(target) };`,
) as (el: Element) => { ok: boolean; hit: string; what: string };

/**
 * Hit-tests the centre of an element through every shadow root: true when a pointer there would
 * land on the element itself (or inside it), not on something drawn over it.
 */
export function hitsItself(loc: Locator): Promise<{ ok: boolean; hit: string; what: string }> {
  return loc.evaluate(HITS_ITSELF);
}

export interface Control {
  what: string;
  kind: string;
  w: number;
  h: number;
  fontSize: number;
  hitsItself: boolean;
  hit: string;
}

const CONTROLS = `(() => {
  ${DEEP_HIT}
  const out = [];
  const roots = [document.querySelector("parley-chat").shadowRoot];
  while (roots.length) {
    const root = roots.pop();
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      const tag = el.tagName.toLowerCase();
      const isControl = tag === "button" || tag === "textarea" || (tag === "input" && el.type !== "file") || (tag === "label" && el.querySelector("input[type=file]"));
      if (!isControl) continue;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      // Not drawn, or visually hidden until focused (the skip link): not a pointer target.
      if (r.width < 2 || r.height < 2 || cs.visibility === "hidden" || el.closest(".sr-only")) continue;
      const hit = deepHit(r.left + r.width / 2, r.top + r.height / 2);
      const text = (el.textContent || "").trim().slice(0, 20);
      out.push({
        what: describe(el) + (text ? ' "' + text + '"' : ""),
        kind: tag,
        w: Math.round(r.width),
        h: Math.round(r.height),
        fontSize: parseFloat(cs.fontSize),
        hitsItself: !!hit && (hit === el || el.contains(hit)),
        hit: describe(hit),
      });
    }
  }
  return out;
})()`;

/**
 * Every visible control in the widget (through its shadow roots), with its box, font size and
 * whether its centre hit-tests to itself.
 */
export function widgetControls(page: Page): Promise<Control[]> {
  return page.evaluate<Control[]>(CONTROLS);
}
