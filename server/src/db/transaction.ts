import type { DataSource, EntityManager } from "typeorm";

/**
 * Runs `fn` in a transaction. Writers in this process go one at a time: SQLite has a single
 * connection (TypeORM cannot nest its transactions), and on MySQL it keeps this node's commits
 * in the order their event seqs were handed out. Across nodes, the per-app seq row lock
 * (see EventLog.append) orders them.
 */
export class Transactor {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly db: DataSource) {}

  run<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.db.transaction(fn));
    this.tail = result.catch(() => undefined);
    return result;
  }
}
