import { io as ioc, type Socket } from "socket.io-client";
import type { Ack, ClientToServerEvents, ServerToClientEvents } from "@parley/sdk/protocol";
import type { TestServer } from "./harness.js";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects a real Socket.IO client with handshake auth; rejects with the server's error. */
export function connect(
  s: TestServer,
  token: string,
  opts: { origin?: string; transports?: ("websocket" | "polling")[]; ownEcho?: boolean } = {},
): Promise<ClientSocket> {
  const socket: ClientSocket = ioc(s.url, {
    auth: { token, ...(opts.ownEcho === undefined ? {} : { ownEcho: opts.ownEcho }) },
    transports: opts.transports ?? ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: opts.origin ? { Origin: opts.origin } : {},
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err: Error & { data?: unknown }) => {
      socket.close();
      reject(err);
    });
  });
}

/** Records every event a socket receives, so tests can assert what arrived (and what did not). */
export class Recorder {
  readonly events: { name: string; payload: any }[] = [];
  private waiters: { pred: (e: { name: string; payload: any }) => boolean; resolve: (e: any) => void }[] = [];

  constructor(readonly socket: ClientSocket) {
    socket.onAny((name: string, payload: unknown) => {
      const e = { name, payload };
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e.payload), false) : true));
    });
  }

  /** Resolves with the first (past or future) event matching; rejects after `ms`. */
  wait(name: string, pred: (payload: any) => boolean = () => true, ms = 3000): Promise<any> {
    const match = (e: { name: string; payload: any }) => e.name === name && pred(e.payload);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen.payload);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${name}; got ${this.events.map((e) => e.name).join(", ")}`)), ms);
      this.waiters.push({ pred: match, resolve: (p) => (clearTimeout(timer), resolve(p)) });
    });
  }

  names(): string[] {
    return this.events.map((e) => e.name);
  }
}

/** Emits a command and resolves with its ack. */
export function request<T>(socket: ClientSocket, event: keyof ClientToServerEvents, payload: unknown, ms = 3000): Promise<Ack<T>> {
  return (socket.timeout(ms) as any).emitWithAck(event, payload);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it answers true (a database row's status, say); fails after `ms` with `what`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(20);
  }
}
