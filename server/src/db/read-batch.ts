import type { DataSource } from "typeorm";
import { sendTogether } from "./pipeline.js";

/** Statements in one query at most: a burst is several queries, none of them huge. */
const MAX_BATCH = 64;

interface Read {
  sql: string;
  params: unknown[];
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

const queues = new WeakMap<DataSource, Read[]>();

/**
 * A read on the primary, outside any unit, sent (MySQL/MariaDB) in one multi-statement query with
 * the other reads asked for in the same turn of the event loop. A burst of connects (a group of
 * 1,500 coming online, a node's sockets reconnecting after a restart) asks each socket's session,
 * rooms and relations: one round trip each was one write to the database's socket and one wake of
 * its thread per statement, most of the server's time in such a burst (issue 56: 31 % of its CPU
 * in the socket write alone). Together, the database does the same statements, in fewer turns.
 *
 * Each statement is answered with its own result. A query that fails is tried again statement by
 * statement, so one failing read never fails the others. SQLite runs in-process: no round trip
 * to save, each read runs at once.
 */
export function batchedRead<T>(db: DataSource, sql: string, params: unknown[] = []): Promise<T> {
  if (db.options.type !== "mysql" && db.options.type !== "mariadb") return db.query(sql, params);
  let queue = queues.get(db);
  if (!queue) {
    queue = [];
    queues.set(db, queue);
  }
  const q = queue;
  return new Promise<T>((resolve, reject) => {
    // setImmediate, not nextTick: the reads of every socket event handled in this turn go together.
    if (q.length === 0) setImmediate(() => flush(db, q));
    q.push({ sql, params, resolve: resolve as (v: unknown) => void, reject });
  });
}

function flush(db: DataSource, queue: Read[]): void {
  while (queue.length > 0) void send(db, queue.splice(0, MAX_BATCH));
}

async function send(db: DataSource, batch: Read[]): Promise<void> {
  if (batch.length === 1) {
    const [r] = batch as [Read];
    return db.query(r.sql, r.params).then(r.resolve, r.reject);
  }
  let answers: unknown[] | undefined;
  const qr = db.createQueryRunner("master");
  try {
    answers = await sendTogether(qr, batch);
  } catch {
    // Tried alone below: each read gets its own answer or its own error.
  } finally {
    await qr.release();
  }
  if (answers) batch.forEach((r, i) => r.resolve(answers[i]));
  else for (const r of batch) db.query(r.sql, r.params).then(r.resolve, r.reject);
}
