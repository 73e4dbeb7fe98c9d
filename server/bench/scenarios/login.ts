/** Login (`--only login`): password sign-ins at bcrypt cost 12, 8 at a time, on a Parley/SQLite of its own. */
import bcrypt from "bcrypt";
import { seedUsers } from "../seed.js";
import { now, pct, sampler } from "../harness/measure.js";
import { JWT_SECRET, SIZE } from "../harness/options.js";
import { startParley } from "../harness/processes.js";
import { addRow } from "../harness/report.js";

export async function loginScenario(): Promise<void> {
  const target = await startParley("sqlite", { BCRYPT_COST: "12" });
  try {
    const hash = await bcrypt.hash("bench-password", 12);
    const users = await seedUsers(target.db!, target.appId!, 50, { jwtSecret: JWT_SECRET, passwordHash: hash, prefix: "login" });
    const concurrency = 8;
    const lat: number[] = [];
    let errors = 0;
    let i = 0;
    const smp = sampler(target.pid);
    const t0 = now();
    const end = t0 + SIZE.loginSecs * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (now() < end && i < 100_000) {
          const u = users[i++ % users.length]!;
          const s = now();
          const r = await fetch(`${target.url}/v1/auth/login`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-parley-app": target.appId! },
            body: JSON.stringify({ email: u.email, password: "bench-password" }),
          });
          await r.arrayBuffer();
          if (r.ok) lat.push(now() - s);
          else errors++;
        }
      }),
    );
    const secs = (now() - t0) / 1000;
    const srv = smp.stop();
    lat.sort((a, b) => a - b);
    addRow({
      scenario: "Login (bcrypt cost 12)",
      target: target.name,
      load: `${concurrency} concurrent, ${SIZE.loginSecs} s`,
      throughput: `${(lat.length / secs).toFixed(1)} logins/s`,
      p50: pct(lat, 50),
      p95: pct(lat, 95),
      p99: pct(lat, 99),
      serverCpuPct: srv.cpuPct,
      serverMainCpuPct: srv.mainCpuPct,
      serverRssMb: srv.rssMb,
      genCpuPct: null,
      delivered: `${lat.length}/${lat.length + errors} 2xx`,
      result: errors ? "FAIL" : "OK",
    });
  } finally {
    await target.stop();
  }
}
