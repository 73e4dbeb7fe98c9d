import { html, nothing, type TemplateResult } from "lit";
import type { MessageItem } from "@parley/sdk";
import { format } from "../i18n/i18n.js";
import { icons } from "../shared/icons.js";
import type { ComposerHost } from "../shared/composer-host.js";
import { chunk } from "../shared/chunk.js";

/** Scheduled sends and the box kept as a draft (issue 55): a chunk fetched once a conversation that exists is open. */
const LATER = () => import("../later/later.js");

export interface SendDetail {
  text: string;
  files: File[];
  replyTo?: string;
  /** Ids of the users mentioned (picked with `@` and still named in `text`). */
  mentions?: string[];
}

/**
 * The message box under a conversation: Enter sends, Shift+Enter breaks the line, ↑ on an empty
 * box edits the visitor's last message, Escape cancels an edit or a reply; files come by the
 * button, a drop or a paste. What is being edited, replied to and attached is the host's state
 * (the extras chunk draws it above the box).
 */
export class Composer {
  constructor(private readonly host: ComposerHost) {}

  input(): HTMLTextAreaElement | null | undefined {
    return this.host.shadowRoot?.querySelector<HTMLTextAreaElement>("textarea");
  }

  /** Puts a send that could not go out back into the box. */
  restore(d: SendDetail): void {
    const ta = this.input();
    if (ta && !ta.value) {
      ta.value = d.text;
      this.autosize();
    }
    this.host.files = [...d.files, ...this.host.files];
  }

  startEdit(m: MessageItem): void {
    const h = this.host;
    h.editing = m;
    h.replyTo = null;
    const ta = this.input();
    if (ta) {
      ta.value = m.text ?? "";
      ta.focus();
      this.autosize();
    }
  }

  private submit = (e?: Event): void => {
    e?.preventDefault();
    const h = this.host;
    const ta = this.input();
    if (!ta) return;
    const text = ta.value.trim();
    if (h.editing) {
      if (text && text !== h.editing.text) h.emit("parley-edit", { id: h.editing.id, text });
      h.editing = null;
    } else if (text || h.files.length) {
      const mentions = h.shadowRoot!.querySelector<HTMLElement & { take?(text: string): string[] }>("parley-mention")?.take?.(text);
      h.emit("parley-send", {
        text,
        files: h.files,
        ...(h.replyTo ? { replyTo: h.replyTo.id } : {}),
        ...(mentions?.length ? { mentions } : {}),
      } satisfies SendDetail);
      h.replyTo = null;
      h.files = [];
      h.jumpToLatest();
    } else return;
    ta.value = "";
    this.autosize();
    h.emit("parley-typing", false);
  };

  private onKey = (e: KeyboardEvent): void => {
    const h = this.host;
    const ta = e.target as HTMLTextAreaElement;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    } else if (e.key === "ArrowUp" && ta.value === "") {
      const mine = [...h.messages].reverse().find((m) => m.senderId === h.me?.id && m.status === "sent" && !m.deletedAt);
      if (mine) {
        e.preventDefault();
        this.startEdit(mine);
      }
    } else if (e.key === "Escape" && (h.editing || h.replyTo)) {
      e.stopPropagation();
      h.editing = h.replyTo = null;
      ta.value = "";
    }
  };

  private onInput = (): void => {
    this.autosize();
    // The mention picker (a chunk of its own) comes with the first "@".
    if (this.input()!.value.includes("@")) import("../mention/parley-mention.js").catch(() => undefined);
    if (!this.host.editing) this.host.emit("parley-typing", true);
  };

  /**
   * A chunk's popup at the pressed button, the chunk fetched at the first press: the emoji picker
   * (the emoji goes in at the caret) or the "+" menu (a poll, a voice message).
   */
  private popup(e: Event, chunk: Promise<(host: ComposerHost, opener: HTMLElement, input: HTMLTextAreaElement) => void>): void {
    const b = e.currentTarget as HTMLElement;
    chunk.then(
      (open) => open(this.host, b, this.input()!),
      () => this.host.emit("parley-notice", this.host.t.loadFailed),
    );
  }

  private autosize(): void {
    const ta = this.input();
    if (!ta) return;
    ta.style.height = "auto";
    // The height is the border box's (box-sizing: border-box): the content and padding (scrollHeight),
    // the borders, and a pixel for the fraction Firefox's lines have and scrollHeight rounds away.
    ta.style.height = `${Math.min(ta.scrollHeight - ta.clientHeight + ta.offsetHeight + 1, 140)}px`;
  }

  private addFiles(list: FileList | File[] | null | undefined): void {
    if (list?.length) this.host.files = [...this.host.files, ...Array.from(list)];
  }

  private onPaste = (e: ClipboardEvent): void => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) {
      e.preventDefault();
      this.addFiles(files);
    }
  };

  render(): TemplateResult {
    const h = this.host;
    const t = h.t;
    const later = h.conversation?.id ? chunk(h, LATER) : undefined;
    return html`${later?.bar(h)}<form part="composer" class="composer" @submit=${this.submit} @dragover=${(e: DragEvent) => e.preventDefault()} @drop=${(e: DragEvent) => (e.preventDefault(), this.addFiles(e.dataTransfer?.files))}>
      ${h.editing || h.replyTo ? h.x()?.context(h) : nothing}
      ${h.files.length ? h.x()?.chips(h) : nothing}
      ${h.progress !== null ? html`<progress part="progress" max="1" .value=${h.progress} aria-label=${format(t.uploading, { percent: Math.round(h.progress * 100) })}></progress>` : nothing}
      <div class="row">
        <label part="attach-button" class="attach" title=${t.attach}>
          ${icons.attach}<span class="sr-only">${t.attach}</span>
          <input part="attach" type="file" multiple @change=${(e: Event) => {
            const input = e.target as HTMLInputElement;
            this.addFiles(input.files);
            input.value = "";
          }} />
        </label>
        <textarea part="composer-input" rows="1" aria-label=${t.messagePlaceholder} placeholder=${t.messagePlaceholder} maxlength="4000"
          @keydown=${this.onKey} @input=${this.onInput} @paste=${this.onPaste}></textarea>
        <parley-mention .users=${h.conversation?.users} .me=${h.me?.id} .t=${t}></parley-mention>
        <button part="emoji-button" class="attach" type="button" aria-label=${t.emoji} title=${t.emoji} aria-haspopup="dialog" @click=${(e: Event) =>
          this.popup(
            e,
            import("../emoji/parley-emoji.js").then((m) => m.pickInto),
          )}>🙂</button>
        ${
          h.conversation
            ? html`<button part="tools-button" class="attach" type="button" aria-label=${t.tools} aria-haspopup="menu" @click=${(e: Event) =>
                this.popup(
                  e,
                  import("../tools/parley-tools.js").then((m) => m.open),
                )}>+</button>`
            : nothing
        }
        ${h.editing ? nothing : later?.button(h)}
        <button part="send" class="primary" type="submit">${h.editing ? t.save : t.send}</button>
      </div>
    </form>`;
  }
}
