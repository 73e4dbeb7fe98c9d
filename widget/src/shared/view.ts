import { LitElement, type PropertyDeclarations } from "lit";
import { EN, type Strings } from "../i18n/i18n.js";

/**
 * The base of the widget's views. `<parley-chat>` is the only element that holds the SDK client;
 * a view gets its data by property and the strings as `t` (English, then the visitor's language,
 * then the host's overrides), and says what the visitor asked for with `emit`. A view in a chunk
 * of its own carries the code of its actions and has `<parley-chat>` run them (`parley-act`), or
 * asks for the client (`parley-client`).
 */
export class ParleyView extends LitElement {
  static override properties: PropertyDeclarations = { t: { attribute: false } };
  t: Strings = EN;

  /** A composed, bubbling event: it crosses the shadow roots to `<parley-chat>` and the host page. */
  emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}
