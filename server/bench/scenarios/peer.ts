/**
 * The peer (`--peer ejabberd`): the distribution's ejabberd (ejabberd.ts), its archive on the same
 * MariaDB, driven over XMPP websockets by the same workers through the same 1:1 ladder; or, when
 * it cannot run, one line saying why.
 */
import { type EjabberdInstall, ejabberdPreflight, startEjabberd } from "../ejabberd.js";
import type { ClientSpec } from "../worker.js";
import { connectReported, disconnectAll, type Worker } from "../harness/load.js";
import { log, sleep } from "../harness/measure.js";
import { MYSQL_ADMIN, MYSQL_SHOWN, SIZE, WORKERS, want } from "../harness/options.js";
import { peers, type Target } from "../harness/processes.js";
import { ladder } from "./ladder.js";

/** What the JSON says of the peer: version, database, generated config; or why it was skipped. */
export interface PeerInfo {
  name: string;
  skipped?: string;
  version?: string;
  database?: string;
  config?: string;
}

/** Runs the ejabberd peer, or logs why it is skipped (`skipped` in what it returns). */
export async function runPeer(workers: Worker[], mysqlUp: boolean): Promise<PeerInfo> {
  const info: PeerInfo = { name: "ejabberd" };
  // Checked in this order: a missing binary is said even when MariaDB is down too.
  const pre = ejabberdPreflight();
  let why: string | null = null;
  if ("missing" in pre) why = pre.missing;
  else if (!mysqlUp) why = `MariaDB at ${MYSQL_SHOWN} is unreachable (ejabberd's archive and users live there)`;
  else if (!want("one-to-one")) why = "it runs the 1:1 ladder only, and --only has no one-to-one";
  else {
    try {
      await ejabberdPeer(workers, pre.install, info);
    } catch (err) {
      why = `failed: ${err instanceof Error ? err.message : String(err)}`.replace(/\s+/g, " ").slice(0, 600);
    }
  }
  if (why) {
    log(`ejabberd: SKIPPED: ${why}`);
    info.skipped = why;
  }
  return info;
}

/** Starts ejabberd (its version, database and config into `info` once it is up), runs the ladder, stops it. */
async function ejabberdPeer(workers: Worker[], install: EjabberdInstall, info: PeerInfo): Promise<void> {
  const ejb = await startEjabberd({ install, mysqlAdmin: MYSQL_ADMIN, users: SIZE.clients, log, track: peers });
  Object.assign(info, { version: ejb.version, database: ejb.database, config: ejb.config });
  log(`ejabberd ${ejb.version}: listening at ${ejb.url}, beam.smp pid ${ejb.pid}, archive in ${ejb.database}`);
  try {
    await peerScenarios(workers, {
      name: "ejabberd",
      kind: "ejabberd",
      url: ejb.url,
      pid: ejb.pid,
      dbCpu: true,
      xmpp: { domain: ejb.domain, users: ejb.users, archiveRows: () => ejb.archiveRows() },
      stop: () => ejb.stop(),
    });
  } finally {
    await ejb.stop();
  }
}

/**
 * The ejabberd peer: the same clients and DM pairs as Parley's 1:1 ladder (user 2k and 2k+1 write
 * to each other; pair k on worker k % W), signed in over XMPP websockets, and the same ladder.
 * A DM is addressed to the partner's bare JID; the body carries the send time as Parley's text does.
 */
async function peerScenarios(workers: Worker[], target: Target): Promise<void> {
  const { domain, users } = target.xmpp!;
  const n = SIZE.clients;
  const jid = (i: number): string => `${users[i]!.user}@${domain}`;
  const clients: ClientSpec[] = Array.from({ length: n }, (_, i) => ({
    userId: jid(i),
    xmpp: { domain, user: users[i]!.user, password: users[i]!.password },
  }));
  const conn = await connectReported(workers, target, clients, (i) => Math.floor(i / 2) % WORKERS);
  const dmSenders = Array.from({ length: n }, (_, i) => ({ ...conn.local[i]!, conv: jid(i ^ 1) }));
  await sleep(1000);
  await ladder(workers, target, "message", dmSenders);
  if (want("typing") || want("group")) log(`${target.name}: the peer runs the 1:1 ladder only (no typing, no group fan-out)`);
  await disconnectAll(workers);
}
