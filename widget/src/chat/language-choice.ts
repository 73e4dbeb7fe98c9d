import type { ReactiveController, ReactiveControllerHost } from "lit";
import { setLocale } from "../i18n/i18n.js";

/**
 * The visitor's language: the element's lang, the page's, then the browser's, with its translation
 * and writing direction. Chosen again whenever the element's or the page's lang or dir changes.
 */
export class LanguageChoice implements ReactiveController {
  /** The chosen translation (LOCALES; {} for English), the tag it was chosen for, and the writing direction. */
  strings: Record<string, string> = {};
  tag = "en";
  dir = "ltr";
  private readonly watch = new MutationObserver(() => void this.pick());
  /** Picks under way: only the latest one's result is used (he, then en at once: en, not a late he). */
  private turn = 0;

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  /** Chooses the language and fetches its translation; the host renders again with it. */
  async pick(): Promise<void> {
    const wanted = [this.host.getAttribute("lang"), document.documentElement.lang, ...navigator.languages];
    const first = wanted.find(Boolean) ?? "en";
    // English asked for first: nothing to fetch. Else the chunk that knows the translations (offline
    // before it was ever fetched: English, until the language changes again).
    const english = /^en\b/i.test(first);
    const turn = ++this.turn;
    const { tag, dir, strings } = await (english ? Promise.reject() : import("../i18n/language.js")).then(
      (l) => l.load(wanted),
      () => ({ tag: english ? first : "en", dir: "ltr", strings: {} }),
    );
    if (turn !== this.turn) return;
    setLocale((this.tag = tag));
    this.dir = this.host.getAttribute("dir") || dir;
    this.strings = strings;
    this.host.requestUpdate();
  }

  hostConnected(): void {
    for (const el of [this.host, document.documentElement]) this.watch.observe(el, { attributeFilter: ["lang", "dir"] });
  }

  hostDisconnected(): void {
    this.watch.disconnect();
  }
}
