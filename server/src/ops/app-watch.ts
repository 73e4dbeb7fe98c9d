import type { Services } from "../services.js";

/** How often a node looks for apps changed by the CLI (another process, maybe another host). */
export const APP_WATCH_INTERVAL_MS = 5000;

/** As much of the Socket.IO server as the watcher uses: this node's sockets and their app. */
export interface LocalSockets {
  of(nsp: "/"): { sockets: Map<string, { data: { appId?: string }; disconnect(close?: boolean): unknown }> };
}

/**
 * Applies the CLI's app changes on a running node within seconds: a changed or deleted app's
 * cached copy is dropped (new origins, a rotated secret, a disable or a delete apply to the next
 * request), and the sockets of a disabled or deleted app are closed; their reconnects are refused
 * at the handshake. Without it the same happens when the app cache expires (30 s), except for
 * sockets already open. Each poll reads every app's id and `updatedAt` (a small table, no clock
 * comparisons across hosts). Returns a stop function.
 */
export function watchAppChanges(services: Pick<Services, "db" | "apps" | "logger">, io: LocalSockets, intervalMs = APP_WATCH_INTERVAL_MS): () => void {
  let known: Map<string, string> | undefined;
  let running = false;
  const poll = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const rows: { id: string; updatedAt: number | string; disabledAt: number | string | null }[] = await services.db.query(
        "SELECT id, updatedAt, disabledAt FROM apps",
      );
      const now = new Map(rows.map((r) => [r.id, `${Number(r.updatedAt)}:${r.disabledAt === null ? "" : "disabled"}`]));
      if (known) {
        for (const [id, state] of now) {
          if (known.get(id) === state) continue;
          services.apps.forget(id);
          if (state.endsWith("disabled")) closeSocketsOf(io, id);
        }
        for (const id of known.keys()) {
          if (now.has(id)) continue;
          services.apps.forget(id);
          closeSocketsOf(io, id);
        }
      }
      known = now;
    } catch (err) {
      services.logger.warn({ err }, "app change watch failed; retrying");
    } finally {
      running = false;
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function closeSocketsOf(io: LocalSockets, appId: string): void {
  for (const socket of io.of("/").sockets.values()) if (socket.data.appId === appId) socket.disconnect(true);
}
