import type { IncomingMessage } from "node:http";
import type { Namespace } from "socket.io";
import type { ConsoleFeedEvents } from "@parley/sdk/protocol";
import type { ConsoleCaller } from "../console/caller.js";
import type { ConsoleAccess } from "../console/access.js";
import { COOKIE } from "../console/console.guard.js";
import type { ConsoleMembers } from "../console/console-members.service.js";
import type { ConsoleService } from "../console/console.service.js";
import { deadlineOf } from "../console/sessions.js";
import type { ModerationService } from "../moderation/moderation.service.js";
import { AppError } from "../shared/errors.js";

export interface ConsoleFeedDeps {
  console: Pick<ConsoleService, "callerOf" | "onSessionsEnded" | "sessionDeadline" | "standing">;
  consoleMembers: Pick<ConsoleMembers, "onRoleChanged" | "onOperatorChanged">;
  consoleAccess: Pick<ConsoleAccess, "ready">;
  moderation: Pick<ModerationService, "onReport">;
}

/** What a feed socket's handshake found: its session, account, and when the session lapses. */
interface FeedData {
  sessionId: string;
  accountId: string;
  deadline: number;
}

type FeedNamespace = Namespace<Record<string, never>, ConsoleFeedEvents, Record<string, never>, FeedData>;

const appRoom = (appId: string): string => `console:app:${appId}`;
const sessionRoom = (id: string): string => `console:session:${id}`;
const accountRoom = (id: string): string => `console:account:${id}`;
/** The app rooms of a role: the roles that work the report queue hear it. */
const hears = (role: string | null): boolean => role !== null && role !== "viewer";
/** A lapse is looked for this long after the deadline, so that the clock has passed it. */
const LAPSE_SLACK_MS = 250;
/** Operators hear every app. */
const OPERATORS = "console:operators";

/** The rooms an account's standing puts its sockets in: the apps it moderates, and the operators'. */
const standingRooms = (operator: boolean, roles: Iterable<[string, string]>): string[] => [
  ...[...roles].filter(([, role]) => hears(role)).map(([appId]) => appRoom(appId)),
  ...(operator ? [OPERATORS] : []),
];
const isStandingRoom = (room: string): boolean => room === OPERATORS || room.startsWith("console:app:");

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
 * session ends on any node (signed out, ended from the list, replaced, expired), its sockets close;
 * a role changed on any node moves them in or out of that app's room.
 */
export function attachConsoleFeed(io: { of(name: string): unknown }, deps: ConsoleFeedDeps): { ns: FeedNamespace; detach: () => void } {
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
      socket.data = { sessionId: caller.session.id, accountId: caller.account.id, deadline: deadlineOf(caller.session) };
      socket.join([sessionRoom(caller.session.id), accountRoom(caller.account.id), ...standingRooms(caller.account.operator, caller.roles)]);
      next();
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError("unauthenticated", "Handshake refused");
      next(Object.assign(new Error(e.message), { data: { code: e.code } }));
    }
  });
  // A session that lapses (idle, or at its absolute end) while only its feed is open ends when it
  // does, not at the page's next request: each socket looks again at its session's deadline.
  ns.on("connection", (socket) => {
    let timer: NodeJS.Timeout | undefined;
    const watch = (at: number): void => {
      timer = setTimeout(() => void look(), Math.max(0, at - Date.now()) + LAPSE_SLACK_MS);
    };
    const look = async (): Promise<void> => {
      try {
        const at = await deps.console.sessionDeadline(socket.data.sessionId);
        if (at === null) socket.disconnect(true);
        else if (socket.connected) watch(at);
      } catch {
        // The database is away: look again in a minute (the session is checked at every request anyway).
        if (socket.connected) watch(Date.now() + 60_000);
      }
    };
    watch(socket.data.deadline);
    socket.on("disconnect", () => clearTimeout(timer));
    void settle(socket);
  });
  /**
   * A role or flag changed between the handshake's read and now was announced to an account room
   * this socket was not yet reachable in (socketsJoin reaches connected sockets only): read the
   * standing again once connected, and join or leave what it says.
   */
  const settle = async (socket: (typeof ns)["sockets"] extends Map<string, infer S> ? S : never, tries = 3): Promise<void> => {
    // A change that lands while the standing is read would be undone by applying the older read:
    // then read again.
    let moved = false;
    const seen = (room: string, id: string): void => {
      if (id === socket.id && isStandingRoom(room)) moved = true;
    };
    ns.adapter.on("join-room", seen);
    ns.adapter.on("leave-room", seen);
    try {
      const read = deps.console.standing(socket.data.accountId).finally(() => {
        ns.adapter.off("join-room", seen);
        ns.adapter.off("leave-room", seen);
      });
      const { operator, roles, secondFactorMissing } = await read;
      if (moved && tries > 0) return settle(socket, tries - 1);
      if (secondFactorMissing) return void socket.disconnect(true);
      const want = new Set(standingRooms(operator, roles));
      const have = [...socket.rooms].filter(isStandingRoom);
      for (const room of have) if (!want.has(room)) socket.leave(room);
      socket.join([...want].filter((room) => !socket.rooms.has(room)));
    } catch {
      // The database is away: the handshake's rooms stand; a reconnect reads them again.
    }
  };
  /**
   * A standing that now asks for a second factor the account has not set up (made operator or
   * owner) closes its feeds, as every HTTP route then answers 403 (red team 4: a feed opened before
   * kept hearing every app's reports); a new one is refused at the handshake until it enrols.
   * Otherwise `move` puts the sockets in or out of the room the change concerns.
   */
  const restand = (accountId: string, grants: boolean, move: () => void): void => {
    if (!grants) return move();
    void deps.console.standing(accountId).then(
      ({ secondFactorMissing }) => (secondFactorMissing ? ns.in(accountRoom(accountId)).disconnectSockets(true) : move()),
      // The database is away: close rather than let a socket hear what its account may not.
      () => ns.in(accountRoom(accountId)).disconnectSockets(true),
    );
  };
  const stop = [
    // A role granted, changed or taken on any node moves the account's sockets in or out of the app's room…
    deps.consoleMembers.onRoleChanged((accountId, appId, role) =>
      restand(accountId, role === "owner" || hears(role), () => {
        if (hears(role)) ns.in(accountRoom(accountId)).socketsJoin(appRoom(appId));
        else ns.in(accountRoom(accountId)).socketsLeave(appRoom(appId));
      }),
    ),
    // …and an operator flag, in or out of the operators' room.
    deps.consoleMembers.onOperatorChanged((accountId, operator) =>
      restand(accountId, operator, () => {
        if (operator) ns.in(accountRoom(accountId)).socketsJoin(OPERATORS);
        else ns.in(accountRoom(accountId)).socketsLeave(OPERATORS);
      }),
    ),
    deps.moderation.onReport((appId, report) => ns.to([appRoom(appId), OPERATORS]).emit("report", { appId, report })),
    deps.console.onSessionsEnded((ids) => ns.in(ids.map(sessionRoom)).disconnectSockets(true)),
  ];
  return { ns, detach: () => stop.forEach((off) => off()) };
}
