import { Drafts, type Draft } from "@parley/sdk/later";
import type { ChatClient } from "@parley/sdk";
import type { ComposerHost } from "../shared/composer-host.js";
import { clientOf } from "./scheduling.js";

/**
 * One `Drafts` a client and signed-in user, loaded once (every conversation's draft); what still
 * waits is saved on `pagehide`. Another user signed in on the same client gets their own.
 */
const kept = new WeakMap<ChatClient, Drafts>();
function draftsOf(chat: ChatClient): Drafts {
  let d = kept.get(chat);
  if (!d || owners.get(d) !== chat.user?.id) {
    d?.close();
    const drafts = new Drafts(chat);
    kept.set(chat, (d = drafts));
    owners.set(drafts, chat.user?.id);
    drafts.load().catch(() => undefined);
    addEventListener("pagehide", () => void drafts.flush().catch(() => undefined));
  }
  return d;
}
const owners = new WeakMap<Drafts, string | undefined>();

/**
 * The message box as the visitor's draft of the open conversation (issue 55): what they type, and
 * the message they reply to, saved as they go (the SDK waits for a pause); the conversation's
 * draft put in the box when it opens (after a reload, from another device); another device's
 * change applied while the box is not being written in (not focused, or empty). A send empties it
 * everywhere (the SDK deletes the draft). Not while a message is being edited: the box holds that
 * message then.
 */
class DraftSync {
  private conversationId = "";
  private replyTo: string | null = null;
  /** The visitor typed in this box since a draft was last put in it. */
  private typed = false;
  private drafts: Drafts | undefined;
  private off: (() => void) | undefined;

  constructor(private readonly host: ComposerHost) {
    host.shadowRoot!.addEventListener("input", (e) => {
      if ((e.target as Element).matches?.("[part=composer-input]")) {
        this.typed = true;
        this.save();
      }
    });
  }

  /** Follows the signed-in user's drafts (another one signed in: theirs). */
  follow(drafts: Drafts): void {
    if (drafts === this.drafts) return;
    this.off?.();
    this.drafts = drafts;
    this.conversationId = "";
    this.off = drafts.subscribe((c) => {
      if (c.remote && c.conversationId === this.conversationId) this.apply(c.draft, false);
    });
  }

  private box(): HTMLTextAreaElement | null {
    return this.host.shadowRoot!.querySelector<HTMLTextAreaElement>("[part=composer-input]");
  }

  /** After each draw: another conversation opened (its draft goes in the box), or the reply target changed (saved). */
  check(): void {
    const h = this.host;
    const id = h.conversation?.id ?? "";
    if (id !== this.conversationId) {
      const left = this.conversationId;
      if (left) void this.drafts?.flush(left).catch(() => undefined);
      this.conversationId = id;
      const box = this.box();
      if (!left && box?.value) {
        // Typed before this chunk came: it stays, and is the draft.
        this.typed = true;
        this.save();
      }
      // The box still holds the conversation left's text (it was saved): the new one's draft replaces it.
      else if (id) this.apply(this.drafts?.get(id) ?? null, !!left);
    } else if ((h.replyTo?.id ?? null) !== this.replyTo && !h.editing) this.save();
  }

  private save(): void {
    const h = this.host;
    const box = this.box();
    if (!box || h.editing || !this.conversationId) return;
    this.replyTo = h.replyTo?.id ?? null;
    this.drafts?.save(this.conversationId, { text: box.value, replyTo: this.replyTo });
  }

  /**
   * Puts a draft in the box; another device's only while the visitor is not writing here: the box
   * focused, holding text they typed (a box focused on opening the conversation takes it). `force`:
   * a conversation just opened.
   */
  private apply(d: Draft | null, force: boolean): void {
    const h = this.host;
    const box = this.box();
    if (!box || h.editing) return;
    if (!force && this.typed && box.value !== "" && box === h.shadowRoot!.activeElement) return;
    this.typed = false;
    box.value = d?.text ?? "";
    // Its height follows its text, as when typed (the composer's autosize; at most 140 px).
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight - box.clientHeight + box.offsetHeight + 1, 140)}px`;
    h.replyTo = (d?.replyTo && h.messages.find((m) => m.id === d.replyTo)) || null;
    this.replyTo = h.replyTo?.id ?? null;
  }

  /** The box was emptied without a send (the message was scheduled): the draft goes now. */
  gone(id: string): void {
    this.replyTo = null;
    void this.drafts?.clear(id).catch(() => undefined);
  }
}

const syncs = new WeakMap<ComposerHost, DraftSync>();

/** Keeps `host`'s message box as the open conversation's draft (called at each draw; checks once it is drawn). */
export function syncDrafts(host: ComposerHost): void {
  const chat = clientOf(host);
  if (!chat?.user) return;
  let sync = syncs.get(host);
  if (!sync) syncs.set(host, (sync = new DraftSync(host)));
  sync.follow(draftsOf(chat));
  const s = sync;
  void host.updateComplete.then(() => s.check());
}

/** The box was emptied by scheduling its text: the conversation's draft is deleted on every device. */
export function draftsGone(host: ComposerHost, conversationId: string): void {
  syncs.get(host)?.gone(conversationId);
}
