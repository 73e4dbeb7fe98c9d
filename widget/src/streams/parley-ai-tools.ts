import { html, nothing } from "lit";
import { isChatError, type Conversation, type Me } from "@parley/sdk";
import { format, locale } from "../i18n/i18n.js";
import { stringsIn } from "../shared/feature.js";
import { ParleyView } from "../shared/view.js";
import { autoSince, setAuto, streamsOf } from "./stream-card.js";
import { AI_TOOLS_EN, AI_TOOLS_LOCALES } from "./parley-ai-tools.strings.js";

/**
 * The app's model in a conversation's details (issue 54), where the app turned it on (`Me.ai`):
 * "Summarize what I haven't read" (the unread part, or the last messages when little is unread,
 * in the widget's language; kept by the server, so asking again costs no model request) and
 * "Translate new messages" (this device: each new message from others is translated as it comes).
 * A chunk of its own, with the streamed replies' (`<parley-info>` loads it only then).
 *
 * @csspart summarize - "Summarize what I haven't read"
 * @csspart summary - the summary (or "Summarizing…", or why there is none)
 * @csspart auto-translate - the "Translate new messages" switch
 */
export class ParleyAiTools extends ParleyView {
  static override properties = {
    ...ParleyView.properties,
    me: { attribute: false },
    conversation: { attribute: false },
    summary: { state: true },
    busy: { state: true },
    failed: { state: true },
    auto: { state: true },
  };
  me: Me | null = null;
  conversation: Conversation | undefined;
  summary: { text: string; count: number } | null = null;
  busy = false;
  failed = "";
  auto = false;

  // Light DOM: the details' own styles apply.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(): void {
    if (this.conversation) this.auto = autoSince(this.conversation.id) > 0;
  }

  private async summarize(): Promise<void> {
    const streams = streamsOf(this);
    const c = this.conversation;
    if (!streams || !c || this.busy) return;
    this.busy = true;
    this.failed = "";
    try {
      const r = await streams.summarize(c.id, locale);
      this.summary = { text: r.text, count: r.messageCount };
    } catch (err) {
      this.failed = isChatError(err) || err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const ai = this.me?.ai;
    const c = this.conversation;
    if (!ai || !c) return nothing;
    const t = stringsIn(AI_TOOLS_EN, AI_TOOLS_LOCALES, this.t);
    return html`${
      ai.summarize
        ? html`<button part="summarize" ?disabled=${this.busy} @click=${() => void this.summarize()}>${t.aiSummarize}</button>
            <div part="summary" role="status" class=${this.failed ? "danger" : ""}>${
              this.busy
                ? html`<p class="muted">${t.aiSummarizing}</p>`
                : this.failed
                  ? this.failed
                  : this.summary
                    ? html`<p class="muted">${format(t.aiSummaryOf, { count: this.summary.count })}</p><p lang=${locale}>${this.summary.text}</p>`
                    : nothing
            }</div>`
        : nothing
    }${
      ai.translate
        ? html`<label class="row"><input part="auto-translate" type="checkbox" .checked=${this.auto} @change=${(e: Event) => {
            setAuto(c.id, (e.target as HTMLInputElement).checked);
            this.auto = autoSince(c.id) > 0;
          }} /> ${t.aiAutoTranslate}</label>`
        : nothing
    }`;
  }
}

customElements.get("parley-ai-tools") || customElements.define("parley-ai-tools", ParleyAiTools);
