import type { IncomingMessage } from "node:http";
import type { Namespace } from "socket.io";
import type { ConsoleFeedEvents } from "@parley/sdk/protocol";
import type { ConsoleCaller } from "../console/caller.js";
import type { ConsoleAccess } from "../console/access.js";
import { COOKIE } from "../console/console.guard.js";
import type { ConsoleService } from "../console/console.service.js";
import type { ModerationService } from "../moderation/moderation.service.js";
import { AppError } from "../shared/errors.js";

export interface ConsoleFeedDeps {
  console: Pick<ConsoleService, "callerOf" | "onSessionsEnded">;
  consoleAccess: Pick<ConsoleAccess, "ready">;
  moderation: Pick<ModerationService, "onReport">;
}

type FeedNamespace = Namespace<Record<string, never>, ConsoleFeedEvents>;

const appRoom = (appId: string): string => `console:app:${appId}`;
const sessionRoom = (id: string): string => `console:session:${id}`;
/** Operators hear every app. */
const OPERATORS = "console:operators";

/** The value of one cookie in a raw Cookie header. */
function cookie(req: IncomingMessage, name: string): string {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return "";
}

/**
 * The Origin must name this server (the host the browser connected to): a page of another site
 * cannot open a socket with the console's cookie (SameSite=Strict keeps it from being sent, and
 * this refuses it should a browser send it anyway).
 */
function fromOwnPage(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = (req.headers["x-forwarded-host"] as string | undefined)?.split(",")[0]?.trim() || req.headers.host;
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * The console's live feed (issue 32): the `/console` namespace. A console session's socket joins
 * the rooms of the apps its roles may moderate (operators: all), and hears each report filed or
 * settled there, on whichever node it was, through the same adapter as the chat's rooms. When a
 * session ends on any node (signed out, ended from the list, replaced, expired), its sockets close.
 */
export function attachConsoleFeed(io: { of(name: string): unknown }, deps: ConsoleFeedDeps): FeedNamespace {
  // The chat's server, typed for the chat's events: this namespace has its own.
  const ns = io.of("/console") as FeedNamespace;
  ns.use(async (socket, next) => {
    try {
      const req = socket.request;
      if (!fromOwnPage(req)) throw new AppError("forbidden", "The console's feed opens from the console's own page");
      const token = cookie(req, COOKIE);
      const ip = socket.handshake.address || "unknown";
      const caller: ConsoleCaller | null = token ? await deps.console.callerOf(token, { ip, userAgent: req.headers["user-agent"] ?? "" }) : null;
      if (!caller) throw new AppError("unauthenticated", "Sign in to the console first");
      deps.consoleAccess.ready(caller);
      const moderated = [...caller.roles].filter(([, role]) => role !== "viewer").map(([appId]) => appRoom(appId));
      socket.join([sessionRoom(caller.session.id), ...moderated, ...(caller.account.operator ? [OPERATORS] : [])]);
      next();
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError("unauthenticated", "Handshake refused");
      next(Object.assign(new Error(e.message), { data: { code: e.code } }));
    }
  });
  deps.moderation.onReport((appId, report) => ns.to([appRoom(appId), OPERATORS]).emit("report", { appId, report }));
  deps.console.onSessionsEnded((ids) => ns.in(ids.map(sessionRoom)).disconnectSockets(true));
  return ns;
}
