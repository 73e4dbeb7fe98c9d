import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { createLocalFirstAdapter } from "../scale/streams-adapter.js";
import type { Ack, ChatEvent, ClientToServerEvents, ServerToClientEvents } from "@parley/sdk/protocol";
import { ContactEntity } from "../contacts/contact.entities.js";
import { fromDatabaseError } from "../db/db-errors.js";
import { parse } from "../http/validate.js";
import type { Services } from "../services.js";
import { AppError, notFound } from "../shared/errors.js";
import { isOriginAllowed } from "../tenancy/apps.service.js";
import { readEvent, sendEvent, typingEvent } from "./socket-schema.js";

export interface SocketData {
  appId: string;
  userId: string;
  sessionId: string;
}

type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ParleyIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const userRoom = (id: string): string => `user:${id}`;
export const convRoom = (id: string): string => `conv:${id}`;
export const sessionRoom = (id: string): string => `session:${id}`;

/** Socket frames are small: uploads go over HTTP. */
const MAX_FRAME_BYTES = 64 * 1024;
/** Typing is relayed at most this often per socket and conversation. */
const TYPING_THROTTLE_MS = 1000;

/**
 * Attaches Socket.IO to the HTTP server: handshake auth (token, live session, app origin),
 * rooms (`user:<id>` and one per conversation), the client commands, and the broadcaster
 * that turns committed events into socket messages.
 */
export function attachRealtime(httpServer: HttpServer, services: Services): ParleyIo {
  const io: ParleyIo = new Server(httpServer, {
    maxHttpBufferSize: MAX_FRAME_BYTES,
    // Origins are checked per app in the middleware below; this only answers CORS for polling.
    cors: { origin: true },
    serveClient: false,
    // Several nodes: room broadcasts, socketsJoin and fetchSockets go through a Redis stream,
    // which every node reads from its last offset, so a short Redis outage loses nothing.
    ...(services.redis
      ? { adapter: createLocalFirstAdapter(services.redis.adapter, { streamName: `${services.config.redisPrefix}socket.io`, channelPrefix: `${services.config.redisPrefix}socket.io` }) }
      : {}),
  });

  io.use(async (socket, next) => {
    try {
      socket.data = await authenticate(socket, services);
      // Rooms are joined here, before "connection": handlers then attach synchronously, so a
      // command sent right after connecting is never missed, and no event is either.
      const ids = await services.membership.conversationIds(socket.data.appId, socket.data.userId);
      socket.join([userRoom(socket.data.userId), sessionRoom(socket.data.sessionId), ...ids.map(convRoom)]);
      next();
    } catch (err) {
      // A database outage is "try again later" (the SDK keeps reconnecting), not "signed out".
      const e = err instanceof AppError ? err : (fromDatabaseError(err) ?? new AppError("unauthenticated", "Handshake refused"));
      next(Object.assign(new Error(e.message), { data: { code: e.code } }));
    }
  });

  const perSocket = new RateLimiterMemory({ points: 30, duration: 1, keyPrefix: "socket" });

  io.on("connection", (socket: ParleySocket) => {
    const { appId, userId } = socket.data;
    services.presence.connected(appId, userId, socket.id);
    socket.on("disconnect", () => services.presence.disconnected(appId, userId, socket.id));

    const lastTyping = new Map<string, number>();
    const limited = async (): Promise<void> => {
      try {
        await perSocket.consume(socket.id);
      } catch {
        throw new AppError("rate_limited", "Too many events; slow down");
      }
    };

    socket.on("message.send", (raw, ack) =>
      withAck(ack, async () => {
        await limited();
        const req = parse(sendEvent, raw);
        const { conversationId, ...input } = req;
        return (await services.messages.send(appId, userId, conversationId, input)).message;
      }),
    );

    socket.on("read", (raw, ack) =>
      withAck(ack, async () => {
        await limited();
        const req = parse(readEvent, raw);
        await services.messages.markRead(appId, userId, req.conversationId, req.messageId);
        return null;
      }),
    );

    socket.on("typing", (raw, ack) =>
      withAck(ack, async () => {
        await limited();
        const req = parse(typingEvent, raw);
        const now = Date.now();
        if (req.typing && now - (lastTyping.get(req.conversationId) ?? 0) < TYPING_THROTTLE_MS) return null;
        // The socket's rooms are its memberships (joined at the handshake and on member.added,
        // left on member.removed, on every node): no query per keystroke. Not a member: 404.
        if (!socket.rooms.has(convRoom(req.conversationId))) throw notFound("Conversation");
        lastTyping.set(req.conversationId, req.typing ? now : 0);
        socket.to(convRoom(req.conversationId)).emit("typing", { conversationId: req.conversationId, userId, typing: req.typing });
        return null;
      }),
    );
  });

  // A session that ends (logout, stolen refresh token) loses its live sockets at once, on every
  // node (fetchSockets goes through the adapter). Their reconnect is refused at the handshake.
  // Every socket of a session is in its session room: one adapter operation drops them on every
  // node, and on this node at once even while Redis is down (see scale/streams-adapter.ts).
  services.auth.onSessionRevoked((_appId, _userId, sessionId) => {
    io.in(sessionRoom(sessionId)).disconnectSockets(true);
  });

  services.events.setBroadcaster({ publish: (_appId, events) => broadcast(io, events) });
  services.presence.onChange((appId, p) => {
    presenceAudience(services, appId, p.userId).then(
      (rooms) => rooms.length > 0 && io.to(rooms).emit("presence", p),
      (err: unknown) => services.logger.warn({ err }, "presence audience lookup failed"),
    );
  });
  return io;
}

async function authenticate(socket: ParleySocket, services: Services): Promise<SocketData> {
  const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof token !== "string" || token.length === 0 || token.length > 4096) {
    throw new AppError("unauthenticated", "Pass { auth: { token } } with an access token");
  }
  const claims = services.tokens.verifyAccess(token);
  const app = await services.apps.find(claims.appId);
  if (!app) throw new AppError("invalid_token", "Invalid access token");
  // cors.origin does not stop a handshake from a foreign page: check the app's list here.
  const origin = socket.handshake.headers.origin;
  if (origin && !isOriginAllowed(app, origin)) throw new AppError("origin_not_allowed", "This origin is not allowed for this app");
  if (!(await services.auth.isSessionActive(claims.sessionId))) throw new AppError("invalid_token", "This session has ended");
  return { appId: claims.appId, userId: claims.userId, sessionId: claims.sessionId };
}

/** Runs a command and always answers its ack: the data, or the error body (never a stack). */
async function withAck<T>(ack: ((res: Ack<T>) => void) | undefined, fn: () => Promise<T>): Promise<void> {
  let res: Ack<T>;
  try {
    res = { ok: true, data: await fn() };
  } catch (err) {
    // A database outage is a retryable `service_unavailable`, never a false ok or a bare `internal`.
    const e = err instanceof AppError ? err : (fromDatabaseError(err) ?? new AppError("internal", "Internal server error"));
    res = { ok: false, error: e.toBody().error };
  }
  if (typeof ack === "function") ack(res);
}

/**
 * Committed events to sockets. New members' sockets (every device, every node with the Redis
 * adapter) join the room before the event is sent, so the first message of a new DM arrives live.
 */
function broadcast(io: ParleyIo, events: ChatEvent[]): void {
  for (const e of events) {
    const room = e.conversationId ? convRoom(e.conversationId) : null;
    if (room && e.type === "conversation.created") {
      io.in(e.data.conversation.members.map((m) => userRoom(m.userId))).socketsJoin(room);
    }
    if (room && e.type === "member.added") {
      io.in(e.data.members.map((m) => userRoom(m.userId))).socketsJoin(room);
    }
    const targets = [room, e.userId ? userRoom(e.userId) : null].filter((r): r is string => r !== null);
    if (targets.length) (io.to(targets).emit as (ev: string, payload: ChatEvent) => boolean)(e.type, e);
    if (room && e.type === "member.removed") io.in(userRoom(e.data.userId)).socketsLeave(room);
  }
}

/** Presence goes to the user's contacts and to everyone they share a conversation with. */
async function presenceAudience(services: Services, appId: string, userId: string): Promise<string[]> {
  const [convs, contacts] = await Promise.all([
    services.membership.conversationIds(appId, userId),
    services.db.getRepository(ContactEntity).find({ select: { contactId: true }, where: { appId, userId } }),
  ]);
  return [...convs.map(convRoom), ...contacts.map((c) => userRoom(c.contactId))];
}
