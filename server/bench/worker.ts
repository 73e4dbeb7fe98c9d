/**
 * Load-generator worker (forked by run.ts). Holds socket.io-client sockets (websocket transport
 * only), or XMPP-over-WebSocket connections (xmpp.ts, for the ejabberd peer), sends at a fixed
 * offered rate, and measures send -> deliver latency at the recipients. Same code for Parley, the
 * bare relay and ejabberd; the message text carries the send time the same way on both protocols.
 * Every loop is bounded in time and count.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { bodyOf, errorCondition, isErrorStanza, xmppConnect, type XmppConn } from "./xmpp.js";

export interface ClientSpec {
  userId: string;
  /** Parley access token; absent for the relay. */
  token?: string;
  /** Relay only: rooms (conversation ids) to join. */
  rooms?: string[];
  /** XMPP (the ejabberd peer): sign in over RFC 7395 at the connect URL instead of Socket.IO. */
  xmpp?: { domain: string; user: string; password: string };
}

/** One held connection: a Socket.IO socket, or an XMPP stream (`x`). */
interface Held {
  s?: Socket;
  x?: XmppConn;
  userId: string;
  typingFlag: boolean;
}

type Cmd =
  | { id: number; cmd: "connect"; url: string; clients: ClientSpec[]; concurrency: number; timeoutMs: number; catchUpSince?: number }
  | {
      id: number;
      cmd: "start";
      tag: string;
      kind: "message" | "typing";
      senders: { idx: number; conv: string }[];
      rate: number;
      durationMs: number;
      typingThrottleMs?: number;
    }
  | { id: number; cmd: "stats" }
  | { id: number; cmd: "presence" }
  | { id: number; cmd: "collect" }
  | { id: number; cmd: "disconnect" }
  | { id: number; cmd: "exit" };

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const held: Held[] = [];
let tag = "";
let kind: "message" | "typing" | "" = "";
let received = 0;
let lat: number[] = [];
let sent = 0;
/** Events the server will deliver: every message; for typing, what its throttle lets through. */
let expected = 0;
let ackOk = 0;
let ackErr = 0;
let pendingAcks = 0;
/** Presence entries received (a `presence` frame is one, a snapshot one per user) since the last "presence" command, and when the last came (ms since the epoch). */
let presenceEntries = 0;
let presenceLastAt = 0;
const errCodes: Record<string, number> = {};
/** Typing events carry no timestamp: per (conversation, sender) FIFO of send times (DM pairs share a worker). */
const typingQueues = new Map<string, number[]>();
/**
 * Parley relays "typing" at most once per throttle interval per socket and conversation, and
 * "stopped" only after a relayed "typing" (realtime.ts, TypingThrottle). The worker mirrors that
 * rule to know which of its events will arrive; an event too close to the interval's edge to
 * call (clocks differ by the transit time) is not sent at all. 0 (the bare relay): all arrive.
 */
let typingThrottleMs = 0;
const TYPING_EDGE_MS = 100;
const typingMirror = new Map<string, { typing: boolean; lastTypingAt: number }>();
let cpuStart = process.cpuUsage();
let wallStart = now();

function reset(newTag: string, newKind: "message" | "typing"): void {
  tag = newTag;
  kind = newKind;
  received = 0;
  lat = [];
  sent = 0;
  expected = 0;
  ackOk = 0;
  ackErr = 0;
  pendingAcks = 0;
  for (const k of Object.keys(errCodes)) delete errCodes[k];
  typingQueues.clear();
  // typingMirror is kept: the server's throttle state outlives a step, as the sockets do.
  cpuStart = process.cpuUsage();
  wallStart = now();
}

function attach(h: Held, s: Socket): void {
  s.on("message.new", (e: { data?: { message?: { senderId?: string; text?: string | null } } }) => {
    const m = e?.data?.message;
    if (kind !== "message" || !m || m.senderId === h.userId || typeof m.text !== "string") return;
    if (!m.text.startsWith(tag + "|")) return;
    received++;
    lat.push(now() - Number(m.text.slice(tag.length + 1)));
  });
  s.on("presence", () => {
    presenceEntries++;
    presenceLastAt = Date.now();
  });
  s.on("presence.snapshot", (e: { users?: unknown[] }) => {
    presenceEntries += e?.users?.length ?? 0;
    presenceLastAt = Date.now();
  });
  s.on("typing", (e: { conversationId?: string; userId?: string }) => {
    if (kind !== "typing" || !e || e.userId === h.userId) return;
    received++;
    const ts = typingQueues.get(`${e.conversationId}|${e.userId}`)?.shift();
    if (ts !== undefined) lat.push(now() - ts);
  });
}

/**
 * XMPP: a `<message>` whose body starts with the step's tag is a delivery (the sender gets no copy
 * back: no carbons, no echo); a `type="error"` message is the server refusing one of our sends
 * (counted like a failed ack: the step fails). The time is parsed exactly as for Socket.IO.
 */
function attachXmpp(h: Held, x: XmppConn): void {
  x.onFrame = (f) => {
    if (!f.startsWith("<message")) return;
    if (isErrorStanza(f)) {
      ackErr++;
      const code = `xmpp_${errorCondition(f)}`;
      errCodes[code] = (errCodes[code] ?? 0) + 1;
      return;
    }
    if (kind !== "message") return;
    const text = bodyOf(f);
    if (text === null || !text.startsWith(tag + "|")) return;
    received++;
    lat.push(now() - Number(text.slice(tag.length + 1)));
  };
  // A stream the server ends while the connection is held (not by "disconnect") fails the step.
  x.onClose = (why) => {
    if (!held.includes(h)) return;
    ackErr++;
    const code = `xmpp_stream_${why}`;
    errCodes[code] = (errCodes[code] ?? 0) + 1;
  };
}

async function connectOne(url: string, c: ClientSpec, timeoutMs: number): Promise<Held> {
  if (c.xmpp) {
    const x = await xmppConnect({ url, domain: c.xmpp.domain, user: c.xmpp.user, password: c.xmpp.password, timeoutMs });
    const h: Held = { x, userId: c.userId, typingFlag: false };
    attachXmpp(h, x);
    return h;
  }
  return new Promise((resolve, reject) => {
    const s = io(url, {
      transports: ["websocket"],
      // As the SDK connects: its own sends' events come in their acks (ownEcho: false).
      auth: c.token ? { token: c.token, ownEcho: false } : { userId: c.userId, rooms: c.rooms ?? [] },
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    const timer = setTimeout(() => {
      s.close();
      reject(new Error("connect timeout"));
    }, timeoutMs + 1000);
    s.once("connect", () => {
      clearTimeout(timer);
      const h = { s, userId: c.userId, typingFlag: false };
      attach(h, s);
      resolve(h);
    });
    s.once("connect_error", (err: Error) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
  });
}

/** What the clients' catch-up found (connect with catchUpSince): the messages' ids, by client index. */
export interface CatchUp {
  /** Clients whose /sync paging finished. */
  done: number;
  /** message.new events read, and how many of them named a message already read by that client. */
  messages: number;
  duplicates: number;
  /** Per client (in the order given): distinct message ids read. */
  perClient: number[];
  /** Connects or pages tried again after a failure, as the SDK does, and the last failure's cause. */
  retries: number;
  lastRetryError?: string;
}

/** How many times one client of a storm tries before it counts as failed. */
const STORM_ATTEMPTS = 8;

/** As the SDK catches up after a reconnect: GET /v1/sync from the cursor, page after page. */
async function catchUp(url: string, token: string, since: number): Promise<{ ids: Set<string>; events: number }> {
  const ids = new Set<string>();
  let events = 0;
  let cursor = since;
  for (let page = 0; page < 1000; page++) {
    const r = await fetch(`${url}/v1/sync?since=${cursor}`, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) throw new Error(`sync answered ${r.status}`);
    const body = (await r.json()) as { events: { type: string; data?: { message?: { id?: string } } }[]; lastSeq: number; hasMore: boolean };
    for (const e of body.events) {
      if (e.type !== "message.new" || !e.data?.message?.id) continue;
      events++;
      ids.add(e.data.message.id);
    }
    cursor = body.lastSeq;
    if (!body.hasMore) break;
  }
  return { ids, events };
}

/** An error as one line, with its cause: fetch's own message is only "fetch failed". */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `${(err.cause as NodeJS.ErrnoException).code ?? ""} ${err.cause.message}`.trim() : undefined;
  return cause ? `${err.message} (${cause})` : err.message;
}

async function connectAll(
  url: string,
  clients: ClientSpec[],
  concurrency: number,
  timeoutMs: number,
  catchUpSince?: number,
): Promise<{ ok: number; failed: number; ms: number; error?: string; catchUp?: CatchUp }> {
  const t0 = now();
  let next = 0;
  let ok = 0;
  let failed = 0;
  let error: string | undefined;
  const slots: Held[] = new Array(clients.length);
  const caught: CatchUp = { done: 0, messages: 0, duplicates: 0, perClient: new Array<number>(clients.length).fill(0), retries: 0 };
  const lane = async (): Promise<void> => {
    while (next < clients.length) {
      const i = next++;
      try {
        if (catchUpSince !== undefined && clients[i]!.token) {
          // As the SDK comes back: a refused or timed-out connect or page is tried again after a
          // backoff (SyncEngine's 500 ms doubling, with jitter), not given up.
          for (let attempt = 0; ; attempt++) {
            try {
              slots[i] ??= await connectOne(url, clients[i]!, timeoutMs);
              const got = await catchUp(url, clients[i]!.token!, catchUpSince);
              caught.done++;
              caught.messages += got.events;
              caught.duplicates += got.events - got.ids.size;
              caught.perClient[i] = got.ids.size;
              break;
            } catch (err) {
              if (attempt >= STORM_ATTEMPTS - 1) throw err;
              caught.retries++;
              caught.lastRetryError = describe(err);
              await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)));
            }
          }
        } else {
          slots[i] = await connectOne(url, clients[i]!, timeoutMs);
        }
        ok++;
      } catch (err) {
        failed++;
        error ??= describe(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, clients.length)) }, lane));
  // Keep indices aligned with the orchestrator's client list (failed slots stay empty).
  for (let i = 0; i < slots.length; i++) held.push(slots[i] ?? (undefined as unknown as Held));
  return { ok, failed, ms: now() - t0, ...(error ? { error } : {}), ...(catchUpSince !== undefined ? { catchUp: caught } : {}) };
}

function sendOne(idx: number, conv: string): void {
  const h = held[idx];
  if (!h) return;
  if (h.x) {
    // XMPP has no acknowledgement of a message (persisted or not): nothing is pending.
    if (kind !== "message") throw new Error("the XMPP mode sends messages only");
    sent++;
    expected++;
    h.x.sendChat(conv, `${tag}|${now()}`);
    return;
  }
  const s = h.s!;
  let relayed = true;
  if (kind === "typing" && typingThrottleMs > 0) {
    const key = `${conv}|${h.userId}`;
    const st = typingMirror.get(key) ?? { typing: false, lastTypingAt: -Infinity };
    const t = now();
    if (!h.typingFlag) {
      const since = t - st.lastTypingAt;
      if (Math.abs(since - typingThrottleMs) < TYPING_EDGE_MS) return;
      relayed = since >= typingThrottleMs;
      if (relayed) typingMirror.set(key, { typing: true, lastTypingAt: t });
    } else {
      relayed = st.typing;
      if (relayed) typingMirror.set(key, { typing: false, lastTypingAt: st.lastTypingAt });
    }
  }
  sent++;
  if (relayed) expected++;
  pendingAcks++;
  const onAck = (err: Error | null, res?: { ok?: boolean; error?: { code?: string } }): void => {
    pendingAcks--;
    if (!err && res?.ok) ackOk++;
    else {
      ackErr++;
      const code = err ? "ack_timeout" : (res?.error?.code ?? "unknown");
      errCodes[code] = (errCodes[code] ?? 0) + 1;
    }
  };
  if (kind === "message") {
    // A clientMessageId on every send, as the SDK's outbox gives each (its retries are found by it).
    s.timeout(15_000).emit("message.send", { conversationId: conv, text: `${tag}|${now()}`, clientMessageId: randomUUID() }, onAck);
  } else {
    h.typingFlag = !h.typingFlag;
    const key = `${conv}|${h.userId}`;
    let q = typingQueues.get(key);
    if (!q) typingQueues.set(key, (q = []));
    if (relayed) q.push(now());
    s.timeout(15_000).emit("typing", { conversationId: conv, typing: h.typingFlag }, onAck);
  }
}

/** Sends `rate` per second for `durationMs`, round-robin over the senders; bounded in count and time. */
async function runLoad(senders: { idx: number; conv: string }[], rate: number, durationMs: number): Promise<void> {
  const total = Math.round((rate * durationMs) / 1000);
  if (total === 0 || senders.length === 0) return;
  const t0 = now();
  let n = 0;
  while (n < total && now() - t0 < durationMs + 2000) {
    const due = Math.min(total, Math.floor(((now() - t0) * rate) / 1000) + 1);
    while (n < due) {
      const s = senders[n % senders.length]!;
      sendOne(s.idx, s.conv);
      n++;
    }
    await sleep(2);
  }
}

process.on("message", (raw: unknown) => {
  const m = raw as Cmd;
  const reply = (data: unknown): void => {
    process.send?.({ id: m.id, data });
  };
  void (async () => {
    switch (m.cmd) {
      case "connect":
        reply(await connectAll(m.url, m.clients, m.concurrency, m.timeoutMs, m.catchUpSince));
        break;
      case "start":
        reset(m.tag, m.kind);
        typingThrottleMs = m.typingThrottleMs ?? 0;
        await runLoad(m.senders, m.rate, m.durationMs);
        reply({ sent });
        break;
      case "stats":
        reply({ received, pendingAcks, sent, expected });
        break;
      case "presence":
        // What came since the last ask, then counted afresh.
        reply({ entries: presenceEntries, lastAt: presenceLastAt });
        presenceEntries = 0;
        presenceLastAt = 0;
        break;
      case "collect": {
        const cpu = process.cpuUsage(cpuStart);
        reply({ sent, expected, received, ackOk, ackErr, errCodes: { ...errCodes }, lat, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: now() - wallStart });
        lat = [];
        break;
      }
      case "disconnect": {
        const gone = held.splice(0);
        for (const h of gone) h?.s?.close();
        for (const h of gone) h?.x?.close();
        typingMirror.clear();
        reply({ ok: true });
        break;
      }
      case "exit":
        for (const h of held) h?.s?.close();
        for (const h of held) h?.x?.close();
        reply({ ok: true });
        setTimeout(() => process.exit(0), 50);
        break;
    }
  })().catch((err: unknown) => process.send?.({ id: m.id, error: String(err) }));
});
process.on("disconnect", () => process.exit(0));
