import type { z } from "zod";
import { commaList } from "./comma-list.js";

/**
 * Settings of a server that runs on several nodes: the database's read replicas
 * (DATABASE_REPLICA_URLS) and a Redis Cluster's seed nodes (REDIS_CLUSTER_NODES), each read by
 * config.ts's schema through the parser here, every bad item named (without its password).
 */

/** A URL as a message may show it: without its password (the part between "//user:" and "@"). */
const withoutPassword = (url: string): string => url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");

/** DATABASE_REPLICA_URLS: mysql:// URLs of the primary's database, `mariadb:` read as `mysql:`. */
export function replicaUrls(v: string, ctx: z.RefinementCtx<string>): string[] {
  const list = commaList(v);
  for (const item of list) {
    if (!/^(mysql|mariadb):\/\/[^/]+\/[^/?]+/.test(item)) {
      const shown = withoutPassword(item);
      ctx.addIssue({ code: "custom", message: `"${shown}" is not a replica: mysql://user:pass@host:3306/database (the primary's database, replicated)` });
    }
  }
  if (list.length === 0) ctx.addIssue({ code: "custom", message: "give at least one replica, e.g. mysql://reader@10.0.0.2:3306/parley" });
  return list.map((x) => x.replace(/^mariadb:/, "mysql:"));
}

/** REDIS_CLUSTER_NODES: redis:// or rediss:// seeds (not a mix), each a host and port without a database. */
export function redisClusterSeeds(v: string, ctx: z.RefinementCtx<string>): string[] {
  const list = commaList(v);
  const protocols = new Set<string>();
  for (const item of list) {
    let ok = false;
    try {
      const u = new URL(item);
      ok = (u.protocol === "redis:" || u.protocol === "rediss:") && u.hostname !== "" && (u.pathname === "" || u.pathname === "/");
      if (ok) protocols.add(u.protocol);
    } catch {
      ok = false;
    }
    const shown = withoutPassword(item);
    if (!ok)
      ctx.addIssue({
        code: "custom",
        message: `"${shown}" is not a seed node: redis://host:port or rediss://host:port (no /db: a cluster has database 0 only)`,
      });
  }
  if (list.length === 0) ctx.addIssue({ code: "custom", message: "give at least one seed node, e.g. redis://10.0.0.1:7000,redis://10.0.0.2:7000" });
  if (protocols.size > 1) ctx.addIssue({ code: "custom", message: "mix of redis:// and rediss:// seeds" });
  return list;
}
