import type { Message, MessageDeltaEvent } from "@parley/sdk/protocol";

/** At most one delta per message this often (20 a second). */
export const DELTA_INTERVAL_MS = 50;

interface Held {
  conversationId: string;
  messageId: string;
  /** Where `text` starts in the message's text. */
  offset: number;
  /** Appended here and not sent yet. */
  text: string;
  /** Set while a delta went out less than an interval ago: what comes meanwhile waits for it. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Coalesces a streaming message's appends into `message.delta` events, per message on this node: a
 * delta goes out at once when none went in the last DELTA_INTERVAL_MS, else what came meanwhile
 * goes out together when the interval is over. So a member gets at most one delta per interval
 * per message, however fast the author appends, and each delta's `offset` continues the previous
 * one. Appends arrive here in commit order (an append locks its message's row until it commits),
 * so the text held is contiguous; appends through another node are that node's deltas,
 * and a client that sees a gap fetches the message. A message's entry goes one interval after its
 * last delta, or when it ends (its final `message.new` carries all the text).
 */
export class DeltaCoalescer {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly send: (e: MessageDeltaEvent) => void,
    private readonly intervalMs = DELTA_INTERVAL_MS,
  ) {}

  /** A stream started: its first delta carries the message (text and all), at once. */
  start(message: Message): void {
    const h = this.entry(message.conversationId, message.id, 0);
    this.send({ conversationId: message.conversationId, messageId: message.id, offset: 0, text: message.text ?? "", message });
    h.offset = (message.text ?? "").length;
    this.cool(h);
  }

  /** `text` was appended at `offset`. */
  add(conversationId: string, messageId: string, offset: number, text: string): void {
    const h = this.entry(conversationId, messageId, offset);
    if (h.text.length > 0 && h.offset + h.text.length !== offset) this.flush(h, false); // not contiguous: what is held goes first
    if (h.text.length === 0) h.offset = offset;
    h.text += text;
    if (!h.timer) this.flush(h, true);
  }

  /** The message ended: nothing held for it goes out. */
  end(messageId: string): void {
    const h = this.held.get(messageId);
    if (h) clearTimeout(h.timer);
    this.held.delete(messageId);
  }

  /** Drops everything (shutdown). */
  close(): void {
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
  }

  private entry(conversationId: string, messageId: string, offset: number): Held {
    let h = this.held.get(messageId);
    if (!h) {
      h = { conversationId, messageId, offset, text: "", timer: undefined };
      this.held.set(messageId, h);
    }
    return h;
  }

  /** Sends what is held, and (`cool`) holds the next for an interval. */
  private flush(h: Held, cool: boolean): void {
    if (h.text.length > 0) {
      this.send({ conversationId: h.conversationId, messageId: h.messageId, offset: h.offset, text: h.text });
      h.offset += h.text.length;
      h.text = "";
    }
    if (cool) this.cool(h);
  }

  /** After an interval: what came meanwhile goes out (and holds the next), or the entry goes. */
  private cool(h: Held): void {
    clearTimeout(h.timer);
    h.timer = setTimeout(() => {
      h.timer = undefined;
      if (this.held.get(h.messageId) !== h) return;
      if (h.text.length > 0) this.flush(h, true);
      else this.held.delete(h.messageId);
    }, this.intervalMs);
    h.timer.unref?.();
  }
}
