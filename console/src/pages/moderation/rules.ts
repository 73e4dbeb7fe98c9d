import { css, html, nothing } from "lit";
import type { ConsoleApp, ConsoleWordFilterTestResponse, FilterWord, ModeratorsResponse, WordFilter } from "@parley/sdk/protocol";
import type { ApiError } from "../../app/api.js";
import { when } from "../../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../../shared/form.js";
import { ConsolePage } from "../../shared/page.js";
import { canConfigure } from "../../shared/roles.js";
import { page } from "../../shared/styles.js";

/**
 * An app's moderation rules: the word filter (blocked and masked words, tried on a message before
 * it is saved), slow mode in a conversation, and the chat users who moderate from the widget (named
 * and removed by those who configure the app; the others read them).
 *
 * @event console-announce - what the page's live region should say (detail: the words)
 */
export class ConsoleModerationRules extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    filter: { state: true },
    rulesError: { state: true },
    rulesNote: { state: true },
    tried: { state: true },
    moderators: { state: true },
  };
  app: ConsoleApp | null = null;
  /** The app's word filter, as saved. */
  filter: WordFilter | null = null;
  /** The error of the last rules form, by form ("filter", "try", "slow", "moderator"). */
  rulesError: { form: string; error: ApiError } | null = null;
  rulesNote = "";
  tried: ConsoleWordFilterTestResponse | null = null;
  moderators: ModeratorsResponse["moderators"] | null = null;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/moderation`;
  }

  protected override firstUpdated(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const [filter, mods] = await Promise.all([
        this.api.get<WordFilter>(`${this.base}/word-filter`),
        this.api.get<ModeratorsResponse>(`${this.base}/moderators`),
      ]);
      this.filter = filter;
      this.moderators = mods.moderators;
    } catch (err) {
      this.rulesError = { form: "filter", error: err as ApiError };
    }
  }

  /** The word list in the filter form: one word or phrase a line, blocked and masked. */
  private wordsOf(form: HTMLFormElement): FilterWord[] {
    const v = values(form);
    const lines = (text: string | undefined) =>
      (text ?? "")
        .split("\n")
        .map((w) => w.trim())
        .filter(Boolean);
    return [...lines(v["block"]).map((word) => ({ word, action: "block" as const })), ...lines(v["mask"]).map((word) => ({ word, action: "mask" as const }))];
  }

  /** One of the rules forms: runs `send`, says `done`, keeps the error at the form it came from. */
  private async rule(e: Event, form: string, send: (f: HTMLFormElement) => Promise<unknown>, done: string): Promise<void> {
    e.preventDefault();
    const f = (e.target as HTMLElement).closest("form") as HTMLFormElement;
    this.rulesError = null;
    this.rulesNote = "";
    try {
      await send(f);
      this.rulesNote = done;
      this.emit("console-announce", done);
    } catch (err) {
      this.rulesError = { form, error: err as ApiError };
      await focusFirstError(this.shadowRoot, this);
    }
  }

  private renderFilter() {
    const t = this.t;
    const err = (form: string) => (this.rulesError?.form === form ? this.rulesError.error : null);
    const f = this.filter;
    const words = (action: "block" | "mask") =>
      (f?.words ?? [])
        .filter((w) => w.action === action)
        .map((w) => w.word)
        .join("\n");
    if (f === null && !err("filter")) return html`<p role="status" class="muted">${t.loading}</p>`;
    return html`<form
      novalidate
      aria-label=${t.modWordFilter}
      @submit=${(e: SubmitEvent) =>
        this.rule(
          e,
          "filter",
          async (form) =>
            (this.filter = await this.api.put<WordFilter>(`${this.base}/word-filter`, {
              words: this.wordsOf(form),
              names: values(form)["names"] === "on",
            })),
          t.modFilterSaved,
        )}
    >
      ${formAlert(err("filter"), ["words"])}
      ${field({ name: "block", label: t.modBlocked, hint: t.modOnePerLine, multiline: true, value: words("block"), error: err("filter")?.field("words") })}
      ${field({ name: "mask", label: t.modMasked, hint: t.modOnePerLine, multiline: true, value: words("mask") })}
      <label class="check"><input type="checkbox" name="names" ?checked=${f?.names ?? false} /> ${t.modFilterNames}</label>
      ${field({ name: "text", label: t.modTryText, hint: t.modTryHint, error: err("try")?.field("text") ?? err("try")?.field("words") })}
      ${
        this.tried
          ? html`<p class="notice" data-tried>
              ${this.tried.blocked.length > 0 ? t.modTriedBlocked(this.tried.blocked.join(", ")) : t.modTriedPasses(this.tried.text)}
            </p>`
          : nothing
      }
      <div class="row">
        <button class="secondary" type="button" @click=${(e: Event) =>
          this.rule(
            e,
            "try",
            async (form) =>
              (this.tried = await this.api.post<ConsoleWordFilterTestResponse>(`${this.base}/word-filter/test`, {
                words: this.wordsOf(form),
                text: values(form)["text"] ?? "",
              })),
            "",
          )}>${t.modTry}</button>
        <button class="primary" type="submit">${t.modSaveFilter}</button>
      </div>
    </form>`;
  }

  private renderModerators() {
    const t = this.t;
    const err = this.rulesError?.form === "moderator" ? this.rulesError.error : null;
    const configure = this.app ? canConfigure(this.app.role) : false;
    const remove = (e: Event, userId: string) =>
      this.rule(
        e,
        "moderator",
        async () => {
          await this.api.put(`${this.base}/moderators/${encodeURIComponent(userId)}`, { moderator: false });
          await this.load();
        },
        t.modModeratorRemoved,
      );
    return html`${
      this.moderators === null
        ? html`<p role="status" class="muted">${t.loading}</p>`
        : this.moderators.length === 0
          ? html`<p class="empty">${t.modNoChatModerators}</p>`
          : html`<ul class="plain" aria-label=${t.modChatModerators}>
              ${this.moderators.map(
                (m) => html`<li class="spread" data-moderator=${m.userId}>
                  <span><strong>${m.userId}</strong>${m.sub ? html` · <code>${m.sub}</code>` : nothing} · <span class="muted">${when(m.since)}</span></span>
                  ${configure ? html`<button type="button" class="secondary" @click=${(e: Event) => remove(e, m.userId)}>${t.modRemove}</button>` : nothing}
                </li>`,
              )}
            </ul>`
    }
    ${
      configure
        ? html`<form
            novalidate
            class="inline-form"
            aria-label=${t.modAddModerator}
            @submit=${(e: SubmitEvent) =>
              this.rule(
                e,
                "moderator",
                async (form) => {
                  await this.api.put(`${this.base}/moderators/${encodeURIComponent(values(form)["userId"]?.trim() ?? "")}`, { moderator: true });
                  form.reset();
                  await this.load();
                },
                t.modModeratorAdded,
              )}
          >
            ${formAlert(err, [])}
            ${field({ name: "userId", label: t.modUserId, required: true })}
            <div><button class="primary" type="submit">${t.modAddModerator}</button></div>
          </form>`
        : nothing
    }`;
  }

  override render() {
    const t = this.t;
    const slowError = this.rulesError?.form === "slow" ? this.rulesError.error : null;
    return html`<section class="card" aria-labelledby="rules-title">
      <h2 id="rules-title">${t.modRules}</h2>
      ${this.rulesNote ? html`<p class="notice">${this.rulesNote}</p>` : nothing}
      <h3>${t.modWordFilter}</h3>
      <p class="muted">${t.modWordFilterNote}</p>
      ${this.renderFilter()}
      <h3>${t.modSlowMode}</h3>
      <form
        novalidate
        class="inline-form"
        aria-label=${t.modSlowMode}
        @submit=${(e: SubmitEvent) =>
          this.rule(
            e,
            "slow",
            async (form) => {
              const v = values(form);
              const seconds = v["seconds"]?.trim() === "" ? Number.NaN : Number(v["seconds"]);
              await this.api.put(`${this.base}/conversations/${encodeURIComponent(v["conversationId"]?.trim() ?? "")}/slow-mode`, { seconds });
            },
            t.modSlowModeSet,
          )}
      >
        ${formAlert(slowError, ["seconds"])}
        ${field({ name: "conversationId", label: t.modConversationId, required: true })}
        ${field({ name: "seconds", label: t.modSeconds, hint: t.modSecondsHint, inputmode: "numeric", error: slowError?.field("seconds") })}
        <div><button class="primary" type="submit">${t.modSetSlowMode}</button></div>
      </form>
      <h3>${t.modChatModerators}</h3>
      <p class="muted">${t.modChatModeratorsNote}</p>
      ${this.renderModerators()}
    </section>`;
  }

  static override styles = [
    page,
    css`
      label.check {
        display: flex;
        gap: 8px;
        align-items: center;
        margin-block-end: 12px;
      }
    `,
  ];
}
customElements.get("console-moderation-rules") || customElements.define("console-moderation-rules", ConsoleModerationRules);
