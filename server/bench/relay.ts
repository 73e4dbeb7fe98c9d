/**
 * The baseline: a bare Socket.IO relay (no auth, no database). A client names its user id and
 * rooms in the handshake; `message.send` is acked with its event and emitted to the room but the
 * sender (as Parley does for a socket with ownEcho false, as the SDK's are), `typing` to the room
 * but the sender (as Parley does). Binds 127.0.0.1 only.
 * Usage: PORT=0 node --import tsx server/bench/relay.ts   (prints {"port":N} when listening)
 *
 * RELAY_JOURNAL=<file> (issue 56, a measurement of the floor; `npm run bench -- --relay-journal`
 * runs the relay with it, bare and indexed): each send is also appended to a SQLite journal before
 * its ack and its event, as Parley's commit must precede both. Sends that arrive in one event-loop
 * turn share one transaction (WAL, synchronous = FULL, Parley's own settings), one row each in a
 * table keyed by its rowid, so every message lands at the table's right edge.
 * RELAY_JOURNAL_INDEXED=1 adds the two indexes a send's promises need at the least (a
 * conversation's history; a retried send found by its client id, its duplicate ignored and the
 * retry answered with the first's id, as Parley answers it), each keyed by a conversation or a
 * sender. With a journal a message's id is its row's. What it does not do, and Parley must:
 * sign-in, membership, moderation, events, search, read marks, usage. A transaction that fails
 * (its write lock held past SQLite's busy wait, RELAY_JOURNAL_BUSY_MS, 5 s by default) answers its
 * sends with an error ack and no event, as Parley answers a failed batch, and the relay goes on.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { Server } from "socket.io";

const http = createServer();
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
let seq = 0;

interface Pending {
  conversationId: string;
  senderId: string;
  clientMessageId: string;
  text: string;
  createdAt: number;
  /** Committed: the message's id is its row's (the first row's, for a retry the index found). */
  done: (id: number) => void;
  /** The journal could not be written: an error ack, and no event. */
  failed: () => void;
}
/** Appends a turn's sends to the journal in one transaction, then answers them; null without RELAY_JOURNAL. */
const journal = ((file: string | undefined) => {
  if (!file) return null;
  const db = new Database(file, { timeout: Number(process.env["RELAY_JOURNAL_BUSY_MS"] ?? 5000) });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("cache_size = -65536");
  db.exec(
    "CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY, conversationId TEXT NOT NULL, senderId TEXT NOT NULL, clientMessageId TEXT NOT NULL, text TEXT NOT NULL, createdAt INTEGER NOT NULL)",
  );
  const indexed = process.env["RELAY_JOURNAL_INDEXED"] === "1";
  if (indexed) {
    db.exec("CREATE INDEX IF NOT EXISTS ix_journal_conversation ON journal (conversationId, id)");
    db.exec("CREATE UNIQUE INDEX IF NOT EXISTS uq_journal_client_id ON journal (senderId, clientMessageId)");
  }
  const insert = db.prepare("INSERT OR IGNORE INTO journal (conversationId, senderId, clientMessageId, text, createdAt) VALUES (?, ?, ?, ?, ?)");
  // Only a unique index can ignore a row; a retry then reads the first one's id (the index's look-up).
  const first = indexed ? db.prepare("SELECT id FROM journal WHERE senderId = ? AND clientMessageId = ?").pluck() : null;
  const commit = db.transaction((batch: Pending[]): number[] =>
    batch.map((p) => {
      const r = insert.run(p.conversationId, p.senderId, p.clientMessageId, p.text, p.createdAt);
      return r.changes === 1 ? Number(r.lastInsertRowid) : Number(first!.get(p.senderId, p.clientMessageId));
    }),
  );
  let queue: Pending[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    let ids: number[];
    try {
      ids = commit(batch);
    } catch {
      for (const p of batch) p.failed();
      return;
    }
    batch.forEach((p, i) => p.done(ids[i]!));
  };
  return (p: Pending): void => {
    if (queue.push(p) === 1) setImmediate(flush);
  };
})(process.env["RELAY_JOURNAL"]);

io.on("connection", (socket) => {
  const auth = (socket.handshake.auth ?? {}) as { userId?: unknown; rooms?: unknown };
  const userId = typeof auth.userId === "string" ? auth.userId : socket.id;
  const rooms = Array.isArray(auth.rooms) ? auth.rooms.filter((r): r is string => typeof r === "string").slice(0, 1000) : [];
  void socket.join(rooms.map((r) => `conv:${r}`));

  socket.on("message.send", (raw: { conversationId?: unknown; text?: unknown; clientMessageId?: unknown }, ack?: (res: unknown) => void) => {
    const conversationId = typeof raw?.conversationId === "string" ? raw.conversationId : "";
    const text = typeof raw?.text === "string" ? raw.text : "";
    // Without a journal, the message's id; with one, a client id for a send that has none.
    const n = ++seq;
    const clientMessageId = typeof raw?.clientMessageId === "string" ? raw.clientMessageId : `relay-${n}`;
    const createdAt = Date.now();
    const done = (id: number): void => {
      const message = { id: String(id), conversationId, senderId: userId, text, createdAt };
      // To the room but the sender, whose ack carries the event: Parley's SDK asks for that
      // (ownEcho: false), so both send two frames a message (the ack, the recipient's event).
      const event = { type: "message.new", conversationId, data: { message } };
      socket.to(`conv:${conversationId}`).emit("message.new", event);
      if (typeof ack === "function") ack({ ok: true, data: message, event });
    };
    const failed = (): void => {
      if (typeof ack === "function") ack({ ok: false, error: { code: "unavailable", message: "The journal could not be written" } });
    };
    if (journal) journal({ conversationId, senderId: userId, clientMessageId, text, createdAt, done, failed });
    else done(n);
  });

  socket.on("typing", (raw: { conversationId?: unknown; typing?: unknown }, ack?: (res: unknown) => void) => {
    const conversationId = typeof raw?.conversationId === "string" ? raw.conversationId : "";
    socket.to(`conv:${conversationId}`).emit("typing", { conversationId, userId, typing: raw?.typing !== false });
    if (typeof ack === "function") ack({ ok: true, data: null });
  });
});

// The same listen backlog as Parley (LISTEN_BACKLOG's default): a storm of connects compares equal.
http.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", 4096, () => {
  process.stdout.write(JSON.stringify({ port: (http.address() as AddressInfo).port }) + "\n");
});
const stop = (): void => {
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
