/**
 * SDK micro-benchmarks: `node --import tsx sdk/bench/apply.ts`
 *
 * 1. Catch-up apply: a real ChatClient (its fetch answered in memory, no network) catches up
 *    10,000 missed messages through /sync pages; the figure is the main-thread time of that.
 * 2. Send throughput: one ChatClient (in a child process: its own event loop and core) against
 *    a real server in this process (SQLite, or MariaDB with PARLEY_TEST_DB=mysql) sends a burst
 *    through its outbox over loopback; the figure is acked messages/s.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ChatClient, INITIAL_STATE, type ChatEvent, type Conversation, type Me, type Message } from "../src/index.js";
import { applyEvent, applyEvents } from "../src/reducer.js";
import { startServer } from "../../server/test/helpers/harness.js";

const MISSED = 10_000;
const T0 = Date.parse("2025-01-01T00:00:00Z");
const at = (i: number): string => new Date(T0 + i).toISOString();
const user = (id: string): Me => ({
  id,
  displayName: id,
  bio: "",
  avatarUrl: null,
  externalId: null,
  lastSeenAt: null,
  createdAt: at(0),
  email: null,
  appId: "app",
});
const member = (userId: string) => ({ userId, role: "member" as const, joinedAt: at(0), lastReadMessageId: "0" });
const conversation: Conversation = {
  id: "cnv_bench",
  kind: "direct",
  name: null,
  isPublic: false,
  createdAt: at(0),
  lastActivityAt: at(0),
  members: [member("usr_me"), member("usr_peer")],
  users: [user("usr_me"), user("usr_peer")],
  lastMessage: null,
  unreadCount: 0,
  myRole: "member",
};
const message = (id: number): Message => ({
  id: String(id),
  conversationId: conversation.id,
  senderId: "usr_peer",
  text: `missed message ${id}`,
  attachments: [],
  replyToId: null,
  clientMessageId: null,
  reactions: [],
  createdAt: at(id),
  editedAt: null,
  deletedAt: null,
});
const events: ChatEvent[] = Array.from({ length: MISSED }, (_, i) => ({
  seq: i + 1,
  type: "message.new",
  conversationId: conversation.id,
  userId: null,
  at: at(i + 1),
  data: { message: message(i + 1) },
}));

/** A fetch that answers the few calls a client makes before and during a catch-up. */
const inMemoryServer: typeof fetch = async (input) => {
  const url = new URL(String(input));
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  if (url.pathname === "/v1/auth/login") return json({ user: user("usr_me"), accessToken: "a", refreshToken: "r", expiresIn: 3600 });
  if (url.pathname === "/v1/sync/head") return json({ lastSeq: 0 });
  if (url.pathname === "/v1/conversations") return json({ items: [conversation], nextCursor: null });
  if (url.pathname === "/v1/sync") {
    const since = Number(url.searchParams.get("since"));
    const page = events.filter((e) => e.seq > since).slice(0, Number(url.searchParams.get("limit")));
    return json({ events: page, lastSeq: page.at(-1)?.seq ?? since, hasMore: page.length > 0 && page.at(-1)!.seq < MISSED });
  }
  return new Response("{}", { status: 404 });
};

async function catchUpFigure(): Promise<void> {
  const chat = new ChatClient({ server: "http://bench.invalid", appId: "app", autoConnect: false, fetch: inMemoryServer });
  await chat.login("me@example.com", "whatever");
  let renders = 0;
  chat.store.subscribe(() => renders++); // a UI listening, as the widget does
  let busy = 0;
  const recovered = new Promise<void>((resolve) => chat.on("connection.recovered", () => resolve()));
  const t0 = performance.now();
  const origNext = chat.store.next.bind(chat.store);
  chat.store.next = (u) => {
    const s = performance.now();
    origNext(u);
    busy += performance.now() - s;
  };
  await chat.catchUp();
  await recovered;
  const wall = performance.now() - t0;
  const thread = chat.conversation(conversation.id).messages;
  if (thread.length !== MISSED || chat.store.state.conversations[conversation.id]!.unreadCount !== MISSED) throw new Error("catch-up incomplete");
  console.log(
    `catch-up of ${MISSED} missed messages (pages of 500, real ChatClient): ${(wall / 1000).toFixed(3)} s wall, ${(busy / 1000).toFixed(3)} s in store updates, ${renders} store updates (target <= 0.5 s)`,
  );
  chat.close();

  const base = { ...INITIAL_STATE, me: user("usr_me"), conversations: { [conversation.id]: conversation }, conversationOrder: [conversation.id] };
  let t = performance.now();
  applyEvents(base, events);
  console.log(`applyEvents, ${MISSED} events in one batch: ${((performance.now() - t) / 1000).toFixed(3)} s`);
  t = performance.now();
  events.reduce(applyEvent, base);
  console.log(`applyEvent, the same ${MISSED} events one update each (the live path): ${((performance.now() - t) / 1000).toFixed(3)} s`);
}

interface SendResult {
  rate: number;
  /** CPU seconds the sending client's process used during the burst. */
  cpu: number;
  inOrder: boolean;
}

async function sendFigure(n: number): Promise<void> {
  // The harness's message quota per user is lifted (100,000 per 10 s): this measures the path, not the quota.
  const s = await startServer();
  const app = (await s.createTenant("Bench", ["*"])).id;
  const child = fork(fileURLToPath(import.meta.url), [JSON.stringify({ server: s.url, app, n })], { execArgv: ["--import", "tsx"] });
  const { rate, cpu, inOrder } = await new Promise<SendResult>((resolve, reject) => {
    child.once("message", (m) => resolve(m as SendResult));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`sender exited with ${code}`)));
  });
  console.log(
    `one client, ${n} sends through its outbox: ${rate.toFixed(0)} acked msg/s (client CPU ${cpu.toFixed(2)} s), in order: ${inOrder} (target >= 500)`,
  );
  await s.close();
}

/** The child: a sender and its peer sign up; the sender sends `n` at once and waits for every ack. */
async function sender({ server, app, n }: { server: string; app: string; n: number }): Promise<SendResult> {
  const signUp = async (name: string): Promise<ChatClient> => {
    const c = new ChatClient({ server, appId: app });
    await c.register({ email: `${name}-${Math.random().toString(36).slice(2)}@example.com`, password: "correct horse battery", displayName: name });
    while (c.store.state.connection !== "connected") await new Promise((r) => setTimeout(r, 10));
    return c;
  };
  const a = await signUp("Sender");
  const b = await signUp("Peer");
  const conv = await a.direct(b.user!.id);
  b.close();
  await conv.send("warm-up");
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const stored = await Promise.all(Array.from({ length: n }, (_, i) => conv.send(`bench ${i}`)));
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  a.close();
  return { rate: n / secs, cpu: (cpu.user + cpu.system) / 1e6, inOrder: stored.every((m, i) => i === 0 || BigInt(m.id) > BigInt(stored[i - 1]!.id)) };
}

if (process.send) {
  process.send(await sender(JSON.parse(process.argv[2]!)));
  process.disconnect();
} else {
  await catchUpFigure();
  await sendFigure(5000);
  process.exit(0);
}
