/**
 * The realtime scenarios on one target (the relay or Parley): its clients, DMs and groups seeded
 * (Parley) or named (the relay), connected once for the 1:1 ladders and the group fan-out rows;
 * then the big group, on sockets of its own.
 */
import bcrypt from "bcrypt";
import { seedDms, seedGroup, seedUsers } from "../seed.js";
import type { ClientSpec } from "../worker.js";
import { connectReported, disconnectAll, type Worker } from "../harness/load.js";
import { sleep } from "../harness/measure.js";
import { JWT_SECRET, SIZE, WORKERS, want } from "../harness/options.js";
import type { Target } from "../harness/processes.js";
import { bigGroupScenario, groupRow, smallGroupsRow } from "./group.js";
import { ladder } from "./ladder.js";

/** `oneToOneOnly`: the 1:1 ladder alone (the relay with a journal: its typing and groups are the relay's). */
export async function realtimeScenarios(workers: Worker[], target: Target, oneToOneOnly = false): Promise<void> {
  const n = SIZE.clients;
  let users: { id: string; token?: string }[];
  let dmConvs: string[];
  let groupConv: string;
  const groupSize = SIZE.groupMembers;
  // Also 10 smaller groups of groupSize / 10 members each (members 0.., disjoint).
  const smallSize = Math.floor(groupSize / 10);
  let smallConvs: string[];
  if (target.kind === "parley") {
    const db = target.db!;
    const hash = await bcrypt.hash("bench-password", 10);
    const seeded = await seedUsers(db, target.appId!, Math.max(n, groupSize), { jwtSecret: JWT_SECRET, passwordHash: hash, prefix: "rt" });
    users = seeded;
    dmConvs = await seedDms(
      db,
      target.appId!,
      Array.from({ length: n / 2 }, (_, k) => [seeded[2 * k]!.id, seeded[2 * k + 1]!.id] as [string, string]),
    );
    groupConv = await seedGroup(
      db,
      target.appId!,
      "Bench group",
      seeded.slice(0, groupSize).map((u) => u.id),
    );
    smallConvs = [];
    for (let g = 0; g < 10; g++)
      smallConvs.push(
        await seedGroup(
          db,
          target.appId!,
          `Small group ${g}`,
          seeded.slice(g * smallSize, (g + 1) * smallSize).map((u) => u.id),
        ),
      );
  } else {
    users = Array.from({ length: Math.max(n, groupSize) }, (_, i) => ({ id: `u${i}` }));
    dmConvs = Array.from({ length: n / 2 }, (_, k) => `dm${k}`);
    groupConv = "group";
    smallConvs = Array.from({ length: 10 }, (_, g) => `small${g}`);
  }
  const clients: ClientSpec[] = users.map((u, i) => {
    const rooms = [...(i < n ? [dmConvs[Math.floor(i / 2)]!] : []), ...(i < groupSize ? [groupConv, smallConvs[Math.floor(i / smallSize)]!] : [])];
    return target.kind === "parley" ? { userId: u.id, token: u.token! } : { userId: u.id, rooms };
  });
  // DM pairs share a worker (typing latency is matched in-process); pair k on worker k % W.
  const assign = (i: number): number => Math.floor(i / 2) % WORKERS;
  const conn = await connectReported(workers, target, clients, assign);
  const dmSenders = Array.from({ length: n }, (_, i) => ({ ...conn.local[i]!, conv: dmConvs[Math.floor(i / 2)]! }));
  await sleep(1000);
  if (want("one-to-one")) await ladder(workers, target, "message", dmSenders);
  if (want("typing") && !oneToOneOnly) await ladder(workers, target, "typing", dmSenders);
  if (want("group") && !oneToOneOnly) {
    // One sender (member 0) at 10 msg/s; every other member's socket should get each message.
    const sender = [{ ...conn.local[0]!, conv: groupConv }];
    await groupRow(workers, target, groupSize, sender);
    // Ten groups at once: member 0 of each sends 10 msg/s (100 msg/s in all).
    const senders = smallConvs.map((conv, g) => ({ ...conn.local[g * smallSize]!, conv }));
    await smallGroupsRow(workers, target, smallSize, senders);
  }
  await disconnectAll(workers);
  if (want("group") && !oneToOneOnly) await bigGroupScenario(workers, target);
}
