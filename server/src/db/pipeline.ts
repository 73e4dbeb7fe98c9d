import { QueryFailedError, type EntityManager, type QueryRunner } from "typeorm";

/**
 * Statements sent together (MySQL/MariaDB), as one multi-statement query on a unit's connection:
 * - a unit's writes whose answers nobody reads (the conversations' last message, the senders' read
 *   marks, the event rows, the search rows, the usage counters), its lock statements and its
 *   `START TRANSACTION` wait, and go out in front of its next statement;
 * - statements the unit asks for at the same moment (a send batch's checks, asked together) go
 *   out together, each answered with its own result.
 * What the database does is the same, in the same order, in the same transaction; only the
 * waiting is shared. A send batch was a dozen round trips, with the server and MariaDB taking
 * turns over each: three now (issue 56).
 *
 * A deferred statement's failure surfaces at the statement it went out with (at the latest the
 * COMMIT), inside the same transaction, which then rolls back or is dropped (db/transaction.ts):
 * nothing the unit wrote is kept without the rest. A `ROLLBACK` drops what is still waiting.
 * Each statement is still logged on its own (the query log, test/helpers/queries.ts).
 *
 * This needs the pool's connections opened with multiple statements allowed (data-source.ts).
 * Every value still goes as a `?` placeholder: a statement's text never carries input.
 */

interface Statement {
  sql: string;
  params: unknown[];
  /** Where its answer goes; none for a deferred statement. */
  answer?: { resolve(v: unknown): void; reject(e: unknown): void };
}

/** The statements waiting on a transaction's connection, by its query runner. */
const waiting = new WeakMap<QueryRunner, Statement[]>();

/**
 * Runs a statement whose answer the caller does not need (a write, a row lock): deferred to the
 * unit's next round trip where the unit's connection sends statements together (MySQL in a unit),
 * run at once elsewhere.
 */
export async function deferWrite(m: EntityManager, sql: string, params: unknown[] = []): Promise<void> {
  const queue = m.queryRunner ? waiting.get(m.queryRunner) : undefined;
  if (queue) queue.push({ sql, params });
  else await m.query(sql, params);
}

/**
 * Makes `qr` (a unit's MySQL connection, for one transaction) send statements together: deferred
 * ones ahead of the next, and those asked for in the same tick in one query. Answers the undo,
 * called before the runner is released.
 */
export function pipeline(qr: QueryRunner): () => void {
  const queue: Statement[] = [];
  waiting.set(qr, queue);
  const original = qr.query;
  const plain = (sql: string, params?: unknown[], structured?: boolean): Promise<unknown> =>
    (original as (sql: string, params?: unknown[], structured?: boolean) => Promise<unknown>).call(qr, sql, params, structured);
  let flushing = false;
  // One query after the other, in the order they were asked (the driver's queue then keeps it).
  let last: Promise<unknown> = Promise.resolve();
  // A multi-statement query that failed stopped at its failing statement: the deferred writes after
  // it never ran. A caller that went on past its own error must not commit without them: every
  // later statement of the unit fails with that error (ROLLBACK aside).
  let broken: unknown;
  const send = (batch: Statement[]): Promise<unknown[]> => {
    const sent = last.then(() => {
      if (broken !== undefined) throw broken;
      const single = batch.length === 1 ? batch[0]! : undefined;
      return single ? plain(single.sql, single.params).then((r) => [r]) : sendTogether(qr, batch);
    });
    last = sent.catch((err: unknown) => {
      if (batch.length > 1) broken ??= err;
    });
    return sent;
  };
  // Once the caller's current step has run to its next wait (process.nextTick runs after the
  // promise jobs in hand): whatever it asked for by then goes in this query.
  const flush = (): void => {
    flushing = false;
    const asked = queue.findLastIndex((st) => st.answer !== undefined);
    if (asked < 0) return; // only deferred statements: they wait for the next one
    void dispatch(queue.splice(0, asked + 1));
  };
  /** Sends `batch` and answers each statement of it that asked; settles when it has. */
  const dispatch = (batch: Statement[]): Promise<void> =>
    send(batch).then(
      (answers) => batch.forEach((st, i) => st.answer?.resolve(answers[i])),
      (err: unknown) => batch.forEach((st) => st.answer?.reject(err)),
    );
  const piped = async (sql: string, params?: unknown[], structured?: boolean): Promise<unknown> => {
    // Its answer is never read: it goes with the next statement.
    if (sql === "START TRANSACTION") {
      queue.push({ sql, params: [] });
      return undefined;
    }
    if (sql === "ROLLBACK") {
      for (const st of queue.splice(0)) st.answer?.reject(new Error("The transaction was rolled back"));
      await last;
      return plain(sql, params, structured);
    }
    // TypeORM's own structured answers (a query builder's) are not rebuilt here: what waits goes first.
    if (structured) {
      if (queue.length > 0) await dispatch(queue.splice(0));
      await last;
      if (broken !== undefined) throw broken;
      return plain(sql, params, structured);
    }
    return new Promise((resolve, reject) => {
      queue.push({ sql, params: params ?? [], answer: { resolve, reject } });
      if (!flushing) {
        flushing = true;
        process.nextTick(flush);
      }
    });
  };
  qr.query = piped as QueryRunner["query"];
  return () => {
    qr.query = original;
    waiting.delete(qr);
  };
}

/** Two or more statements as one multi-statement query; answers each one's result, in order. */
export async function sendTogether(qr: QueryRunner, statements: Statement[]): Promise<unknown[]> {
  const logger = qr.connection.logger;
  for (const s of statements) logger.logQuery(s.sql, s.params, qr);
  const sql = statements.map((s) => s.sql).join(";\n");
  const params = statements.flatMap((s) => s.params);
  // The driver's statement timeout applies as it does to TypeORM's own queries (data-source.ts).
  const options = qr.connection.driver.options as { enableQueryTimeout?: boolean; maxQueryExecutionTime?: number };
  const payload = options.enableQueryTimeout && options.maxQueryExecutionTime ? { sql, timeout: options.maxQueryExecutionTime } : sql;
  const connection = (await qr.connect()) as { promise(): { query(q: unknown, p: unknown[]): Promise<[unknown, unknown]> } };
  try {
    const [raw] = await connection.promise().query(payload, params);
    return raw as unknown[];
  } catch (err) {
    logger.logQueryError(err as Error, sql, params, qr);
    throw new QueryFailedError(sql, params, err as Error);
  }
}
