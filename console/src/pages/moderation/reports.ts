import { css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import type { ConsoleApp, ConsoleReportDetail, ConsoleSanctionResponse, Message, Page, Report, ReportResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../../app/api.js";
import { when } from "../../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../../shared/form.js";
import { ConsolePage } from "../../shared/page.js";
import { page } from "../../shared/styles.js";
import { ReportFeed } from "./report-feed.js";

type Status = "open" | "resolved" | "dismissed";
/** The action whose form is open under the report. */
type Action = "ban" | "mute" | "delete" | "resolve" | "dismiss" | null;

/**
 * The report queue of the moderation page: reports by status, new ones arriving live (ReportFeed),
 * one report with its message and the five before and after it, and the one-click answers
 * (delete, mute, ban, resolve, dismiss). Message text shows only in a report.
 *
 * @event console-announce - what the page's live region should say (detail: the words)
 * @event console-acted - a report was answered: a ban or a mute may have been added
 */
export class ConsoleModerationReports extends ConsolePage {
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
  private readonly feed = new ReportFeed(this, (appId, report) => {
    if (appId === this.app?.id) this.received(report);
  });

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/moderation`;
  }

  protected override firstUpdated(): void {
    void this.load();
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("app") && changed.get("app") && this.app) void this.load();
  }

  /** A report filed or settled anywhere: into the list it belongs to, out of the one it left. */
  private received(report: Report): void {
    const list = this.reports ?? [];
    const known = list.some((r) => r.id === report.id);
    if (report.status === this.status) {
      this.reports = known ? list.map((r) => (r.id === report.id ? report : r)) : [report, ...list];
      if (!known && report.status === "open") this.emit("console-announce", this.t.modNewReport(this.t.reasonNames[report.reason] ?? report.reason));
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

  /** Sends the open action's form; the report is settled with it, and it and the sanctions are read again. */
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
      this.emit("console-announce", this.t.modDone[this.action] ?? "");
      this.action = null;
      if (report) this.received(report);
      this.emit("console-acted");
      await this.open(d.report);
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
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
    const live = this.feed.live;
    return html`<section class="card" aria-labelledby="queue-title">
      <div class="spread">
        <h2 id="queue-title">${t.modQueue}</h2>
        <span class="pill ${live ? "" : "failed"}" data-live=${live ? "on" : "off"}>${live ? t.modLive : t.modNotLive}</span>
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

  override render() {
    return html`${this.renderQueue()} ${this.renderDetail()}`;
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
    `,
  ];
}
customElements.get("console-moderation-reports") || customElements.define("console-moderation-reports", ConsoleModerationReports);
