import { html, nothing, type PropertyValues } from "lit";
import type { ConsoleApp, ConsoleSanction, ConsoleSanctionsResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../../app/api.js";
import { when } from "../../app/strings.js";
import { ConsolePage } from "../../shared/page.js";
import { page } from "../../shared/styles.js";

/**
 * The bans and mutes in force in an app, each with lift. The moderation page sets `acted` when a
 * report is answered (a ban or a mute may have come with it): the lists are read again.
 *
 * @event console-announce - what the page's live region should say (detail: the words)
 */
export class ConsoleModerationSanctions extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    acted: { attribute: false },
    bans: { state: true },
    mutes: { state: true },
    sanctionError: { state: true },
  };
  app: ConsoleApp | null = null;
  /** How many reports have been answered on the page: each one reads the lists again. */
  acted = 0;
  bans: ConsoleSanction[] | null = null;
  mutes: ConsoleSanction[] | null = null;
  sanctionError: ApiError | null = null;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/moderation`;
  }

  protected override firstUpdated(): void {
    void this.load();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("acted") && changed.get("acted") !== undefined) void this.load();
  }

  private async load(): Promise<void> {
    this.sanctionError = null;
    try {
      const [bans, mutes] = await Promise.all([
        this.api.get<ConsoleSanctionsResponse>(`${this.base}/bans?limit=50`),
        this.api.get<ConsoleSanctionsResponse>(`${this.base}/mutes?limit=50`),
      ]);
      this.bans = bans.items;
      this.mutes = mutes.items;
    } catch (err) {
      this.sanctionError = err as ApiError;
    }
  }

  private async lift(kind: "ban" | "mute", s: ConsoleSanction): Promise<void> {
    this.sanctionError = null;
    try {
      await this.api.delete(`${this.base}/${kind}s/${encodeURIComponent(s.id)}`);
      this.emit("console-announce", kind === "ban" ? this.t.modBanLifted : this.t.modMuteLifted);
      await this.load();
    } catch (err) {
      this.sanctionError = err as ApiError;
    }
  }

  override render() {
    const t = this.t;
    const list = (kind: "ban" | "mute", items: ConsoleSanction[] | null) =>
      items === null
        ? html`<p role="status" class="muted">${t.loading}</p>`
        : items.length === 0
          ? html`<p class="empty">${kind === "ban" ? t.modNoBans : t.modNoMutes}</p>`
          : html`<ul class="plain" aria-label=${kind === "ban" ? t.modBans : t.modMutes}>
              ${items.map(
                (s) => html`<li class="spread" data-sanction=${s.id}>
                  <div>
                    <strong>${s.userId}</strong> · ${s.conversationId ? t.modInConversation(s.conversationId) : t.modWholeApp}
                    <div class="muted">${s.reason ?? ""} · ${s.until ? t.modUntil(when(s.until)) : t.modUntilLifted} · ${t.modBy(s.by)}</div>
                  </div>
                  <button type="button" class="secondary" @click=${() => this.lift(kind, s)}>${t.modLift}</button>
                </li>`,
              )}
            </ul>`;
    return html`<section class="card" aria-labelledby="sanctions-title">
      <h2 id="sanctions-title">${t.modSanctions}</h2>
      ${this.sanctionError ? html`<p class="alert" role="alert">${this.sanctionError.message}</p>` : nothing}
      <h3>${t.modBans}</h3>
      ${list("ban", this.bans)}
      <h3>${t.modMutes}</h3>
      ${list("mute", this.mutes)}
    </section>`;
  }

  static override styles = page;
}
customElements.get("console-moderation-sanctions") || customElements.define("console-moderation-sanctions", ConsoleModerationSanctions);
