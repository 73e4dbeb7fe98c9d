import type { ReactiveController, ReactiveControllerHost } from "lit";
import { io, type Socket } from "socket.io-client";
import type { ConsoleFeedEvents, Report } from "@parley/sdk/protocol";

/**
 * The console feed, a Socket.IO namespace on this server (/console): signed in by this page's
 * session cookie, from this page's origin, it brings each report filed or settled in the apps the
 * account moderates. Open while its host is in the page; `live` says whether it is connected.
 */
export class ReportFeed implements ReactiveController {
  /** Whether the feed is connected now. */
  live = false;
  private socket: Socket<ConsoleFeedEvents> | null = null;
  private readonly host: ReactiveControllerHost;
  private readonly onReport: (appId: string, report: Report) => void;

  constructor(host: ReactiveControllerHost, onReport: (appId: string, report: Report) => void) {
    this.host = host;
    this.onReport = onReport;
    host.addController(this);
  }

  hostConnected(): void {
    if (this.socket) return;
    const socket: Socket<ConsoleFeedEvents> = io("/console", { transports: ["websocket"], withCredentials: true });
    socket.on("connect", () => this.set(true));
    socket.on("disconnect", () => this.set(false));
    socket.on("connect_error", () => this.set(false));
    socket.on("report", ({ appId, report }) => this.onReport(appId, report));
    this.socket = socket;
  }

  hostDisconnected(): void {
    this.socket?.close();
    this.socket = null;
    this.live = false;
  }

  private set(live: boolean): void {
    this.live = live;
    this.host.requestUpdate();
  }
}
