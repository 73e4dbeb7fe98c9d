// SQLite pages a message (issue 56): how many pages the WAL takes per persisted 1:1 message.
//
// `node --import tsx server/bench/sqlite-pages.ts [--messages N] [--conversations N] [--burst N]
//    [--by-btree] [--checkpoint N] [--without index,…] [--without-trigger name,…]`
//
// A server in this process on a SQLite file (server/test/helpers/harness.ts), with N DMs of two
// users each and a history already there (so the B-trees are deeper than one page). Sends go
// through MessagesService.send in bursts, as the socket's would, so the batcher groups them into
// batches as it does under load. Automatic checkpoints are off while it measures (unless
// `--checkpoint`): every page a COMMIT writes stays in the WAL as a frame of (page size + 24)
// bytes, so the WAL's growth over the burst, divided by the frame size and the messages, is the
// pages a message writes. It also prints the process's CPU a message.
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { startServer } from "../test/helpers/harness.js";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    conversations: { type: "string", default: "200" },
    burst: { type: "string", default: "64" },
    history: { type: "string", default: "20000" },
    // Indexes dropped before the measured burst, to see each one's share (a measurement only).
    without: { type: "string", default: "" },
    // Triggers dropped before the measured burst: `message_search_ai` leaves the full-text index
    // out of the send's commit, to see its share (a measurement only).
    "without-trigger": { type: "string", default: "" },
    // Automatic checkpoints at this many WAL pages during the burst, as a server runs (its CPU a
    // message then includes them; the pages a message are not counted).
    checkpoint: { type: "string", default: "" },
    // Which B-trees the burst's WAL frames belong to (SQLite's dbstat table names each page's
    // table or index), per message: what a commit writes, told apart.
    "by-btree": { type: "boolean", default: false },
  },
});
const total = Number(values.messages);
const conversations = Number(values.conversations);
const burst = Number(values.burst);
const history = Number(values.history);

const s = await startServer({});
try {
  const app = (await s.createTenant("pages a message")).id;
  const db = s.services.db;
  const [{ page_size: pageSize }] = (await db.query("PRAGMA page_size")) as [{ page_size: number }];
  const dms: { conversationId: string; sender: string }[] = [];
  for (let i = 0; i < conversations; i++) {
    const [a, b] = await Promise.all([s.api.register(app), s.api.register(app)]);
    const res = await s.api.post<{ conversation: { id: string } }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
    if (res.status !== 201) throw new Error(`DM: ${res.status} ${JSON.stringify(res.body)}`);
    dms.push({ conversationId: res.body.conversation.id, sender: a.user.id });
  }
  const send = (k: number) => {
    const dm = dms[k % dms.length]!;
    return s.services.messages.send(
      { appId: app, user: dm.sender },
      { conversationId: dm.conversationId, text: `message ${k} ${randomBytes(6).toString("hex")}`, clientMessageId: randomBytes(9).toString("base64url") },
    );
  };
  const run = async (from: number, n: number): Promise<void> => {
    for (let k = from; k < from + n; k += burst) await Promise.all(Array.from({ length: Math.min(burst, from + n - k) }, (_, j) => send(k + j)));
  };
  await run(0, history);
  const without = values.without.split(",").filter(Boolean);
  for (const index of without) await db.query(`DROP INDEX "${index}"`);
  const withoutTriggers = values["without-trigger"].split(",").filter(Boolean);
  for (const trigger of withoutTriggers) await db.query(`DROP TRIGGER "${trigger}"`);
  await db.query("PRAGMA wal_checkpoint(TRUNCATE)");
  const checkpoint = values.checkpoint ? Number(values.checkpoint) : 0;
  await db.query(`PRAGMA wal_autocheckpoint = ${checkpoint}`);
  const wal = path.join(s.dataDir, "parley.sqlite-wal");
  const walBytes = (): number => statSync(wal, { throwIfNoEntry: false })?.size ?? 0;
  const before = walBytes();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await run(history, total);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  const frames = checkpoint ? Number.NaN : (walBytes() - before) / (pageSize + 24);
  const byBtree = values["by-btree"] && !checkpoint ? await framesByBtree(before) : undefined;
  await db.query("PRAGMA wal_autocheckpoint = 1000");
  const out = {
    messages: total,
    conversations,
    burst,
    historyBefore: history,
    without,
    withoutTriggers,
    pageSize,
    walFrames: Math.round(frames),
    pagesPerMessage: Number((frames / total).toFixed(2)),
    messagesPerSecond: Math.round(total / seconds),
    // This process's CPU a message (user and kernel, in µs): the server's whole cost without the
    // socket path, since the sends are made in process.
    cpuMicrosPerMessage: { user: Math.round(cpu.user / total), system: Math.round(cpu.system / total) },
    ...(byBtree ? { pagesPerMessageByBtree: byBtree } : {}),
  };
  console.log(JSON.stringify(out, null, 2));

  /** The burst's frames (after byte `from` of the WAL; a WAL begins with a 32-byte header) counted by the B-tree their page belongs to, per message. */
  async function framesByBtree(from: number): Promise<Record<string, number>> {
    const bytes = readFileSync(wal);
    const owner = new Map<number, string>();
    const pages = (await db.query("SELECT name, pageno FROM dbstat")) as { name: string; pageno: number }[];
    for (const p of pages) owner.set(p.pageno, p.name);
    const counts = new Map<string, number>();
    // Each frame: a 24-byte header whose first 4 bytes are the page number (big-endian), then the page.
    for (let at = Math.max(from, 32); at + 24 + pageSize <= bytes.length; at += 24 + pageSize) {
      const page = bytes.readUInt32BE(at);
      const name = owner.get(page) ?? (page === 1 ? "(header page)" : "(free or new)");
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, Number((n / total).toFixed(3))]));
  }
} finally {
  await s.close();
}
