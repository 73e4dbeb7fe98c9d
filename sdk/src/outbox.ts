import { isChatError, ChatError } from "./errors.js";
import type { Attachment, Message } from "./protocol.js";

/** A send waiting for the server's acknowledgement. */
export interface OutgoingMessage {
  clientMessageId: string;
  conversationId: string;
  text: string;
  replyToId?: string;
  /** Files still to upload; moved to `attachmentIds` once uploaded. */
  files: Blob[];
  attachmentIds: string[];
  onProgress?: (fraction: number) => void;
}

export interface OutboxDeps {
  ready(): boolean;
  send(m: OutgoingMessage): Promise<Message>;
  upload(file: Blob, onProgress?: (fraction: number) => void): Promise<Attachment>;
  sent(m: OutgoingMessage, stored: Message): void;
  failed(m: OutgoingMessage, err: ChatError): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends in order, one at a time, until each is acknowledged: a retryable failure (offline,
 * timeout, server busy) keeps the message at the head and tries again with backoff; the server's
 * `clientMessageId` idempotency makes a retry after a lost ack safe. Waits while offline.
 */
export class Outbox {
  private readonly queue: OutgoingMessage[] = [];
  private running = false;
  private closed = false;

  constructor(private readonly deps: OutboxDeps) {}

  get pending(): readonly OutgoingMessage[] {
    return this.queue;
  }

  enqueue(m: OutgoingMessage): void {
    this.queue.push(m);
    this.kick();
  }

  /** Call when the connection comes back. */
  kick(): void {
    if (!this.running && !this.closed) void this.run();
  }

  close(): void {
    this.closed = true;
  }

  private async run(): Promise<void> {
    this.running = true;
    let attempt = 0;
    try {
      while (this.queue.length > 0 && !this.closed && this.deps.ready()) {
        const head = this.queue[0]!;
        try {
          while (head.files.length > 0) {
            const att = await this.deps.upload(head.files[0]!, head.onProgress);
            head.files.shift();
            head.attachmentIds.push(att.id);
          }
          const stored = await this.deps.send(head);
          this.queue.shift();
          attempt = 0;
          this.deps.sent(head, stored);
        } catch (err) {
          const e = isChatError(err) ? err : new ChatError("network_error", String(err));
          if (!e.retryable) {
            this.queue.shift();
            this.deps.failed(head, e);
            continue;
          }
          attempt++;
          await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)));
        }
      }
    } finally {
      this.running = false;
    }
  }
}

export function newClientMessageId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
