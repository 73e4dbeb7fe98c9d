// SQLite layouts of a conversation's messages (issue 56): pages a message writes with today's
// layout (a rowid table and an index by conversation) against the table clustered by conversation
// (WITHOUT ROWID, primary key (conversationId, id), with an index on id for look-ups by id).
//
// `node --import tsx server/bench/sqlite-layout.ts [--conversations N] [--history N] [--batches N] [--batch N]`
//
// better-sqlite3 alone, on a file in a temporary directory, automatic checkpoints off: the WAL's
// growth over the measured batches, in frames of (page size + 24) bytes, divided by the messages,
// is the pages a message writes. Messages go to random conversations, as a send batch's do.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "500" },
    history: { type: "string", default: "20000" },
    batches: { type: "string", default: "300" },
    batch: { type: "string", default: "64" },
  },
});
const conversations = Array.from({ length: Number(values.conversations) }, (_, i) => `cnv_${String(i).padStart(28, "0")}`);

const LAYOUTS = {
  "rowid table + index (conversationId, id) (today)": [
    "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, appId TEXT, conversationId TEXT, senderId TEXT, text TEXT, createdAt INTEGER)",
    "CREATE INDEX ix_messages_conversation ON messages (conversationId, id)",
  ],
  "WITHOUT ROWID, key (conversationId, id) + unique index (id)": [
    "CREATE TABLE messages (id INTEGER NOT NULL, appId TEXT, conversationId TEXT NOT NULL, senderId TEXT, text TEXT, createdAt INTEGER, PRIMARY KEY (conversationId, id)) WITHOUT ROWID",
    "CREATE UNIQUE INDEX ix_messages_id ON messages (id)",
  ],
};

const dir = mkdtempSync(path.join(tmpdir(), "parley-layout-"));
try {
  const results: Record<string, number> = {};
  for (const [name, schema] of Object.entries(LAYOUTS)) {
    const file = path.join(dir, `${Object.keys(results).length}.sqlite`);
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    for (const sql of schema) db.exec(sql);
    const insert = db.prepare("INSERT INTO messages (id, appId, conversationId, senderId, text, createdAt) VALUES (?, ?, ?, ?, ?, ?)");
    let id = 0;
    // The same pseudo-random conversations for every layout.
    let seed = 1;
    const next = (): number => (seed = (seed * 48271) % 2147483647);
    const batch = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        const conversationId = conversations[next() % conversations.length]!;
        id++;
        insert.run(id, "app_bench", conversationId, `usr_${conversationId.slice(4)}`, `message ${id}: a few words of ordinary text`, Date.now());
      }
    });
    for (let n = 0; n < Number(values.history); n += 500) batch(500);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const walBytes = (): number => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
    const before = walBytes();
    for (let b = 0; b < Number(values.batches); b++) batch(Number(values.batch));
    const pageSize = Number(db.pragma("page_size", { simple: true }));
    results[name] = Number(((walBytes() - before) / (pageSize + 24) / (Number(values.batches) * Number(values.batch))).toFixed(2));
    db.close();
  }
  console.log(
    JSON.stringify({ conversations: conversations.length, history: Number(values.history), batch: Number(values.batch), pagesPerMessage: results }, null, 2),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
