import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * One participant's network, as a test can cut it: everything their browser sends goes through
 * here (the Parley server over TCP, the TURN server over UDP, the page relay-only so its media
 * has no other way), and `down()` takes the link away as a dead network does: UDP datagrams are
 * lost both ways, TCP bytes go nowhere (held, as the kernel's retransmissions would be, and
 * delivered once the link is `up()` again, so a Socket.IO connection outlives a short outage as it
 * does on a real network). Browsers have no switch for this (Chromium's emulated offline leaves
 * WebRTC alone, and neither browser lets a page drop its UDP), hence a link in the test.
 */
export interface NetworkLink {
  /** The Parley server through the link (`http://127.0.0.1:<port>`). */
  serverUrl: string;
  /** The TURN server through the link (`turn:127.0.0.1:<port>?transport=udp`). */
  turnUrl: string;
  down(): void;
  up(): void;
  /** Datagrams carried and lost, each way together: proof the media really took (and lost) this path. */
  readonly udp: { carried: number; lost: number };
  close(): Promise<void>;
}

/** A link to the server at `serverUrl` and the TURN server on 127.0.0.1:`turnPort`. */
export async function startNetworkLink(serverUrl: string, turnPort: number): Promise<NetworkLink> {
  const target = new URL(serverUrl);
  let isUp = true;
  /** What the TCP side holds while down, in order. */
  let held: (() => void)[] = [];
  const pass = (f: () => void): void => void (isUp ? f() : held.push(f));
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((client) => {
    const server = connect(Number(target.port), target.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.on("data", (chunk) => pass(() => server.write(chunk)));
    server.on("data", (chunk) => pass(() => client.write(chunk)));
    client.on("end", () => pass(() => server.end()));
    server.on("end", () => pass(() => client.end()));
    client.on("close", () => pass(() => server.destroy()));
    server.on("close", () => pass(() => client.destroy()));
  });
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));

  // UDP: one upstream socket per browser socket, so coturn sees each as a client of its own.
  const udp = { carried: 0, lost: 0 };
  const front: UdpSocket = createSocket("udp4");
  const upstream = new Map<string, UdpSocket>();
  front.on("message", (msg, from) => {
    if (!isUp) return void udp.lost++;
    const key = `${from.address}:${from.port}`;
    let up = upstream.get(key);
    if (!up) {
      const sock = createSocket("udp4");
      sock.on("message", (back) => {
        if (!isUp) return void udp.lost++;
        udp.carried++;
        front.send(back, from.port, from.address);
      });
      sock.on("error", () => undefined);
      sock.bind(0, "127.0.0.1");
      upstream.set(key, sock);
      up = sock;
    }
    udp.carried++;
    up.send(msg, turnPort, "127.0.0.1");
  });
  await new Promise<void>((resolve) => front.bind(0, "127.0.0.1", resolve));

  return {
    serverUrl: `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`,
    turnUrl: `turn:127.0.0.1:${front.address().port}?transport=udp`,
    udp,
    down: () => void (isUp = false),
    up: () => {
      isUp = true;
      for (const f of held.splice(0)) f();
    },
    close: async () => {
      held = [];
      for (const s of sockets) s.destroy();
      for (const s of upstream.values()) s.close();
      front.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
