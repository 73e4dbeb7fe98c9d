import { css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { io, type Socket } from "socket.io-client";
import type {
  ConsoleApp,
  ConsoleFeedEvents,
  ConsoleReportDetail,
  ConsoleSanction,
  ConsoleSanctionResponse,
  ConsoleSanctionsResponse,
  ConsoleWordFilterTestResponse,
  FilterWord,
  Message,
  ModeratorsResponse,
  Page,
  Report,
  ReportResponse,
  WordFilter,
} from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { canConfigure } from "../shared/roles.js";
import { page } from "../shared/styles.js";

type Status = "open" | "resolved" | "dismissed";
/** The action whose form is open under the report. */
type Action = "ban" | "mute" | "delete" | "resolve" | "dismiss" | null;

/**
 * An app's moderation (moderators, admins, owners): the report queue by status, new reports
 * arriving live (the console feed, a Socket.IO namespace on this server), one report with its
 * message and the five before and after it, the one-click answers (delete, mute, ban, resolve,
 * dismiss), and the bans and mutes in force with lift. Message text shows only in a report.
 */
export class ConsoleModeration extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    status: { state: true },
    reports: { state: true },
    next: { state: true },
    loadError: { state: true },
    detail: { state: true },
    action: { state: true },
    error: { state: true },
    busy: { state: true },
    live: { state: true },
    announcement: { state: true },
    bans: { state: true },
    mutes: { state: true },
    sanctionError: { state: true },
    filter: { state: true },
    rulesError: { state: true },
    rulesNote: { state: true },
    tried: { state: true },
    moderators: { state: true },
  };
  app: ConsoleApp | null = null;
  status: Status = "open";
  reports: Report[] | null = null;
  next: string | null = null;
  loadError: ApiError | null = null;
  detail: ConsoleReportDetail | null = null;
  action: Action = null;
  error: ApiError | null = null;
  busy = false;
  /** Whether the live feed is connected. */
  live = false;
  /** What the polite live region last said. */
  announcement = "";
  bans: ConsoleSanction[] | null = null;
  mutes: ConsoleSanction[] | null = null;
  sanctionError: ApiError | null = null;
  /** The app's word filter, as saved. */
  filter: WordFilter | null = null;
  /** The error of the last rules form, by form ("filter", "try", "slow", "moderator"). */
  rulesError: { form: string; error: ApiError } | null = null;
  rulesNote = "";
  tried: ConsoleWordFilterTestResponse | null = null;
  moderators: ModeratorsResponse["moderators"] | null = null;
  private feed: Socket<ConsoleFeedEvents> | null = null;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/moderation`;
  }

  protected override firstUpdated(): void {
    void this.load();
    void this.loadSanctions();
    void this.loadRules();
    this.connectFeed();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("app") && changed.get("app") && this.app) void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.feed?.close();
    this.feed = null;
  }

  /** The console feed: this page's session cookie, from this page's origin; the server sends each report of apps we moderate. */
  private connectFeed(): void {
    if (this.feed) return;
    const feed: Socket<ConsoleFeedEvents> = io("/console", { transports: ["websocket"], withCredentials: true });
    feed.on("connect", () => (this.live = true));
    feed.on("disconnect", () => (this.live = false));
    feed.on("connect_error", () => (this.live = false));
    feed.on("report", ({ appId, report }) => {
      if (appId !== this.app?.id) return;
      this.received(report);
    });
    this.feed = feed;
  }

  /** A report filed or settled anywhere: into the list it belongs to, out of the one it left. */
  private received(report: Report): void {
    const list = this.reports ?? [];
    const known = list.some((r) => r.id === report.id);
    if (report.status === this.status) {
      this.reports = known ? list.map((r) => (r.id === report.id ? report : r)) : [report, ...list];
      if (!known && report.status === "open") this.announcement = this.t.modNewReport(this.t.reasonNames[report.reason] ?? report.reason);
    } else if (known) this.reports = list.filter((r) => r.id !== report.id);
    if (this.detail?.report.id === report.id) this.detail = { ...this.detail, report };
  }

  private async load(more = false): Promise<void> {
    this.loadError = null;
    const q = new URLSearchParams({ status: this.status, limit: "25" });
    if (more && this.next) q.set("cursor", this.next);
    if (!more) this.reports = null;
    try {
      const got = await this.api.get<Page<Report>>(`${this.base}/reports?${q}`);
      this.reports = more ? [...(this.reports ?? []), ...got.items] : got.items;
      this.next = got.nextCursor;
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private async loadSanctions(): Promise<void> {
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

  private async open(report: Report): Promise<void> {
    this.action = null;
    this.error = null;
    try {
      this.detail = await this.api.get<ConsoleReportDetail>(`${this.base}/reports/${encodeURIComponent(report.id)}`);
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("#report-title")?.focus();
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private show(status: Status): void {
    this.status = status;
    this.detail = null;
    void this.load();
  }

  /** Sends the open action's form; the report is settled with it, and the lists are read again. */
  private async act(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const d = this.detail;
    if (!d || !this.action) return;
    const v = values(form);
    const reportId = d.report.id;
    const reason = v["reason"]?.trim() || undefined;
    this.error = null;
    this.busy = true;
    try {
      let report: Report | null = null;
      switch (this.action) {
        case "ban": {
          const body = {
            scope: v["scope"],
            reason: v["reason"] ?? "",
            reportId,
            ...(v["scope"] === "conversation" && d.report.conversationId ? { conversationId: d.report.conversationId } : {}),
          };
          report = (await this.api.post<ConsoleSanctionResponse>(`${this.base}/users/${encodeURIComponent(d.report.userId)}/ban`, body)).report;
          break;
        }
        case "mute":
          report = (
            await this.api.post<ConsoleSanctionResponse>(`${this.base}/users/${encodeURIComponent(d.report.userId)}/mute`, {
              minutes: Number(v["minutes"]),
              reason,
              reportId,
            })
          ).report;
          break;
        case "delete":
          await this.api.delete(`${this.base}/messages/${encodeURIComponent(d.report.messageId ?? "")}`, { reason, reportId });
          break;
        case "resolve":
        case "dismiss":
          report = (
            await this.api.post<ReportResponse>(`${this.base}/reports/${encodeURIComponent(reportId)}/${this.action}`, { note: v["note"]?.trim() || undefined })
          ).report;
          break;
      }
      this.announcement = this.t.modDone[this.action] ?? "";
      this.action = null;
      if (report) this.received(report);
      await Promise.all([this.open(d.report), this.loadSanctions()]);
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async lift(kind: "ban" | "mute", s: ConsoleSanction): Promise<void> {
    this.sanctionError = null;
    try {
      await this.api.delete(`${this.base}/${kind}s/${encodeURIComponent(s.id)}`);
      this.announcement = kind === "ban" ? this.t.modBanLifted : this.t.modMuteLifted;
      await this.loadSanctions();
    } catch (err) {
      this.sanctionError = err as ApiError;
    }
  }

  private async loadRules(): Promise<void> {
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
      this.announcement = done;
    } catch (err) {
      this.rulesError = { form, error: err as ApiError };
      await focusFirstError(this.shadowRoot, this);
    }
  }

  private renderRules() {
    const t = this.t;
    const err = (form: string) => (this.rulesError?.form === form ? this.rulesError.error : null);
    const f = this.filter;
    const words = (action: "block" | "mask") =>
      (f?.words ?? [])
        .filter((w) => w.action === action)
        .map((w) => w.word)
        .join("\n");
    const configure = this.app ? canConfigure(this.app.role) : false;
    return html`<section class="card" aria-labelledby="rules-title">
      <h2 id="rules-title">${t.modRules}</h2>
      ${this.rulesNote ? html`<p class="notice">${this.rulesNote}</p>` : nothing}
      <h3>${t.modWordFilter}</h3>
      <p class="muted">${t.modWordFilterNote}</p>
      ${
        f === null && !err("filter")
          ? html`<p role="status" class="muted">${t.loading}</p>`
          : html`<form
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
            </form>`
      }
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
        ${formAlert(err("slow"), ["seconds"])}
        ${field({ name: "conversationId", label: t.modConversationId, required: true })}
        ${field({ name: "seconds", label: t.modSeconds, hint: t.modSecondsHint, inputmode: "numeric", error: err("slow")?.field("seconds") })}
        <div><button class="primary" type="submit">${t.modSetSlowMode}</button></div>
      </form>
      <h3>${t.modChatModerators}</h3>
      <p class="muted">${t.modChatModeratorsNote}</p>
      ${
        this.moderators === null
          ? html`<p role="status" class="muted">${t.loading}</p>`
          : this.moderators.length === 0
            ? html`<p class="empty">${t.modNoChatModerators}</p>`
            : html`<ul class="plain" aria-label=${t.modChatModerators}>
                ${this.moderators.map(
                  (m) => html`<li class="spread" data-moderator=${m.userId}>
                    <span><strong>${m.userId}</strong>${m.sub ? html` · <code>${m.sub}</code>` : nothing} · <span class="muted">${when(m.since)}</span></span>
                    ${
                      configure
                        ? html`<button type="button" class="secondary" @click=${(e: Event) =>
                            this.rule(
                              e,
                              "moderator",
                              async () => {
                                await this.api.put(`${this.base}/moderators/${encodeURIComponent(m.userId)}`, { moderator: false });
                                await this.loadRules();
                              },
                              t.modModeratorRemoved,
                            )}>${t.modRemove}</button>`
                        : nothing
                    }
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
                    await this.loadRules();
                  },
                  t.modModeratorAdded,
                )}
            >
              ${formAlert(err("moderator"), [])}
              ${field({ name: "userId", label: t.modUserId, required: true })}
              <div><button class="primary" type="submit">${t.modAddModerator}</button></div>
            </form>`
          : nothing
      }
    </section>`;
  }

  private renderQueue() {
    const t = this.t;
    let body: TemplateResult;
    if (this.loadError)
      body = html`<div role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`;
    else if (!this.reports) body = html`<p role="status" class="muted">${t.loading}</p>`;
    else if (this.reports.length === 0) body = html`<p class="empty">${t.modEmpty[this.status]}</p>`;
    else
      body = html`<ul class="plain" aria-label=${t.modQueue}>
          ${this.reports.map(
            (r) => html`<li class="spread" data-report=${r.id}>
              <div>
                <strong>${t.reasonNames[r.reason] ?? r.reason}</strong> · <span class="muted">${when(r.createdAt)}</span>
                <div class="muted">${t.modAbout(r.userId)}${r.note ? html` · “${r.note}”` : nothing}</div>
                ${r.messageText ? html`<div class="quote">${r.messageText}</div>` : nothing}
              </div>
              <button type="button" class="secondary" aria-expanded=${this.detail?.report.id === r.id ? "true" : "false"} @click=${() => this.open(r)}>${t.modOpen}</button>
            </li>`,
          )}
        </ul>
        ${this.next ? html`<button type="button" class="secondary" @click=${() => this.load(true)}>${t.loadMore}</button>` : nothing}`;
    return html`<section class="card" aria-labelledby="queue-title">
      <div class="spread">
        <h2 id="queue-title">${t.modQueue}</h2>
        <span class="pill ${this.live ? "" : "failed"}" data-live=${this.live ? "on" : "off"}>${this.live ? t.modLive : t.modNotLive}</span>
      </div>
      <div class="row" role="group" aria-label=${t.modStatus}>
        ${(["open", "resolved", "dismissed"] as const).map(
          (
            s,
          ) => html`<button type="button" class=${this.status === s ? "primary" : "secondary"} aria-pressed=${this.status === s ? "true" : "false"} @click=${() => this.show(s)}>
            ${t.modStatusNames[s]}
          </button>`,
        )}
      </div>
      ${body}
    </section>`;
  }

  private renderMessage(m: Message, reported: boolean) {
    return html`<li class=${reported ? "reported" : ""} aria-current=${reported ? "true" : "false"}>
      <span class="muted">${m.senderId ?? "—"} · ${when(m.createdAt)}</span>
      <div>${m.deletedAt ? html`<em class="muted">${this.t.modDeleted}</em>` : m.text}</div>
    </li>`;
  }

  private renderActionForm(d: ConsoleReportDetail) {
    const t = this.t;
    const err = this.error;
    const submit = html`<div class="row">
      <button class=${this.action === "ban" || this.action === "delete" ? "danger" : "primary"} type="submit" ?disabled=${this.busy}>${t.modConfirm[this.action!]}</button>
      <button class="secondary" type="button" @click=${() => ((this.action = null), (this.error = null))}>${t.cancel}</button>
    </div>`;
    let fields: TemplateResult;
    switch (this.action) {
      case "ban":
        fields = html`<fieldset>
            <legend>${t.modBanScope}</legend>
            ${d.report.conversationId ? html`<label><input type="radio" name="scope" value="conversation" checked /> ${t.modBanConversation}</label>` : nothing}
            <label><input type="radio" name="scope" value="app" ?checked=${!d.report.conversationId} /> ${t.modBanApp}</label>
          </fieldset>
          ${field({ name: "reason", label: t.modBanReason, hint: t.modBanReasonHint, error: err?.field("reason"), required: true })}`;
        break;
      case "mute":
        fields = html`<fieldset>
            <legend>${t.modMuteFor}</legend>
            ${([10, 60, 1440] as const).map((n, i) => html`<label><input type="radio" name="minutes" value=${n} ?checked=${i === 0} /> ${t.modMinutes[n]}</label>`)}
          </fieldset>
          ${field({ name: "reason", label: t.modReasonOptional, error: err?.field("reason") })}`;
        break;
      case "delete":
        fields = field({ name: "reason", label: t.modReasonOptional, error: err?.field("reason") });
        break;
      default:
        fields = field({ name: "note", label: t.modNote, error: err?.field("note") });
    }
    return html`<form @submit=${this.act} novalidate aria-label=${t.modActions[this.action!]}>
      ${formAlert(err, ["reason", "note", "minutes", "scope", "conversationId"])} ${fields} ${submit}
    </form>`;
  }

  private renderDetail() {
    const d = this.detail;
    if (!d) return nothing;
    const t = this.t;
    const r = d.report;
    const open = r.status === "open";
    return html`<section class="card" aria-labelledby="report-title">
      <h2 id="report-title" tabindex="-1">${t.modReport}: ${t.reasonNames[r.reason] ?? r.reason}</h2>
      <p class="muted">${t.modReportedBy(r.reporterId, when(r.createdAt))} · <span class="pill">${t.modStatusNames[r.status]}</span></p>
      ${r.note ? html`<p><strong>${t.modReporterNote}:</strong> ${r.note}</p>` : nothing}
      ${r.resolution || r.resolvedBy ? html`<p class="muted">${t.modSettled(r.resolvedBy ?? "—", r.resolution ?? "")}</p>` : nothing}
      ${
        r.messageId
          ? html`<h3>${t.modContext}</h3>
            <ol class="context" aria-label=${t.modContext}>
              ${d.before.map((m) => this.renderMessage(m, false))}
              ${d.message ? this.renderMessage(d.message, true) : html`<li class="reported"><em class="muted">${t.modDeleted}</em>${r.messageText ? html`<div>${r.messageText}</div>` : nothing}</li>`}
              ${d.after.map((m) => this.renderMessage(m, false))}
            </ol>`
          : html`<p>${t.modUserReport(r.userId)}</p>`
      }
      ${
        open
          ? html`<div class="row" role="group" aria-label=${t.modActionsLabel}>
              ${(["delete", "mute", "ban", "resolve", "dismiss"] as const)
                .filter((a) => a !== "delete" || (r.messageId && d.message))
                .filter((a) => a !== "mute" || r.conversationId)
                .map(
                  (
                    a,
                  ) => html`<button type="button" class=${a === "ban" || a === "delete" ? "danger" : "secondary"} aria-pressed=${this.action === a ? "true" : "false"}
                    @click=${() => ((this.action = a), (this.error = null))}>${t.modActions[a]}</button>`,
                )}
            </div>
            ${this.action ? this.renderActionForm(d) : nothing}`
          : nothing
      }
    </section>`;
  }

  private renderSanctions() {
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

  override render() {
    return html`<p class="sr-only" role="status" aria-live="polite">${this.announcement}</p>
      ${this.renderQueue()} ${this.renderDetail()} ${this.renderSanctions()} ${this.renderRules()}`;
  }

  static override styles = [
    page,
    css`
      .quote {
        border-inline-start: 3px solid var(--_border);
        padding-inline-start: 8px;
        margin-block-start: 4px;
        overflow-wrap: anywhere;
      }
      ol.context {
        list-style: none;
        padding: 0;
        margin: 0 0 12px;
      }
      ol.context li {
        padding: 6px 8px;
        border-block-end: 1px solid var(--_surface);
        overflow-wrap: anywhere;
      }
      ol.context li.reported {
        border-inline-start: 4px solid var(--_danger);
        background: var(--_surface);
      }
      fieldset {
        border: 1px solid var(--_border);
        border-radius: 8px;
        margin: 0 0 12px;
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
      }
      label.check {
        display: flex;
        gap: 8px;
        align-items: center;
        margin-block-end: 12px;
      }
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
