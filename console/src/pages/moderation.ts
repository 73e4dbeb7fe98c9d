import { html } from "lit";
import type { ConsoleApp } from "@parley/sdk/protocol";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

/** (Being built.) */
export class ConsoleModeration extends ConsolePage {
  static override properties = { ...ConsolePage.properties, app: { attribute: false } };
  app: ConsoleApp | null = null;
  override render() {
    return html`<p role="status" class="muted">${this.t.loading}</p>`;
  }
  static override styles = page;
}
customElements.get("console-moderation") || customElements.define("console-moderation", ConsoleModeration);
