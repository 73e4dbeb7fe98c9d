import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a receiver got: its headers, raw body and parsed JSON. */
export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/**
 * A real local HTTP endpoint for webhook tests: records every request and answers with what
 * `answer` says (200 by default), so a test can make it fail, then recover.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (r: Received) => number = () => 200;
  /** The body of the answer (none by default); `delayMs` holds the answer back that long (a slow receiver). */
  reply: (r: Received) => { body?: string; delayMs?: number } = () => ({});
  private readonly server: Server;
  private waiters: (() => void)[] = [];
  url = "";

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const r: Received = { headers: req.headers, raw, body: JSON.parse(raw) };
        this.received.push(r);
        const { body, delayMs } = this.reply(r);
        const send = () => {
          if (res.destroyed) return;
          res.statusCode = this.answer(r);
          res.end(body);
        };
        if (delayMs) setTimeout(send, delayMs);
        else send();
        for (const w of this.waiters.splice(0)) w();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** Resolves once `cond` holds over what was received (checked at every request); fails after `ms`. */
  async until(cond: (all: Received[]) => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond(this.received)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `webhook receiver: gave up waiting for ${what}; got ${this.received.length} request(s): ${this.received.map((r) => r.body?.type).join(", ")}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Bodies received of one type. */
  of(type: string): any[] {
    return this.received.map((r) => r.body).filter((b) => b.type === type);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Kept here for the webhook suites, which import it from this file. */
export { eventually } from "./sockets.js";
