import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/** What the proxy does with one request: pass it on, never answer, cut it, or answer itself. */
export type Verdict = "forward" | "stall" | "drop" | { status: number; headers?: Record<string, string>; body?: unknown };

export interface TestProxy {
  url: string;
  /** Decides per request (default: forward everything); a promise holds the request until it settles. */
  rule: (req: IncomingMessage) => Verdict | Promise<Verdict>;
  /** Every request seen, as `METHOD /path` (query left out). */
  readonly seen: string[];
  close(): Promise<void>;
}

/**
 * A real HTTP proxy in front of a server: REST through node:http, WebSocket upgrades piped as
 * raw TCP, so an SDK pointed at it works as usual until a rule says otherwise.
 */
export async function startProxy(target: string): Promise<TestProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: TestProxy = { url: "", rule: () => "forward", seen: [], close: async () => {} };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    proxy.seen.push(`${req.method} ${(req.url ?? "").split("?")[0]}`);
    // (The request body waits, paused, until it is piped on.)
    const verdict = await proxy.rule(req);
    if (res.destroyed) return;
    if (verdict === "stall") return;
    if (verdict === "drop") return void req.socket.destroy();
    if (verdict !== "forward") {
      res.writeHead(verdict.status, { "Content-Type": "application/json", ...verdict.headers });
      return void res.end(verdict.body === undefined ? "" : JSON.stringify(verdict.body));
    }
    const up = request({ hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const up = connect(Number(port), hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) up.write(head);
      up.pipe(client).pipe(up);
    });
    sockets.add(up);
    up.on("close", () => sockets.delete(up));
    const end = (): void => {
      up.destroy();
      client.destroy();
    };
    up.on("error", end);
    client.on("error", end);
    client.on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
