import { css, html } from "lit";
import type { ConsoleApp } from "@parley/sdk/protocol";
import { ConsolePage } from "../../shared/page.js";
import { page } from "../../shared/styles.js";
import "./reports.js";
import "./sanctions.js";
import "./rules.js";

/**
 * An app's moderation (moderators, admins, owners), one lazy chunk in three parts: the report
 * queue, new reports arriving live, one report in its context and the answers to it (reports.ts,
 * its feed report-feed.ts); the bans and mutes in force with lift (sanctions.ts); and the rules:
 * the word filter, slow mode, the chat's moderators (rules.ts). The page holds the one polite live
 * region they speak through (`console-announce`), and reads the sanctions again when a report is
 * answered (`console-acted`).
 */
export class ConsoleModeration extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    announcement: { state: true },
    acted: { state: true },
  };
  app: ConsoleApp | null = null;
  /** What the polite live region last said. */
  announcement = "";
  /** How many reports have been answered here (the sanctions list reads itself again on each). */
  acted = 0;

  private readonly announce = (e: CustomEvent<string>): void => {
    this.announcement = e.detail;
  };

  override render() {
    return html`<p class="sr-only" role="status" aria-live="polite">${this.announcement}</p>
      <console-moderation-reports
        .api=${this.api}
        .session=${this.session}
        .app=${this.app}
        @console-announce=${this.announce}
        @console-acted=${() => this.acted++}
      ></console-moderation-reports>
      <console-moderation-sanctions
        .api=${this.api}
        .session=${this.session}
        .app=${this.app}
        .acted=${this.acted}
        @console-announce=${this.announce}
      ></console-moderation-sanctions>
      <console-moderation-rules .api=${this.api} .session=${this.session} .app=${this.app} @console-announce=${this.announce}></console-moderation-rules>`;
  }

  static override styles = [
    page,
    css`
      .sr-only {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
    `,
  ];
}
customElements.get("console-moderation") || customElements.define("console-moderation", ConsoleModeration);
