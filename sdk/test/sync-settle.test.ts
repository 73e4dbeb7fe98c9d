/**
 * With several server nodes, live events reach a socket out of seq order: its own node's at once,
 * another node's through Redis a little later. When the socket's node dies in between, the
 * later-seq event has arrived and the earlier one never will. A catch-up from the highest seq
 * applied would skip it for good (seen once in CI: scale.test.ts "kill -9 during a stream").
 * The sync engine starts a catch-up from the cursor as it was `settleMs` before: this drives
 * SyncEngine with an event log (the server's /sync rules: events after `since`, in order) and
 * a client that drops seqs it has, as ChatClient does. The multi-node run is scale.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ChatEvent, SyncResponse } from "../src/protocol/index.js";
import { SyncEngine } from "../src/sync.js";

function event(seq: number): ChatEvent {
  return {
    seq,
    type: "read.updated",
    conversationId: "c1",
    userId: null,
    at: new Date(0).toISOString(),
    data: { conversationId: "c1", userId: "u", lastReadMessageId: String(seq) },
  };
}

/** The server's log and a client's applied state, as ChatClient keeps them (seen seqs, a cursor). */
function harness(settleMs: number) {
  const log: ChatEvent[] = [];
  const applied: number[] = [];
  const fetches: number[] = [];
  let cursor = 0;
  const faults = { fetches: 0 };
  const engine = new SyncEngine(
    {
      fetch: async (since, limit): Promise<SyncResponse> => {
        fetches.push(since);
        if (faults.fetches > 0 && faults.fetches--) throw new Error("network down");
        const events = log.filter((e) => e.seq > since).slice(0, limit);
        const head = log.length ? log[log.length - 1]!.seq : 0;
        return { events, lastSeq: events.length ? events[events.length - 1]!.seq : Math.max(since, head), hasMore: false };
      },
      cursor: () => cursor,
      apply: (events, lastSeq) => {
        const fresh = events.filter((e) => !applied.includes(e.seq));
        applied.push(...fresh.map((e) => e.seq));
        cursor = Math.max(cursor, lastSeq ?? 0, ...fresh.map((e) => e.seq));
        return fresh.length;
      },
      status: () => {},
      recovered: () => {},
      expired: async () => {},
    },
    { settleMs, retryDelay: 10, retryDelayMax: 20 },
  );
  return { log, applied, fetches, engine, faults, cursor: () => cursor };
}

describe("a catch-up after live events that came out of order", () => {
  test("an event still on its way from another node when the connection dropped is fetched, and nothing is applied twice", async () => {
    const h = harness(5000);
    h.log.push(...[1, 2, 3].map(event));
    await h.engine.start(); // the first connect
    assert.deepEqual(h.applied, [1, 2, 3]);
    // Live: 5 from the socket's own node arrives; 4 (another node's) is on its way when the node dies.
    h.log.push(event(4), event(5));
    h.engine.live(event(5));
    assert.equal(h.cursor(), 5);
    // Reconnected (to another node): the catch-up starts where every event had surely arrived.
    await h.engine.start();
    assert.equal(h.fetches.at(-1), 3, "fetched from the settled cursor, not from 5");
    assert.deepEqual(
      [...h.applied].sort((a, b) => a - b),
      [1, 2, 3, 4, 5],
    );
    assert.equal(h.applied.length, 5, "5 is not applied twice");
  });

  test("once settled, a catch-up starts at the newest cursor (nothing fetched again)", async () => {
    const h = harness(30);
    h.log.push(...[1, 2].map(event));
    await h.engine.start();
    h.log.push(event(3));
    h.engine.live(event(3));
    await new Promise((r) => setTimeout(r, 60));
    await h.engine.start();
    assert.equal(h.fetches.at(-1), 3);
  });

  test("a failed catch-up retries from the same settled cursor, not from the cursor live events moved", async () => {
    const h = harness(5000);
    h.log.push(event(1));
    await h.engine.start();
    h.log.push(event(2), event(3));
    h.engine.live(event(3));
    h.faults.fetches = 1;
    await h.engine.start();
    assert.deepEqual(h.fetches.slice(-2), [1, 1]);
    assert.deepEqual(
      [...h.applied].sort((a, b) => a - b),
      [1, 2, 3],
    );
  });
});
