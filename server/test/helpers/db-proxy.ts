import assert from "node:assert/strict";
import net from "node:net";
import { MYSQL_ADMIN_URL } from "./harness.js";

const MYSQL_TARGET = new URL(MYSQL_ADMIN_URL);

/**
 * A COM_QUERY packet's command byte followed by the statement TypeORM ends a transaction with, or
 * that statement last in a multi-statement query (the unit's deferred writes go with it: db/pipeline.ts).
 */
const COMMIT_QUERY = Buffer.from("\x03COMMIT");
const PIPED_COMMIT = Buffer.from(";\nCOMMIT");
const isCommit = (d: Buffer): boolean => d.includes(COMMIT_QUERY) || d.includes(PIPED_COMMIT);
const START_QUERY = Buffer.from("\x03START TRANSACTION");
const ROLLBACK_QUERY = Buffer.from("\x03ROLLBACK");

/**
 * A TCP proxy to MariaDB that can be cut (connections reset, port refusing) and restored on the
 * same port. It can also cut right after MariaDB has answered a COMMIT and before that answer
 * reaches Parley: the write is durable, but the server never hears so (a lost commit reply).
 */
export class DbProxy {
  /** @param target where bytes go (MariaDB's address by default; any TCP server, Redis say, for latencyMs alone) */
  constructor(private readonly target: { host: string; port: number } = { host: MYSQL_TARGET.hostname, port: Number(MYSQL_TARGET.port || 3306) }) {}

  private server: net.Server | null = null;
  private readonly pipes = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private commitTrap: (() => void) | null = null;
  private frozen = false;
  port = 0;
  /**
   * Added to each statement on its way to MariaDB (ms): a slower link, as between machines. Bytes
   * keep their order; 0 forwards them at once.
   */
  latencyMs = 0;
  /** Connections inside a transaction now (between START TRANSACTION and COMMIT or ROLLBACK), and the most at once. */
  inTransaction = 0;
  mostInTransaction = 0;
  /**
   * Each transaction that ended, as the wire saw it: the queries Parley sent in it (one round trip
   * each, from START TRANSACTION to COMMIT or ROLLBACK) and their text, joined. Cleared by the caller.
   */
  readonly transactions: { roundTrips: number; sql: string }[] = [];
  /** The text of each query sent (a COM_QUERY packet: one round trip), in a transaction or not, over every connection. */
  readonly queries: string[] = [];

  get isCut(): boolean {
    return this.server === null || this.frozen;
  }

  async listen(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair = { client, upstream };
      this.pipes.add(pair);
      for (const s of [client, upstream]) {
        s.on("close", () => this.pipes.delete(pair));
        s.on("error", () => undefined); // resets are the point of this proxy
      }
      let commitSent = false;
      // The answer to the COMMIT's query so far: a multi-statement query's answer is one OK packet
      // per statement, and only the last (no "more results" flag) says the COMMIT is done.
      let answer = Buffer.alloc(0);
      // Chunks on their way (latencyMs), in order, sent by one timer.
      const slow: { at: number; d: Buffer }[] = [];
      const drain = (): void => {
        while (slow.length > 0 && slow[0]!.at <= Date.now()) {
          const { d } = slow.shift()!;
          if (!upstream.destroyed) upstream.write(d);
        }
        if (slow.length > 0) setTimeout(drain, slow[0]!.at - Date.now());
      };
      let open = false;
      let roundTrips = 0;
      let sql: string[] = [];
      const settle = (): void => {
        if (open) this.inTransaction--;
        open = false;
      };
      client.on("close", settle);
      client.on("data", (d: Buffer) => {
        if (this.frozen) return;
        if (this.commitTrap && isCommit(d)) commitSent = true;
        if (d.includes(START_QUERY) && !open) {
          open = true;
          this.mostInTransaction = Math.max(this.mostInTransaction, ++this.inTransaction);
          roundTrips = 0;
          sql = [];
        }
        // A query's packet: its length (3 bytes), sequence 0, COM_QUERY (0x03).
        if (d.length > 4 && d[3] === 0 && d[4] === 0x03) this.queries.push(d.subarray(5).toString("utf8"));
        if (open && d.length > 4 && d[3] === 0 && d[4] === 0x03) {
          roundTrips++;
          sql.push(d.subarray(5).toString("utf8"));
        }
        if (open && (isCommit(d) || d.includes(ROLLBACK_QUERY))) this.transactions.push({ roundTrips, sql: sql.join("\n") });
        if (isCommit(d) || d.includes(ROLLBACK_QUERY)) settle();
        if (this.latencyMs <= 0 && slow.length === 0) return void upstream.write(d);
        slow.push({ at: Date.now() + this.latencyMs, d });
        if (slow.length === 1) setTimeout(drain, this.latencyMs);
      });
      upstream.on("data", (d: Buffer) => {
        if (this.frozen) return;
        const trap = this.commitTrap;
        if (commitSent && trap) {
          answer = Buffer.concat([answer, d]);
          if (!answersEnded(answer)) return;
          // MariaDB has committed and answered; Parley will never see the answer.
          this.commitTrap = null;
          this.cut();
          trap();
          return;
        }
        client.write(d);
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** MariaDB "stops": open connections are reset (like a crash), new ones refused. */
  cut(): void {
    assert.ok(this.server, "proxy already cut");
    this.server.close();
    this.server = null;
    // Parley's side gets a reset, like a crashed server's; MariaDB's side just closes (it rolls
    // back what was not committed). A socket already shutting down cannot be reset (libuv refuses,
    // and the handle would never close): it is only destroyed.
    for (const { client, upstream } of this.pipes) {
      if (client.readyState === "open" && !client.writableEnded) client.resetAndDestroy();
      else client.destroy();
      upstream.destroy();
    }
    this.pipes.clear();
  }

  /**
   * MariaDB (or the network to it) hangs: connections stay open and new ones are accepted, but
   * no byte goes through either way, and nothing is reset. `restore()` resets them and reopens.
   */
  freeze(): void {
    this.frozen = true;
  }

  /** Resolves once the next COMMIT has been answered by MariaDB and the proxy cut before Parley saw it. */
  cutAfterNextCommit(): Promise<void> {
    return new Promise((resolve) => (this.commitTrap = resolve));
  }

  /** MariaDB is back, on the same port (after a freeze: the stalled connections are reset first). */
  restore(): Promise<void> {
    if (this.frozen) {
      this.frozen = false;
      this.cut();
    }
    return this.listen();
  }

  close(): void {
    this.commitTrap = null;
    this.frozen = false;
    this.server?.close();
    this.server = null;
    for (const { client, upstream } of this.pipes) client.destroy(), upstream.destroy();
    this.pipes.clear();
  }
}

/** Whether `data` (a query's answer so far) holds its last packet: an error, or an OK without SERVER_MORE_RESULTS_EXISTS. */
function answersEnded(data: Buffer): boolean {
  let at = 0;
  while (at + 4 <= data.length) {
    const length = data.readUIntLE(at, 3);
    if (at + 4 + length > data.length) return false;
    const payload = data.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (payload[0] === 0xff) return true;
    if (payload[0] !== 0x00) continue;
    let i = 1;
    for (let n = 0; n < 2; n++) i += lengthOfLenenc(payload[i]!); // affected rows, last insert id
    if ((payload.readUInt16LE(i) & 0x0008) === 0) return true;
  }
  return false;
}

/** Bytes a length-encoded integer takes, from its first byte. */
function lengthOfLenenc(first: number): number {
  return first < 0xfb ? 1 : first === 0xfc ? 3 : first === 0xfd ? 4 : 9;
}
