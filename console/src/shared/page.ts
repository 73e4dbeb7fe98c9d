import { LitElement, type PropertyDeclarations } from "lit";
import type { ConsoleSessionResponse } from "@parley/sdk/protocol";
import type { ConsoleApi } from "../app/api.js";
import { strings } from "../app/strings.js";

/**
 * The base of the console's pages: the shell hands each one the API and the session, and hears
 * back through events (`console-session` with a new session, `console-signed-out`).
 */
export class ConsolePage extends LitElement {
  static override properties: PropertyDeclarations = { api: { attribute: false }, session: { attribute: false } };
  declare api: ConsoleApi;
  declare session: ConsoleSessionResponse | null;
  /** The strings of the language in use (set before the first page is drawn). */
  get t() {
    return strings();
  }

  emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** Puts `text` on the clipboard; false where the browser refuses (no permission, no secure context). */
  async copy(text: string): Promise<boolean> {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      return false;
    }
  }
}
