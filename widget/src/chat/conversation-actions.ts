import type { ReactiveController } from "lit";
import type { Attachment, ChatClient, ConversationHandle } from "@parley/sdk";
import type { ParleyThread, SendDetail } from "../thread/parley-thread.js";
import type { Navigation } from "./navigation.js";
import { clientOf, run, type ChatHost } from "./chat-host.js";

/**
 * The open conversation's actions, asked for by its views with events: send (a draft's first
 * message creates the DM), edit, react, delete with undo, and a lazy view's own actions; the short
 * notice they leave; and the attachments' object URLs.
 */
export class ConversationActions implements ReactiveController {
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly urls = new Map<string, Promise<string>>();

  constructor(
    private readonly host: ChatHost,
    private readonly nav: Navigation,
    /** The element's class: its UNDO_MS is how long a delete waits for an undo (read when one starts). */
    private readonly timing: { readonly UNDO_MS: number },
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    addEventListener("pagehide", this.flushDelete);
  }

  hostDisconnected(): void {
    this.flushDelete();
    removeEventListener("pagehide", this.flushDelete);
  }

  conv(): ConversationHandle {
    const h = this.host;
    return clientOf(h).conversation(h.activeId);
  }

  act(fn: (c: ConversationHandle) => Promise<unknown>, done?: string): void {
    void run(this.host, async () => {
      await fn(this.conv());
      if (done) this.say({ text: done });
    });
  }

  /** A lazy view's action (its code is in its chunk), run with the busy flag and the error banner; `done` is then said. */
  onAct = (e: CustomEvent<{ run: (c: ChatClient) => Promise<unknown>; done?: string }>): void => {
    const { run: action, done } = e.detail;
    void run(this.host, async () => {
      await action(clientOf(this.host));
      if (done) this.say({ text: done });
    });
  };

  onSend = (e: CustomEvent<SendDetail>): void => {
    const h = this.host;
    const draft = h.draft;
    if (!draft) return this.send(h.activeId, e.detail);
    // The first message to someone new: the conversation is created now, then the message goes in.
    void run(h, async () => {
      const c = await (draft.creating ??= clientOf(h).direct(draft.user.id)).catch((err: unknown) => {
        draft.creating = undefined;
        h.shadowRoot?.querySelector<ParleyThread>("parley-thread")?.restore(e.detail);
        throw err;
      });
      if (h.draft === draft) this.nav.openConversation(c.id);
      this.send(c.id, e.detail);
    });
  };

  private send(id: string, { text, files, replyTo, mentions }: SendDetail): void {
    const h = this.host;
    h.progress = files.length ? 0 : null;
    clientOf(h)
      .conversation(id)
      .send(text, { files, ...(replyTo ? { replyTo } : {}), ...(mentions ? { mentions } : {}), onProgress: (f) => (h.progress = f >= 1 ? null : f) })
      .catch(() => undefined)
      .finally(() => (h.progress = null));
  }

  /** A delete is held back for the undo window: the message is hidden meanwhile, and the toast offers to undo. */
  onDelete = (e: CustomEvent<string>): void => {
    const h = this.host;
    const ms = this.timing.UNDO_MS;
    this.flushDelete();
    h.pendingDelete = { conversationId: h.activeId, id: e.detail, timer: setTimeout(() => this.flushDelete(), ms) };
    this.say({ text: h.t.deleted, undo: true }, ms);
  };

  /** Sends the held-back delete now (its undo window ended, another delete started, or the page is going away). */
  flushDelete = (): void => {
    const h = this.host;
    const p = h.pendingDelete;
    if (!p) return;
    clearTimeout(p.timer);
    h.pendingDelete = null;
    if (h.notice?.undo) h.notice = null;
    void run(h, async () => void (await clientOf(h).conversation(p.conversationId).delete(p.id)));
  };

  undoDelete(): void {
    const h = this.host;
    const p = h.pendingDelete;
    if (!p) return;
    clearTimeout(p.timer);
    h.pendingDelete = null;
    h.notice = null;
    void h.updateComplete.then(() => h.shadowRoot?.querySelector<ParleyThread>("parley-thread")?.focusMessage(p.id));
  }

  say(notice: { text: string; undo?: boolean }, ms = 3_000): void {
    clearTimeout(this.noticeTimer);
    this.host.notice = notice;
    this.noticeTimer = setTimeout(() => (this.host.notice = null), ms);
  }

  /** Object URL for an attachment (they need the bearer token, so <img src> cannot fetch them). */
  attachmentUrl = (att: Attachment): Promise<string> => {
    let p = this.urls.get(att.id);
    if (!p)
      this.urls.set(
        att.id,
        (p = clientOf(this.host)
          .directory.download(att)
          .then((b) => URL.createObjectURL(b))),
      );
    return p;
  };
}
