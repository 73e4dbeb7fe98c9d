import type { DataSource, EntityManager, QueryRunner } from "typeorm";
import { databaseErrorCode } from "./db-errors.js";
import { dialectOf } from "./sql.js";

/**
 * Runs `fn` in a transaction. Writers in this process go one at a time: SQLite has a single
 * connection (TypeORM cannot nest its transactions), and on MySQL it keeps this node's commits
 * in the order their event seqs were handed out. Across nodes, the per-app seq row lock
 * (see EventLog.append) orders them.
 */
export class Transactor {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly isMysql: boolean;

  constructor(readonly db: DataSource) {
    this.isMysql = dialectOf(db) === "mysql";
  }

  run<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => (this.isMysql ? this.mysql(fn) : this.db.transaction(fn)));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * TypeORM's transaction(), except when a statement timed out (the connection stopped
   * answering): mysql2 keeps the timed-out command at the head of that connection's queue, so a
   * ROLLBACK there would wait forever and every later write of this node with it. The
   * connection is destroyed instead; the server rolls the transaction back when it sees it go.
   */
  private async mysql<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    const qr = this.db.createQueryRunner();
    try {
      await qr.connect();
      await qr.startTransaction();
      const out = await fn(qr.manager);
      await qr.commitTransaction();
      return out;
    } catch (err) {
      if (qr.isTransactionActive) {
        if (databaseErrorCode(err) === "PROTOCOL_SEQUENCE_TIMEOUT") destroy(qr);
        else await qr.rollbackTransaction().catch(() => destroy(qr));
      }
      throw err;
    } finally {
      await qr.release().catch(() => undefined);
    }
  }
}

function destroy(qr: QueryRunner): void {
  (qr as unknown as { databaseConnection?: { destroy(): void } }).databaseConnection?.destroy();
}
