import { html, nothing } from "lit";
import type { ChatClient, MessageItem, Poll } from "@parley/sdk";
import { closePoll, retractVote, votePoll } from "@parley/sdk/rich";
import { format, list, locale } from "../i18n/i18n.js";
import type { MessageHost } from "../message/message-host.js";
import { POLL_EN, type PollStrings } from "./poll-card.strings.js";
import { sheet } from "./poll-card.styles.js";

export { sheet };

/**
 * A poll's card in its message's bubble (issue 33): the question is the message's text, drawn
 * above; here the options as a fieldset of radio buttons (one choice) or checkboxes (several),
 * each with its count and share as text and a bar; the total, how it is answered, when it closes;
 * a named poll's voters on request; Retract vote, and Close poll for its creator and a group's
 * owner and admins. A change votes at once (the whole choice).
 *
 * Live: other members' votes come as `poll.updated` (counts, never a reader's choice), which the
 * SDK's store does not merge (its budget is full). This chunk listens once per client, keeps the
 * newest counts per message, and the visitor's own choice from their vote's answer (or the
 * message as history gave it); the views that drew a poll draw again.
 *
 * @csspart poll - the card (a fieldset)
 * @csspart poll-option - one option: its input, text, count and share, and bar
 * @csspart poll-voters - a named poll's voters (a disclosure)
 * @csspart poll-retract - takes the visitor's vote back
 * @csspart poll-close - closes the poll early
 */

/** Counts newer than the message's: the poll an event or a vote's answer brought, over which poll of the message. */
const live = new Map<string, { p: Poll; over?: Poll | undefined }>();
/** The visitor's own choice per poll (events never carry it). */
const picked = new Map<string, string[]>();
/** Polls the server said are closed (409 poll_closed). */
const shut = new Set<string>();
/** The views that drew a poll, drawn again when one changes. */
const hosts = new Set<MessageHost>();
let client: ChatClient | undefined;

function redraw(): void {
  for (const h of hosts) h.isConnected ? h.requestUpdate() : hosts.delete(h);
}

/** The newest of what the message says and what came since. */
function current(m: MessageItem): Poll {
  const l = live.get(m.id);
  if (l && l.over === undefined) l.over = m.poll;
  return l && l.over === m.poll ? l.p : m.poll!;
}

/** Runs a poll action with `<parley-chat>`'s client; its answer (the poll, with `mine`) is drawn. */
function act(host: MessageHost, m: MessageItem, run: (c: ChatClient) => Promise<Poll>, done?: string): void {
  host.emit("parley-act", {
    done,
    run: (c: ChatClient) =>
      run(c).then(
        (p) => {
          live.set(m.id, { p, over: m.poll });
          picked.set(m.id, p.mine);
          redraw();
        },
        (e: { details?: { reason?: string } }) => {
          picked.delete(m.id);
          redraw();
          if (e?.details?.reason !== "poll_closed") throw e;
          // Closed meanwhile: the card shows it, and says so.
          shut.add(m.id);
          host.emit("parley-notice", ({ ...POLL_EN, ...host.t } as PollStrings).pollClosed);
        },
      ),
  });
}

/** "3 votes", in the locale's plural forms (`votes_one`, `votes_few`, …). */
const votes = (t: PollStrings & Record<string, string | undefined>, count: number): string =>
  format(t[`votes_${new Intl.PluralRules(locale).select(count)}`] ?? t.votes_other, { count });

export function card(host: MessageHost, m: MessageItem): unknown {
  hosts.add(host);
  host.emit("parley-client", (c: ChatClient) => {
    if (c === client) return;
    client = c;
    c.on("poll.updated", ({ data: d }) => {
      live.set(d.messageId, { p: d.poll });
      redraw();
    });
  });
  const r = host.shadowRoot!;
  if (!r.adoptedStyleSheets.includes(sheet)) r.adoptedStyleSheets = [...r.adoptedStyleSheets, sheet];
  const t = { ...POLL_EN, ...host.t } as PollStrings & Record<string, string | undefined>;
  const p = current(m);
  if (p.mine.length && !picked.has(m.id)) picked.set(m.id, p.mine);
  const mine = picked.get(m.id) ?? [];
  const closed = !!p.closedAt || (!!p.closesAt && Date.parse(p.closesAt) <= Date.now()) || shut.has(m.id);
  const c = host.conversation;
  const n = p.voterCount;
  const pct = new Intl.NumberFormat(locale, { style: "percent" });
  const when = p.closesAt && new Date(p.closesAt).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
  // Tab stops only while the message's actions are open (Enter on the message, then Shift+Tab), like a quote: the list stays one stop.
  const tab = host.active === m.id ? 0 : -1;
  const vote = (e: Event) => {
    const chosen = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
    picked.set(m.id, chosen);
    act(host, m, (x) => (chosen.length ? votePoll(x, m.id, chosen) : retractVote(x, m.id)));
  };
  return html`<fieldset part="poll" class="poll" ?disabled=${closed} @change=${vote}>
    <legend class="sr-only">${m.text}</legend>
    <p class="muted">${p.multiple ? t.pollMultiple : t.pollSingle} · ${p.anonymous ? t.pollAnonymous : t.pollNamed}</p>
    ${p.options.map((o) => {
      const share = n ? o.votes / n : 0;
      const count = `${votes(t, o.votes)}, ${pct.format(share)}`;
      return html`<label part="poll-option" class="poll-opt">
        <input type=${p.multiple ? "checkbox" : "radio"} name="poll-${m.id}" aria-label="${o.text}, ${count}" tabindex=${tab} .value=${o.id} .checked=${mine.includes(o.id)} />
        <span class="text"><span>${o.text}</span><span class="count">${count}</span></span>
        <span class="bar" aria-hidden="true"><span .style=${`inline-size:${share * 100}%`}></span></span>
      </label>`;
    })}
    <p class="muted">${votes(t, n)}${closed ? ` · ${t.pollClosed}` : when ? ` · ${format(t.pollCloses, { time: when })}` : ""}</p>
    ${
      !p.anonymous && n
        ? html`<details part="poll-voters"><summary tabindex=${tab}>${t.pollVoters}</summary><ul>
          ${p.options.map((o) => (o.voters?.length ? html`<li>${o.text}: ${list(o.voters.map((id) => host.name(id)))}</li>` : nothing))}
        </ul></details>`
        : nothing
    }
    ${mine.length && !closed ? html`<button part="poll-retract" type="button" tabindex=${tab} @click=${() => (picked.set(m.id, []), act(host, m, (x) => retractVote(x, m.id)))}>${t.pollRetract}</button>` : nothing}
    ${
      !closed && (p.createdBy === host.me?.id || c?.myRole === "owner" || c?.myRole === "admin")
        ? html`<button part="poll-close" type="button" tabindex=${tab} @click=${() => act(host, m, (x) => closePoll(x, m.id), t.pollClosedDone)}>${t.pollClose}</button>`
        : nothing
    }
  </fieldset>`;
}
