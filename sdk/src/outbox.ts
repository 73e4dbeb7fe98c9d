import { isChatError, ChatError } from "./errors.js";
import type { Attachment, Message } from "./protocol/index.js";

/** A send waiting for the server's acknowledgement. */
export interface OutgoingMessage {
  clientMessageId: string;
  conversationId: string;
  text: string;
  replyToId?: string;
  /** A thread reply: the root's id. */
  threadId?: string;
  mentions?: string[];
  /** Files still to upload; moved to `attachmentIds` once uploaded. */
  files: Blob[];
  attachmentIds: string[];
  onProgress?: (fraction: number) => void;
  /** When it was written (ms), to order sends gathered from several tabs or a reload. */
  at?: number;
  /** Resolves once it is on the device (a durable outbox): it is not attempted before. */
  saved?: Promise<void>;
}

/**
 * Where sends are kept on the device, when they are (sdk/src/persistence): a send is written
 * before its first attempt and removed once acknowledged; one tab at a time `leads` (sends).
 */
export interface OutboxJournal {
  add(m: OutgoingMessage): Promise<void>;
  /** Acknowledged (a message), refused for good (an error, kept as failed), or dropped (null). */
  done(m: Pick<OutgoingMessage, "clientMessageId" | "conversationId">, result: Message | ChatError | null): void;
  leads(): boolean;
}

export interface OutboxDeps {
  ready(): boolean;
  send(m: OutgoingMessage): Promise<Message>;
  upload(file: Blob, onProgress?: (fraction: number) => void): Promise<Attachment>;
  sent(m: OutgoingMessage, stored: Message): void;
  failed(m: OutgoingMessage, err: ChatError): void;
}

export interface OutboxOptions {
  /**
   * Sends on the wire at once, waiting for their acks. The server commits sends in batches, one
   * disk sync each, so this sets one client's rate: on loopback 16 gave ~460 msg/s (SQLite), 64
   * gives 800-1,500 (docs/performance.md).
   */
  maxInFlight?: number;
}

export const DEFAULT_OUTBOX_OPTIONS: Required<OutboxOptions> = { maxInFlight: 64 };

/**
 * Sends in order, several at a time, until each is acknowledged.
 *
 * sending: up to `maxInFlight` sends leave in the order written, on one socket, whose commands
 * the server stores in arrival order. A cut connection stores a prefix of them, so resending
 * the rest in order keeps the order.
 * holding: a retryable failure (offline, cut, timeout, busy) stops new sends; once the in-flight
 * ones have settled, the unacknowledged ones go back to the head in their order and go again
 * after a backoff (or the server's retry-after) and once connected. A resend after a lost ack
 * is safe: the server answers a known `clientMessageId` with the message it already stored.
 * A quota refusal holds on the server until its retry-after (messages/send-quota.ts): the sends
 * behind the refused one are refused too, come back here, and go again behind it, in order.
 */
export class Outbox {
  /** Waiting, in order. Readable by the persistence chunk (sdk/src/persistence), which adopts sends into it. */
  readonly queue: OutgoingMessage[] = [];
  /** On the wire, with the order they left in. */
  readonly inFlight = new Map<OutgoingMessage, number>();
  readonly retry: [OutgoingMessage, number][] = [];
  private readonly maxInFlight: number;
  private sentCount = 0;
  private failures = 0;
  private holding = false;
  private lastError: ChatError | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pumping = false;
  private closed = false;
  journal: OutboxJournal | null = null;

  constructor(
    readonly deps: OutboxDeps,
    options: OutboxOptions = {},
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? DEFAULT_OUTBOX_OPTIONS.maxInFlight);
  }

  /** Sends on the wire now. */
  get sending(): number {
    return this.inFlight.size;
  }

  enqueue(m: OutgoingMessage): void {
    if (this.journal) m.saved = this.journal.add(m);
    this.queue.push(m);
    this.kick();
  }

  /** Call when the connection comes back. */
  kick(): void {
    if (!this.pumping && !this.holding && !this.closed) void this.pump();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (
        !this.closed &&
        !this.holding &&
        this.deps.ready() &&
        (this.journal?.leads() ?? true) &&
        this.inFlight.size < this.maxInFlight &&
        this.queue.length > 0
      ) {
        const m = this.queue[0]!;
        if (m.saved) {
          await m.saved;
          delete m.saved;
          continue;
        }
        if (m.files.length > 0) {
          // Later sends wait: they must not overtake this one.
          await this.upload(m);
          continue;
        }
        this.queue.shift();
        this.inFlight.set(m, this.sentCount++);
        this.deps.send(m).then(
          (stored) => this.settle(m, { stored }),
          (err: unknown) => this.settle(m, { err }),
        );
      }
    } finally {
      this.pumping = false;
    }
  }

  private async upload(m: OutgoingMessage): Promise<void> {
    try {
      while (m.files.length > 0) {
        const att = await this.deps.upload(m.files[0]!, m.onProgress);
        m.files.shift();
        m.attachmentIds.push(att.id);
      }
    } catch (err: unknown) {
      const e = toChatError(err);
      if (e.retryable) return this.hold(e);
      this.queue.shift();
      this.deps.failed(m, e);
      this.journal?.done(m, e);
    }
  }

  private settle(m: OutgoingMessage, result: { stored: Message } | { err: unknown }): void {
    const order = this.inFlight.get(m)!;
    this.inFlight.delete(m);
    if ("stored" in result) {
      this.failures = 0;
      this.deps.sent(m, result.stored);
      this.journal?.done(m, result.stored);
    } else {
      const e = toChatError(result.err);
      if (!e.retryable) {
        this.deps.failed(m, e);
        this.journal?.done(m, e);
      } else {
        this.retry.push([m, order]);
        this.hold(e);
      }
    }
    if (this.holding && this.inFlight.size === 0) this.resume();
    else this.kick();
  }

  private hold(e: ChatError): void {
    this.holding = true;
    this.lastError = e;
    if (this.inFlight.size === 0 && !this.timer) this.resume();
  }

  /** All in-flight sends have settled: the failed ones go back to the head, in their order. */
  private resume(): void {
    if (this.timer) return;
    this.queue.unshift(...this.retry.sort((a, b) => a[1] - b[1]).map(([m]) => m));
    this.retry.length = 0;
    this.failures++;
    const delay = this.lastError?.retryAfterMs ?? Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.holding = false;
      this.kick();
    }, delay);
  }
}

function toChatError(err: unknown): ChatError {
  return isChatError(err) ? err : new ChatError("network_error", String(err));
}

export function newClientMessageId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
