/**
 * The bench's command line and sizes, read once: which scenarios run (`want`), on which
 * databases, against which peer, and how big each scenario is (full or `--quick`).
 */
import { randomBytes } from "node:crypto";

const args = process.argv.slice(2);
export const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
export const QUICK = args.includes("--quick");
export const ONLY = flag("--only")?.split(",");
export const DBS = (flag("--db") ?? "sqlite,mysql").split(",") as ("sqlite" | "mysql")[];
export const MYSQL_ADMIN = process.env["PARLEY_BENCH_MYSQL_URL"] ?? "mysql://root@127.0.0.1:3306";
/** --db-latency <ms>: Parley reaches MariaDB through a proxy that adds this much to each round trip (db-latency.ts). */
export const DB_LATENCY_MS = Number(flag("--db-latency") ?? 0);
/**
 * --relay-journal: after the relay, the same relay appending each send to a SQLite journal before
 * its ack, bare and with two indexes (relay.ts): the floor of a durable send on this box (issue 56).
 */
export const RELAY_JOURNAL = args.includes("--relay-journal");
/**
 * --statement-times: Parley/SQLite runs with a timer around each of better-sqlite3's statements
 * (statement-times.ts); each server's sums by statement are printed and kept in the JSON.
 */
export const STATEMENT_TIMES = args.includes("--statement-times");
/** --loop-lag: each ladder step also reports how long Parley's thread stood still and its slow commits (server-waits.ts). */
export const LOOP_LAG = args.includes("--loop-lag");
/** The admin URL as printed: without its password. */
export const MYSQL_SHOWN = MYSQL_ADMIN.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
// --peer ejabberd: the same 1:1 ladder against ejabberd (ejabberd.ts). The only peer so far.
const PEERS = ["ejabberd"] as const;
export const PEER = flag("--peer");
if (PEER !== undefined && !(PEERS as readonly string[]).includes(PEER)) {
  process.stderr.write(`--peer ${PEER}: unknown peer (known: ${PEERS.join(", ")})\n`);
  process.exit(2);
}
export const JWT_SECRET = `bench-${randomBytes(24).toString("hex")}`;
export const WORKERS = 2;
export const P99_LIMIT_MS = 50;
export const SIZE: {
  clients: number;
  rates: number[];
  stepMs: number;
  groupMembers: number;
  /** The big group (issue 34: 5,000 members at 10 msg/s, p99 <= 100 ms): its members seeded and connected for that row only. */
  bigGroupMembers: number;
  /** The group whose members come online at once (issue 56: 1,500 in under 3 s, frames per member bounded). */
  onlineGroupMembers: number;
  groupSecs: number;
  idle: number;
  history: number;
  convList: number;
  loginSecs: number;
  httpReqs: number;
  syncEvents: number;
  quietUsers: number;
  syncGroupMessages: number;
  searchMessages: number;
} = QUICK
  ? {
      clients: 100,
      rates: [250, 1000, 2000],
      stepMs: 1500,
      groupMembers: 100,
      bigGroupMembers: 500,
      onlineGroupMembers: 200,
      groupSecs: 2,
      idle: 1000,
      history: 20_000,
      convList: 500,
      loginSecs: 2,
      httpReqs: 50,
      syncEvents: 20_000,
      quietUsers: 50,
      syncGroupMessages: 20,
      searchMessages: 100_000,
    }
  : {
      clients: 1000,
      // To 10,000/s, the top issue 56 asks of the 1:1 ladder (each target stops at its first failed step).
      rates: [500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000],
      stepMs: 5000,
      groupMembers: 1000,
      bigGroupMembers: 5000,
      onlineGroupMembers: 1500,
      groupSecs: 10,
      idle: 10_000,
      history: 1_000_000,
      convList: 500,
      loginSecs: 5,
      httpReqs: 300,
      syncEvents: 1_000_000,
      quietUsers: 50,
      syncGroupMessages: 100,
      searchMessages: 1_000_000,
    };
// --rates 1000,2000 replaces the 1:1/typing ladder (for development; the table says which rates ran).
const RATES = flag("--rates")
  ?.split(",")
  .map(Number)
  .filter((n) => Number.isFinite(n) && n > 0);
if (RATES?.length) SIZE.rates = RATES;
// --big-group 2000 replaces the big group's size (for development; the row says its size).
const BIG_GROUP = Number(flag("--big-group"));
if (Number.isInteger(BIG_GROUP) && BIG_GROUP >= 2) SIZE.bigGroupMembers = BIG_GROUP;
export const DRAIN_MS = 3000;
export const PER_SOCKET_LIMIT = 30;
/** The server's typing throttle (TYPING_THROTTLE_MS in server/src/realtime/realtime.ts). */
export const TYPING_THROTTLE_MS = 1000;
/** Whether `--only` names the scenario (all run without `--only`). */
export const want = (s: string): boolean => !ONLY || ONLY.includes(s);
