import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { io as ioc, type Socket } from "socket.io-client";

/**
 * `npm run bench -- --relay-journal` (issue 56): the bench's relay appends each send to a SQLite
 * journal before its ack and its event, so its ladder is the floor of a durable send on the box.
 * Checked against the relay itself, run as the bench runs it: the row is committed (another
 * connection reads it) when the ack and the event arrive, an ack never comes while the journal
 * cannot be written, and with the indexes a retried client id is kept once.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");

interface Relay {
  url: string;
  file: string;
  child: ChildProcess;
}

async function startRelay(indexed: boolean, env: Record<string, string> = {}): Promise<Relay> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "relay-journal-test-")), "journal.sqlite");
  const child = spawn(process.execPath, ["--import", "tsx", "server/bench/relay.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", RELAY_JOURNAL: file, RELAY_JOURNAL_INDEXED: indexed ? "1" : "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`the relay exited (${code}) before it listened`)));
  });
  return { url: `http://127.0.0.1:${port}`, file, child };
}

async function stopRelay(r: Relay | undefined): Promise<void> {
  if (!r) return;
  if (r.child.exitCode === null) await new Promise((resolve) => r.child.once("exit", resolve).kill("SIGTERM"));
  rmSync(path.dirname(r.file), { recursive: true, force: true });
}

async function connect(url: string, userId: string, rooms: string[]): Promise<Socket> {
  const s = ioc(url, { transports: ["websocket"], auth: { userId, rooms }, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
  });
  return s;
}

interface Ack {
  ok: boolean;
  data: { id: string; conversationId: string };
  error?: { code: string };
}

function send(s: Socket, conversationId: string, clientMessageId: string): Promise<Ack> {
  return s.timeout(15_000).emitWithAck("message.send", { conversationId, text: `journal ${clientMessageId}`, clientMessageId }) as Promise<Ack>;
}

/** The journal's rows of a client id, read by a connection of this test's own: what is committed. */
function rowsOf(file: string, clientMessageId: string): { conversationId: string; senderId: string; text: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT conversationId, senderId, text FROM journal WHERE clientMessageId = ?").all(clientMessageId) as {
      conversationId: string;
      senderId: string;
      text: string;
    }[];
  } finally {
    db.close();
  }
}

/** A relay and two members of conversation c1, for the tests of one describe block. */
interface Room {
  relay: Relay;
  ann: Socket;
  ben: Socket;
}

/** Starts the relay and connects ann and ben before the block's tests, and stops them after. */
function withRelay(indexed: boolean, env: Record<string, string> = {}): Room {
  const room = {} as Room;
  before(async () => {
    room.relay = await startRelay(indexed, env);
    [room.ann, room.ben] = await Promise.all([connect(room.relay.url, "ann", ["c1"]), connect(room.relay.url, "ben", ["c1"])]);
  });
  after(async () => {
    room.ann?.close();
    room.ben?.close();
    await stopRelay(room.relay);
  });
  return room;
}

for (const indexed of [false, true]) {
  describe(`the bench's relay with a journal${indexed ? ", 2 indexes" : ""} (--relay-journal)`, () => {
    const room = withRelay(indexed);

    test("a send's row is committed when its ack and the other member's event arrive", async () => {
      const { relay, ann, ben } = room;
      const seen: string[] = [];
      const event = new Promise<void>((resolve) => {
        ben.once("message.new", (e: { data: { message: { text: string } } }) => {
          // Read at the event's arrival, before anything else runs here.
          seen.push(e.data.message.text, String(rowsOf(relay.file, "first").length));
          resolve();
        });
      });
      const ack = await send(ann, "c1", "first");
      const atAck = rowsOf(relay.file, "first");
      await event;
      assert.equal(ack.ok, true);
      assert.deepEqual(atAck, [{ conversationId: "c1", senderId: "ann", text: "journal first" }]);
      assert.deepEqual(seen, ["journal first", "1"]);
    });

    test("no ack while the journal cannot be written: it comes after the lock is let go", async () => {
      const { relay, ann } = room;
      const lock = new Database(relay.file);
      lock.exec("BEGIN IMMEDIATE");
      let acked = 0;
      const ack = send(ann, "c1", "held").then((a) => {
        acked = performance.now();
        return a;
      });
      // The relay's commit now waits in SQLite's busy handler (5 s); hold it a while, then let go.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const released = performance.now();
      lock.exec("COMMIT");
      lock.close();
      assert.equal((await ack).ok, true);
      assert.ok(acked >= released, `the ack came ${(released - acked).toFixed(0)} ms before the journal could be written`);
      assert.equal(rowsOf(relay.file, "held").length, 1);
    });

    test("a turn's sends share a transaction and each is acked once, in the order sent", async () => {
      const { relay, ann } = room;
      const ids = Array.from({ length: 50 }, (_, i) => `burst-${i}`);
      const acks = await Promise.all(ids.map((id) => send(ann, "c1", id)));
      const numbers = acks.map((a) => Number(a.data.id));
      assert.deepEqual(
        numbers,
        [...numbers].sort((a, b) => a - b),
      );
      for (const id of ids) assert.equal(rowsOf(relay.file, id).length, 1, id);
      if (indexed) {
        const db = new Database(relay.file, { readonly: true });
        const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal'").all() as { name: string }[])
          .map((r) => r.name)
          .sort();
        db.close();
        assert.deepEqual(names, ["ix_journal_conversation", "uq_journal_client_id"]);
        // A retry of a client id (the SDK's outbox does that) is kept once, not a second row, and
        // answered with the first send's id, as Parley answers it.
        const retry = await send(ann, "c1", "burst-0");
        assert.equal(retry.ok, true);
        assert.equal(retry.data.id, acks[0]!.data.id);
        assert.equal(rowsOf(relay.file, "burst-0").length, 1);
      }
    });
  });
}

describe("the bench's relay when its journal cannot be written past the busy wait", () => {
  // A busy wait of 200 ms instead of 5 s: the lock below outlasts it without a long test.
  const room = withRelay(false, { RELAY_JOURNAL_BUSY_MS: "200" });

  test("the send gets an error ack and no event, the relay goes on, and the next send is kept", async () => {
    const { relay, ann, ben } = room;
    const events: string[] = [];
    ben.on("message.new", (e: { data: { message: { text: string } } }) => events.push(e.data.message.text));
    const lock = new Database(relay.file);
    lock.exec("BEGIN IMMEDIATE");
    let refused: Ack;
    try {
      // The ack comes once the relay's busy wait has given up: the lock is still held then.
      refused = await send(ann, "c1", "refused");
    } finally {
      lock.exec("COMMIT");
      lock.close();
    }
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.code, "unavailable");
    assert.equal(relay.child.exitCode, null, "the relay is still running");
    const kept = await send(ann, "c1", "kept");
    assert.equal(kept.ok, true);
    await new Promise<void>((resolve) => (events.length ? resolve() : ben.once("message.new", () => resolve())));
    // The refused send reached nobody: the first event the other member got is the kept one.
    assert.deepEqual(events, ["journal kept"]);
    assert.deepEqual(rowsOf(relay.file, "refused"), []);
    assert.equal(rowsOf(relay.file, "kept").length, 1);
  });
});
