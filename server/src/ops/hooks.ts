import type { DataSource } from "typeorm";
import type { ItemOutcome, Written } from "../messages/send-batcher.js";

/**
 * The measuring points, plugged in by the composition root (services.ts) and the transports: no
 * domain imports ops/ (test/shape.test.ts). A server's metrics (ops/metrics.ts) register here under
 * its DataSource; with metrics off (or in the CLI) nothing is registered and every call does nothing.
 */
export interface OpsObserver {
  /** One send batch: its size, how long its transaction took, and the messages it stored. */
  sendBatch(size: number, seconds: number, stored: number): void;
  /** The Socket.IO server, counted when scraped (this node's connected sockets). */
  sockets(io: SocketCounter): void;
  /** An e-mail for unread messages sent, or given up (email/email-notifier.ts). */
  email?(outcome: "sent" | "failed"): void;
  /** An AI agent's reply ended (agents/agent-runner.ts). */
  agentReply?(outcome: AgentReplyOutcome): void;
  /** Tokens an agent's reply used, by kind (the model's usage chunk, else estimated). */
  agentTokens?(kind: "prompt" | "completion", n: number): void;
}

/** How an agent's reply ended: finished, failed (the model), stopped (a member), limited (too many questions). */
export type AgentReplyOutcome = "finished" | "failed" | "stopped" | "limited";

/** As much of a Socket.IO server as the metrics read. */
export interface SocketCounter {
  of(nsp: "/"): { sockets: { size: number } };
}

const observers = new WeakMap<DataSource, OpsObserver>();

export function registerObserver(db: DataSource, observer: OpsObserver): void {
  observers.set(db, observer);
}

/** Wraps the send batcher's writer: batch size, commit time and stored messages are observed. */
export function measuredSendBatch<T, R extends { created: boolean }>(
  db: DataSource,
  write: (items: T[], placed?: () => void) => Promise<Written<R>>,
): (items: T[], placed?: () => void) => Promise<Written<R>> {
  return async (items, placed) => {
    const observer = observers.get(db);
    if (!observer) return write(items, placed);
    const started = performance.now();
    const written = await write(items, placed);
    const stored = written.outcomes.filter((o: ItemOutcome<R>) => o.ok && o.value.created).length;
    observer.sendBatch(items.length, (performance.now() - started) / 1000, stored);
    return written;
  };
}

/** Counts an e-mail's end in the metrics (nothing when they are off). */
export function observeEmail(db: DataSource, outcome: "sent" | "failed"): void {
  observers.get(db)?.email?.(outcome);
}

/** Counts an agent's reply in the metrics (nothing when they are off). */
export function observeAgentReply(db: DataSource, outcome: AgentReplyOutcome): void {
  observers.get(db)?.agentReply?.(outcome);
}

/** Counts an agent's reply's tokens in the metrics (nothing when they are off). */
export function observeAgentTokens(db: DataSource, tokens: { prompt: number; completion: number }): void {
  const o = observers.get(db);
  o?.agentTokens?.("prompt", tokens.prompt);
  o?.agentTokens?.("completion", tokens.completion);
}

/** Lets the metrics count this server's sockets. */
export function observeSockets(db: DataSource, io: SocketCounter): void {
  observers.get(db)?.sockets(io);
}
