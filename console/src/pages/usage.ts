import { css, html, nothing, svg, type PropertyValues } from "lit";
import type { ConsoleApp, ConsoleUsageDay, ConsoleUsageDays, ConsoleUsageResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { localeTag } from "../app/strings.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

type Metric = "messages" | "activeUsers" | "peakSockets" | "webhookRate" | "searches" | "calls" | "callMinutes" | "agentReplies" | "agentTokens";
const METRICS: readonly Metric[] = ["messages", "activeUsers", "peakSockets", "webhookRate", "searches", "calls", "callMinutes", "agentReplies", "agentTokens"];
const RANGES: readonly ConsoleUsageDays[] = [7, 30, 90];

/** A day's figure for a chart: the webhook success rate is a share (null on a day without attempts); call time in minutes. */
function figureOf(metric: Metric, d: ConsoleUsageDay): number | null {
  if (metric === "callMinutes") return d.callSeconds / 60;
  if (metric === "agentTokens") return d.agentPromptTokens + d.agentCompletionTokens;
  if (metric !== "webhookRate") return d[metric];
  const all = d.webhooksDelivered + d.webhooksFailed;
  return all === 0 ? null : d.webhooksDelivered / all;
}

const count = new Intl.NumberFormat(localeTag(), { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(localeTag(), { style: "percent", maximumFractionDigits: 1 });
const shown = (metric: Metric, v: number | null): string => (v === null ? "—" : metric === "webhookRate" ? percent.format(v) : count.format(v));
/** A UTC day for people: "Nov 22". */
const dayLabel = (day: string): string => new Date(`${day}T00:00:00Z`).toLocaleDateString(localeTag(), { month: "short", day: "numeric", timeZone: "UTC" });
const monthLabel = (month: string): string =>
  new Date(`${month}-01T00:00:00Z`).toLocaleDateString(localeTag(), { month: "long", year: "numeric", timeZone: "UTC" });

/**
 * Usage of an app (`app`), or of every app together (`app` null: operators): messages, daily and
 * monthly active users, peak connections, webhook success, searches, calls and call minutes, AI agents' replies and tokens over 7, 30 or 90 days.
 * Each chart is an SVG image labelled with what it shows; the table under them holds every
 * figure, for screen readers and for anyone who wants the numbers.
 */
export class ConsoleUsage extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    days: { state: true },
    data: { state: true },
    error: { state: true },
    loading: { state: true },
  };
  app: ConsoleApp | null = null;
  days: ConsoleUsageDays = 30;
  data: ConsoleUsageResponse | null = null;
  error: ApiError | null = null;
  loading = false;
  /** Answers to an older choice of range are dropped. */
  private asked = 0;
  /** The app (its id, "" for every app) the figures shown were asked for. */
  private loadedFor: string | undefined;

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override willUpdate(changed: PropertyValues<this>): void {
    const key = this.app?.id ?? "";
    if ((changed.has("app") || this.loadedFor === undefined) && key !== this.loadedFor) {
      this.loadedFor = key;
      void this.load();
    }
  }

  private async load(): Promise<void> {
    const mine = ++this.asked;
    this.error = null;
    this.loading = true;
    const path = this.app ? `/apps/${encodeURIComponent(this.app.id)}/usage?days=${this.days}` : `/usage?days=${this.days}`;
    try {
      const data = await this.api.get<ConsoleUsageResponse>(path);
      if (mine === this.asked) this.data = data;
    } catch (err) {
      if (mine === this.asked) this.error = err as ApiError;
    } finally {
      if (mine === this.asked) this.loading = false;
    }
  }

  private pick(e: Event): void {
    const days = Number((e.target as HTMLInputElement).value) as ConsoleUsageDays;
    if (!RANGES.includes(days) || days === this.days) return;
    this.days = days;
    void this.load();
  }

  /** The headline of a metric over the period. */
  private headline(metric: Metric, series: ConsoleUsageDay[]): string {
    const t = this.t;
    if (metric === "webhookRate") {
      const ok = series.reduce((s, d) => s + d.webhooksDelivered, 0);
      const failed = series.reduce((s, d) => s + d.webhooksFailed, 0);
      return ok + failed === 0 ? t.usageNoAttempts : `${percent.format(ok / (ok + failed))} · ${t.usageAttempts(count.format(ok), count.format(failed))}`;
    }
    const values = series.map((d) => figureOf(metric, d) ?? 0);
    const high = Math.max(0, ...values);
    // Messages, searches and calls add up over days; people and connections do not (the same person on two days).
    return metric !== "activeUsers" && metric !== "peakSockets"
      ? t.usageTotal(count.format(values.reduce((a, b) => a + b, 0)))
      : t.usageHighest(count.format(high));
  }

  private chart(metric: Metric, series: ConsoleUsageDay[]) {
    const t = this.t;
    const name = t.usageMetrics[metric] ?? metric;
    const values = series.map((d) => figureOf(metric, d));
    const present = values.filter((v): v is number => v !== null);
    const max = metric === "webhookRate" ? 1 : Math.max(0, ...present);
    const top = present.length ? Math.max(...present) : 0;
    const topDay = series[values.indexOf(top)]?.day ?? "";
    const label =
      present.length === 0 || (metric !== "webhookRate" && top === 0)
        ? t.usageChartEmpty(name, series.length)
        : t.usageChartLabel(name, series.length, this.headline(metric, series), shown(metric, top), dayLabel(topDay));
    // 10 units a day, 100 high, stretched to the box: the labels are HTML beside it, never stretched.
    const w = series.length * 10;
    const bars = values.map((v, i) => {
      if (v === null || max === 0) return nothing;
      const h = Math.max(v > 0 ? 1.5 : 0, (v / max) * 100);
      return svg`<rect class=${metric === "webhookRate" && v < 1 ? "bar warn" : "bar"} x=${i * 10 + 1} y=${100 - h} width="8" height=${h}><title>${dayLabel(series[i]!.day)}: ${shown(metric, v)}</title></rect>`;
    });
    return html`<figure class="chart" data-metric=${metric}>
      <figcaption>
        <span class="metric">${name}</span>
        <span class="headline">${this.headline(metric, series)}</span>
      </figcaption>
      <div class="plot">
        <span class="axis-max" aria-hidden="true">${shown(metric, max)}</span>
        <svg viewBox="0 0 ${w} 100" preserveAspectRatio="none" role="img" aria-label=${label}>
          <line class="base" x1="0" y1="100" x2=${w} y2="100"></line>
          ${bars}
        </svg>
        <span class="axis-days" aria-hidden="true"><span>${dayLabel(series[0]?.day ?? "")}</span><span>${dayLabel(series[series.length - 1]?.day ?? "")}</span></span>
      </div>
      <p class="hint">${t.usageMetricHelp[metric]}</p>
    </figure>`;
  }

  private table(data: ConsoleUsageResponse) {
    const t = this.t;
    const rows = [...data.series].reverse();
    return html`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="usage-table-title">
      <table class="stack">
        <caption id="usage-table-title">${t.usageTable}</caption>
        <thead>
          <tr>
            <th scope="col">${t.usageColDay}</th>
            <th scope="col">${t.usageMetrics["messages"]}</th>
            <th scope="col">${t.usageMetrics["activeUsers"]}</th>
            <th scope="col">${t.usageMetrics["peakSockets"]}</th>
            <th scope="col">${t.usageColDelivered}</th>
            <th scope="col">${t.usageColFailed}</th>
            <th scope="col">${t.usageColRate}</th>
            <th scope="col">${t.usageMetrics["searches"]}</th>
            <th scope="col">${t.usageMetrics["calls"]}</th>
            <th scope="col">${t.usageMetrics["callMinutes"]}</th>
            <th scope="col">${t.usageMetrics["agentReplies"]}</th>
            <th scope="col">${t.usageMetrics["agentTokens"]}</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (d) => html`<tr data-day=${d.day}>
              <th scope="row" data-label=${t.usageColDay}><time datetime=${d.day}>${dayLabel(d.day)}</time></th>
              <td data-label=${t.usageMetrics["messages"]} data-messages>${count.format(d.messages)}</td>
              <td data-label=${t.usageMetrics["activeUsers"]} data-active>${count.format(d.activeUsers)}</td>
              <td data-label=${t.usageMetrics["peakSockets"]}>${count.format(d.peakSockets)}</td>
              <td data-label=${t.usageColDelivered}>${count.format(d.webhooksDelivered)}</td>
              <td data-label=${t.usageColFailed}>${count.format(d.webhooksFailed)}</td>
              <td data-label=${t.usageColRate}>${shown("webhookRate", figureOf("webhookRate", d))}</td>
              <td data-label=${t.usageMetrics["searches"]}>${count.format(d.searches)}</td>
              <td data-label=${t.usageMetrics["calls"]} data-calls>${count.format(d.calls)}</td>
              <td data-label=${t.usageMetrics["callMinutes"]} data-call-minutes>${count.format(d.callSeconds / 60)}</td>
              <td data-label=${t.usageMetrics["agentReplies"]} data-agent-replies>${count.format(d.agentReplies)}</td>
              <td data-label=${t.usageMetrics["agentTokens"]} data-agent-tokens>${count.format(d.agentPromptTokens + d.agentCompletionTokens)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    const t = this.t;
    const title = this.app ? html`<h2 id="usage-title">${t.usageTitle}</h2>` : html`<h1 id="usage-title">${t.usageTitleAll}</h1>`;
    const d = this.data;
    const quiet = d?.series.every((x) => METRICS.every((m) => !figureOf(m, x)));
    return html`<section class="card" aria-labelledby="usage-title" aria-busy=${this.loading ? "true" : "false"}>
      <div class="spread">
        ${title}
        <fieldset class="range">
          <legend class="sr-only">${t.usageRange}</legend>
          ${RANGES.map(
            (n) => html`<label class="seg">
              <input type="radio" name="days" value=${n} .checked=${this.days === n} @change=${this.pick} />
              <span>${t.usageDays(n)}</span>
            </label>`,
          )}
        </fieldset>
      </div>
      <p class="muted">${t.usageNote}</p>
      <p role="status" class=${this.loading ? "muted" : "sr-only"}>${this.loading ? t.usageLoadingRange(this.days) : d ? t.usageDays(d.days) : ""}</p>
      ${
        this.error
          ? html`<div role="alert"><p class="alert">${this.error.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`
          : nothing
      }
      ${
        d
          ? html`${quiet ? html`<p class="empty">${t.usageEmpty}</p>` : nothing}
            <div class="charts">${METRICS.map((m) => this.chart(m, d.series))}</div>
            <h3 id="mau-title">${t.usageMonthly}</h3>
            <p class="hint">${t.usageMonthlyNote}</p>
            <table class="months" aria-labelledby="mau-title">
              <thead>
                <tr><th scope="col">${t.usageColMonth}</th><th scope="col">${t.usageMonthly}</th></tr>
              </thead>
              <tbody>
                ${d.months.map((m) => html`<tr data-month=${m.month}><th scope="row">${monthLabel(m.month)}</th><td>${count.format(m.activeUsers)}</td></tr>`)}
              </tbody>
            </table>
            ${this.table(d)}`
          : this.error
            ? nothing
            : html`<p class="muted">${t.loading}</p>`
      }
    </section>`;
  }

  static override styles = [
    page,
    css`
      .range {
        display: flex;
        flex-wrap: wrap;
        gap: 0;
        border: none;
        padding: 0;
      }
      .seg {
        position: relative;
      }
      .seg input {
        position: absolute;
        inset: 0;
        opacity: 0;
        margin: 0;
        width: 100%;
        height: 100%;
        min-height: 0;
        cursor: pointer;
      }
      .seg span {
        display: inline-flex;
        align-items: center;
        min-height: 44px;
        padding-inline: 14px;
        border: 1px solid var(--_border);
        margin-inline-start: -1px;
      }
      .seg:first-of-type span {
        border-start-start-radius: 8px;
        border-end-start-radius: 8px;
        margin-inline-start: 0;
      }
      .seg:last-of-type span {
        border-start-end-radius: 8px;
        border-end-end-radius: 8px;
      }
      .seg input:checked + span {
        background: var(--_accent);
        color: var(--_on-accent);
        border-color: var(--_accent);
        font-weight: 600;
      }
      .seg input:focus-visible + span {
        outline: 2px solid var(--_focus);
        outline-offset: 2px;
      }
      .empty {
        margin-block: 8px;
      }
      .charts {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 320px), 1fr));
        gap: 16px;
        margin-block: 12px 20px;
      }
      .chart {
        margin: 0;
        border: 1px solid var(--_surface);
        border-radius: 10px;
        padding: 12px;
        min-width: 0;
      }
      figcaption {
        display: flex;
        flex-wrap: wrap;
        justify-content: space-between;
        gap: 4px 12px;
        margin-block-end: 8px;
      }
      .metric {
        font-weight: 600;
      }
      .headline {
        color: var(--_muted);
        font-size: 0.9rem;
      }
      .plot {
        display: grid;
        grid-template-columns: auto 1fr;
        grid-template-rows: 120px auto;
        column-gap: 8px;
      }
      .axis-max {
        font-size: 0.8rem;
        color: var(--_muted);
        align-self: start;
        min-width: 2ch;
        text-align: end;
      }
      .plot svg {
        width: 100%;
        height: 120px;
        display: block;
        overflow: visible;
      }
      .base {
        stroke: var(--_border);
        stroke-width: 1;
        vector-effect: non-scaling-stroke;
      }
      .bar {
        fill: var(--_accent);
      }
      .bar.warn {
        fill: var(--_danger);
      }
      .axis-days {
        grid-column: 2;
        display: flex;
        justify-content: space-between;
        font-size: 0.8rem;
        color: var(--_muted);
        padding-block-start: 4px;
      }
      .chart .hint {
        margin-block-start: 6px;
      }
      table.months {
        max-width: 420px;
        margin-block: 4px 20px;
      }
      .table-wrap {
        max-height: 480px;
        overflow: auto;
        border: 1px solid var(--_surface);
        border-radius: 8px;
      }
      caption {
        text-align: start;
        font-weight: 600;
        padding: 8px;
      }
      thead th {
        position: sticky;
        inset-block-start: 0;
        background: var(--_bg);
      }
      td,
      tbody th {
        font-variant-numeric: tabular-nums;
      }
      tbody th {
        font-weight: 600;
        color: inherit;
        font-size: inherit;
        white-space: nowrap;
      }
      @media (max-width: 640px) {
        table.stack tbody th {
          display: flex;
          gap: 8px;
          border: none;
          padding: 4px 0;
        }
        table.stack tbody th::before {
          content: attr(data-label);
          min-width: 110px;
        }
      }
    `,
  ];
}
customElements.get("console-usage") || customElements.define("console-usage", ConsoleUsage);
