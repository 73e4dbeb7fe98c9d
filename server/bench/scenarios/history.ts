/**
 * History (`--only history`): 50-message pages of one long conversation, newest and deep, and the
 * conversation list of a user with SIZE.convList conversations.
 */
import { seedDms, seedGroup, seedHistory, seedLastMessages, seedUsers } from "../seed.js";
import { httpLatency, log, now, sampler } from "../harness/measure.js";
import { JWT_SECRET, SIZE } from "../harness/options.js";
import type { Target } from "../harness/processes.js";
import { addGetRow } from "../harness/report.js";

export async function historyScenarios(target: Target): Promise<void> {
  const db = target.db!;
  const [reader, other] = await seedUsers(db, target.appId!, 2, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "hist" });
  const conv = await seedGroup(db, target.appId!, "History", [reader!.id, other!.id]);
  const t0 = now();
  const [minId, maxId] = await seedHistory(db, target.appId!, conv, [reader!.id, other!.id], SIZE.history);
  const seedSec = (now() - t0) / 1000;
  log(`${target.name}: seeded ${SIZE.history} messages in ${seedSec.toFixed(1)} s`);
  const smp = sampler(target.pid);
  const latest = await httpLatency(target.url, reader!.token, () => `/v1/conversations/${conv}/messages?limit=50`, SIZE.httpReqs);
  const deep = await httpLatency(
    target.url,
    reader!.token,
    () => `/v1/conversations/${conv}/messages?limit=50&before=${minId + 50 + Math.floor(Math.random() * (maxId - minId - 50))}`,
    SIZE.httpReqs,
  );
  const srv = smp.stop();
  for (const [label, r] of [
    ["newest page", latest],
    ["random deep page", deep],
  ] as const) {
    addGetRow(`History 50-msg page (${SIZE.history.toLocaleString("en")} msgs), ${label}`, target.name, r, srv, { seedSec });
  }
  // Conversation list of a user with 500 conversations (each with a last message).
  const peers = await seedUsers(db, target.appId!, SIZE.convList + 1, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "list" });
  const me = peers.shift()!;
  const ids = await seedDms(
    db,
    target.appId!,
    peers.map((p) => [me.id, p.id] as [string, string]),
  );
  await seedLastMessages(
    db,
    target.appId!,
    ids.map((id, i) => ({ id, sender: peers[i]!.id })),
  );
  const smp2 = sampler(target.pid);
  const list = await httpLatency(target.url, me.token, () => `/v1/conversations`, SIZE.httpReqs);
  const list100 = await httpLatency(target.url, me.token, () => `/v1/conversations?limit=100`, SIZE.httpReqs);
  const srv2 = smp2.stop();
  for (const [label, r] of [
    ["default page (20)", list],
    ["limit=100", list100],
  ] as const) {
    addGetRow(`Conversation list (${SIZE.convList} convs), ${label}`, target.name, r, srv2);
  }
}
