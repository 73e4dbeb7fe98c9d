import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { createShardedLocalFirstAdapter, type ShardedAdapter } from "../scale/sharded-adapter.js";
import type { Publishing } from "../scale/local-first.js";
import { createLocalFirstAdapter } from "../scale/streams-adapter.js";
import type { EventLog } from "../events/event-log.js";
import { replayMissed } from "./replay.js";
import { attachConsoleFeed, type ConsoleFeedDeps } from "./console-feed.js";
import { observeSockets } from "../ops/hooks.js";
import type { ChatEvent, ClientToServerEvents, EventOf, SendAck, ServerToClientEvents } from "@parley/sdk/protocol";
import { holderOf } from "../events/origin.js";
import { fromDatabaseError } from "../db/db-errors.js";
import { type CommandLog, withAck } from "./acks.js";
import { attachCallSockets } from "../calls/calls.socket.js";
import type { CallsService } from "../calls/calls.service.js";
import { attachStreamSockets } from "../messages/streaming.socket.js";
import type { StreamingService } from "../messages/streaming.js";
import type { DraftsService } from "../drafts/drafts.service.js";
import type { DataSource } from "typeorm";
import type { ReadReplicas } from "../db/read-replicas.js";
import type { AuthService } from "../auth/auth.service.js";
import type { TokenService } from "../auth/tokens.js";
import type { Config } from "../config.js";
import { blockersOf } from "../contacts/relations.js";
import type { MembershipGuard } from "../conversations/membership.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import * as messageSchemas from "../messages/messages.schema.js";
import type { MessagesService } from "../messages/messages.service.js";
import { PresenceAudience } from "../presence/presence.audience.js";
import { watchPresence, watchRoom } from "../presence/presence-watch.socket.js";
import type { PresenceService } from "../presence/presence.service.js";
import type { RedisConnections } from "../scale/redis.js";
import { readerOf, type UserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { consume, createLimiter } from "../shared/rate-limit.js";
import { parse } from "../shared/validate.js";
import { isOriginAllowed, type AppsService } from "../tenancy/apps.service.js";
import type { UsageService } from "../usage/usage.service.js";

export interface SocketData {
  appId: string;
  userId: string;
  sessionId: string;
  /** false: this socket's own sends' `message.new` travels in their acks, not as a frame (SocketAuth.ownEcho). */
  ownEcho: boolean;
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

/** What the realtime layer is built from. */
export interface RealtimeDeps {
  config: Pick<Readonly<Config>, "redisPrefix" | "socketsPerUserMax" | "socketCommandsPerSec" | "presenceGroupMax">;
  db: DataSource;
  logger: Logger;
  apps: AppsService;
  tokens: TokenService;
  auth: AuthService;
  membership: MembershipGuard;
  presence: PresenceService;
  messages: MessagesService;
  /** With a Redis Cluster: what sockets missed while a shard failed over is replayed from it (replay.ts). */
  events: Pick<EventLog, "since" | "seqBefore">;
  /** Committed events reach the sockets through it (the realtime layer is its publisher). */
  uow: UnitOfWork;
  redis?: RedisConnections | undefined;
  /** With read replicas: a command that wrote marks its user before its ack (db/read-replicas.ts). */
  replicas?: Pick<ReadReplicas, "wrote"> | undefined;
  /** Counts live connections for the console's usage charts (active users, socket peaks). */
  usage?: Pick<UsageService, "socketOpened" | "socketClosed"> | undefined;
  /** Calls' signalling rides this server's sockets (calls/calls.socket.ts); absent in tools that have no calls. */
  calls?: CallsService | undefined;
  /** Streamed messages' deltas, agents' states and `message.stop` (messages/streaming.socket.ts). */
  streams?: StreamingService | undefined;
  /** Drafts' `draft.updated`, to the user's own room (every device, every node); absent in tools without drafts. */
  drafts?: Pick<DraftsService, "attachSockets"> | undefined;
  /** The console's live feed (console-feed.ts) shares this server and its adapter. */
  console: ConsoleFeedDeps["console"];
  consoleMembers: ConsoleFeedDeps["consoleMembers"];
  consoleAccess: ConsoleFeedDeps["consoleAccess"];
  moderation: ConsoleFeedDeps["moderation"];
}

/**
 * Attaches Socket.IO to the HTTP server: handshake auth (token, live session, app origin),
 * rooms (`user:<id>` and one per conversation), the client commands, and the broadcaster
 * that turns committed events into socket messages.
 */
export function attachRealtime(httpServer: HttpServer, deps: RealtimeDeps): ParleyIo {
  // With a Redis Cluster: sharded pub/sub, a channel per room; what a shard's failover may have
  // dropped is replayed to the sockets of the rooms it served (scale/sharded-adapter.ts).
  const sharded: ShardedAdapter | undefined = deps.redis?.cluster
    ? createShardedLocalFirstAdapter(deps.redis, `${deps.config.redisPrefix}socket.io`, deps.logger)
    : undefined;
  const io: ParleyIo = new Server(httpServer, {
    maxHttpBufferSize: MAX_FRAME_BYTES,
    // Origins are checked per app in the middleware below; this only answers CORS for polling.
    cors: { origin: true },
    serveClient: false,
    // Several nodes on one Redis: room broadcasts, socketsJoin and fetchSockets go through a Redis
    // stream, which every node reads from its last offset, so a short Redis outage loses nothing.
    ...(sharded
      ? { adapter: sharded.adapter }
      : deps.redis
        ? {
            adapter: createLocalFirstAdapter(deps.redis.adapter, {
              streamName: `${deps.config.redisPrefix}socket.io`,
              channelPrefix: `${deps.config.redisPrefix}socket.io`,
            }),
          }
        : {}),
  });

  observeSockets(deps.db, io);
  // The feed's listeners on the services go with this server (a test's services outlive it).
  httpServer.once("close", attachConsoleFeed(io, deps).detach);
  const audience = new PresenceAudience(deps.db, deps.presence, deps.config.presenceGroupMax, deps.apps);
  const slots = new SocketSlots(deps.config.socketsPerUserMax);
  if (sharded) {
    httpServer.once("close", () => sharded.close());
    // Returned: the broadcasts held while the shard was away go out once the replay is sent.
    sharded.onRecovered((r) => {
      if (r.nsp !== "/") return; // the console's feed is a live view: its pages load their data afresh
      return replayMissed(io.of("/"), r, { ...deps, audience, convRoom, userRoom }).catch((err: unknown) =>
        deps.logger.error({ err }, "replay after a Redis Cluster failover failed"),
      );
    });
  }

  io.use(async (socket, next) => {
    let release = (): void => {};
    try {
      const data = await authenticate(socket, deps);
      // Counted from here, so a burst of parallel handshakes cannot slip past the cap together.
      // Released once: when the socket disconnects, or its connection closes before it connected.
      slots.take(data.userId);
      let held = true;
      release = () => {
        if (!held) return;
        held = false;
        socket.conn.off("close", release);
        slots.release(data.userId);
      };
      socket.once("disconnect", release);
      socket.conn.once("close", release);
      // Closed while the handshake was being checked: its "close" has fired already.
      if (socket.conn.readyState !== "open") throw new AppError("unauthenticated", "Connection closed during the handshake");
      socket.data = data;
      // Rooms are joined here, before "connection": handlers then attach synchronously, so a
      // command sent right after connecting is never missed, and no event is either.
      const ids = await deps.membership.conversationIds(data.appId, data.userId);
      const rooms = [userRoom(data.userId), sessionRoom(data.sessionId), ...ids.map(convRoom)];
      socket.join(rooms);
      // Sharded: connected only once this node hears its rooms (a room's first socket here
      // subscribes its channel), so nothing published after the client's catch-up slips past. A
      // shard being failed over answers late: its recovery replays to this socket (replay.ts).
      if (sharded) await sharded.heard("/", rooms).catch(() => undefined);
      // The session is checked only now, once the socket is in its session room: a logout that
      // lands earlier is seen here, one that lands later finds the socket in the room (and the
      // check at "connection" below covers the moment between this answer and the connect).
      if (!(await deps.auth.isSessionActive(data.sessionId))) throw new AppError("invalid_token", "This session has ended");
      next();
    } catch (err) {
      release();
      // A database outage is "try again later" (the SDK keeps reconnecting), not "signed out".
      const e = err instanceof AppError ? err : (fromDatabaseError(err) ?? new AppError("unauthenticated", "Handshake refused"));
      next(Object.assign(new Error(e.message), { data: { code: e.code } }));
    }
  });

  // Typing and read receipts, per socket (in memory: a socket lives on one node). `message.send`
  // is not counted here: the message quotas (per user, per app) govern it, so one client can
  // pipeline hundreds of sends a second when its quota allows.
  const perSocket = createLimiter({ points: deps.config.socketCommandsPerSec, durationSec: 1 }, "socket");
  const callSockets = deps.calls ? attachCallSockets(io, { calls: deps.calls, auth: deps.auth, commandsPerSec: deps.config.socketCommandsPerSec }) : undefined;
  if (callSockets) httpServer.once("close", callSockets.detach);
  const streamSockets = deps.streams
    ? attachStreamSockets(io, { streams: deps.streams, room: convRoom, commandsPerSec: deps.config.socketCommandsPerSec })
    : undefined;
  if (streamSockets) httpServer.once("close", streamSockets.detach);
  const detachDrafts = deps.drafts?.attachSockets({ updated: (userId, e) => void io.to(userRoom(userId)).emit("draft.updated", e) });
  if (detachDrafts) httpServer.once("close", detachDrafts);

  io.on("connection", (socket: ParleySocket) => {
    const { appId, userId, sessionId } = socket.data;
    // Who this socket's commands act for: built once, from what the handshake authenticated.
    const caller: UserCaller = { appId, user: userId, session: sessionId };
    // Their next reads (on any node) then see what they just wrote, replicas or not.
    const wrote = deps.replicas ? () => deps.replicas!.wrote(readerOf(caller)) : () => undefined;
    // Whatever changed while this client was away (a reconnect, a node or Redis restart), it is
    // right again now: the presence of its circle, versioned against the live changes. When this
    // connect brings the user online, the snapshot and that announcement read their relations once.
    const snapshot = audience.snapshotOnConnect(appId, userId, () => deps.presence.connected(appId, userId, socket.id));
    deps.usage?.socketOpened(appId, userId);
    socket.on("disconnect", () => {
      deps.presence.disconnected(appId, userId, socket.id);
      deps.usage?.socketClosed(appId);
    });
    snapshot.then(
      (users) => users.length > 0 && socket.connected && socket.emit("presence.snapshot", { users }),
      (err: unknown) => deps.logger.warn({ err }, "presence snapshot failed"),
    );
    // A session revoked between the handshake's check and this connect had no socket to drop yet
    // (only connected sockets are found in a room): look once more, now that this one is found.
    deps.auth.isSessionActive(sessionId).then(
      (active) => active || socket.disconnect(true),
      () => undefined,
    );

    const typing = new TypingThrottle();
    let relays: Promise<unknown> = Promise.resolve();
    const limited = (): Promise<void> => consume(perSocket, socket.id);
    const log: CommandLog = { logger: deps.logger, socketId: socket.id, userId };

    socket.on("message.send", (raw, ack) => {
      // Without an ack to carry it, the socket gets its echo whatever it asked.
      const originSocket = socket.data.ownEcho || typeof ack !== "function" ? undefined : socket.id;
      // Without its echo, the socket's ack carries the event (seq and all) it is not sent otherwise.
      let event: EventOf<"message.new"> | undefined;
      const answer =
        typeof ack === "function"
          ? (res: SendAck) => {
              const reply = (): void => ack(res.ok && event ? { ...res, event } : res);
              // While the conversation's shard is away, the ack waits behind the broadcasts held
              // for its room (scale/held-broadcasts.ts): the SDK applies its own message from the
              // ack, and must not before the older messages of others the replay brings.
              if (!res.ok || !sharded?.held.hold("/", [convRoom(res.data.conversationId)], reply, event?.seq)) reply();
            }
          : undefined;
      return withAck(log, "message.send", answer, async () => {
        try {
          const out = await deps.messages.send(caller, { ...parse(messageSchemas.sendMessage, raw), originSocket });
          event = out.event;
          return out.message;
        } finally {
          // Even when it failed: a commit whose answer was lost may still have landed.
          await wrote();
        }
      });
    });

    socket.on("read", (raw, ack) =>
      withAck(log, "read", ack, async () => {
        await limited();
        try {
          await deps.messages.markRead(caller, parse(messageSchemas.markRead, raw));
        } finally {
          await wrote();
        }
        return null;
      }),
    );

    socket.on("typing", (raw, ack) =>
      withAck(log, "typing", ack, async () => {
        await limited();
        const req = parse(messageSchemas.typing, raw);
        // The socket's rooms are its memberships (joined at the handshake and on member.added,
        // left on member.removed, on every node): no query per keystroke. Not a member: 404.
        if (!socket.rooms.has(convRoom(req.conversationId))) throw notFound("Conversation");
        if (!typing.admit(req.conversationId, req.typing, Date.now())) return null;
        // Those who blocked this user do not see them typing: one indexed read per relay (at most
        // two a second per conversation), so a block made a moment ago holds at once. Relays
        // still leave in their commands' order: a "stopped" never overtakes its "typing".
        const ready = relays.then(() => blockersOf(deps.db, appId, userId));
        relays = ready.catch(() => undefined);
        const blockers = await ready;
        socket
          .to(convRoom(req.conversationId))
          .except(blockers.map(userRoom))
          .emit("typing", { conversationId: req.conversationId, userId, typing: req.typing });
        return null;
      }),
    );

    watchPresence(socket, { audience, appId, userId, limited, log });
    callSockets?.connected(socket, caller, log);
    streamSockets?.connected(socket, caller, log);
  });

  // A session that ends (logout, stolen refresh token) loses its live sockets at once, on every
  // node (fetchSockets goes through the adapter). Their reconnect is refused at the handshake.
  // Every socket of a session is in its session room: one adapter operation drops them on every
  // node, and on this node at once even while Redis is down (see scale/streams-adapter.ts).
  deps.auth.onSessionRevoked((_appId, _userId, sessionId) => {
    io.in(sessionRoom(sessionId)).disconnectSockets(true);
  });

  const introduce = (appId: string, viewers: string[], subjects: string[]): void => {
    audience.introductions(appId, viewers, subjects).then(
      (groups) => {
        for (const g of groups) io.to(g.viewers.map(userRoom)).emit("presence.snapshot", { users: g.users });
      },
      (err: unknown) => deps.logger.warn({ err }, "presence introduction failed"),
    );
  };
  const introducer = (appId: string): Introducer => ({
    introduce: (viewers, subjects) => introduce(appId, viewers, subjects),
    created: (members) => {
      audience.pushesPresence(appId, members.length).then(
        (pushed) => pushed && introduce(appId, members, members),
        (err: unknown) => deps.logger.warn({ err }, "presence introduction failed"),
      );
    },
    joined: (conversationId, added) => {
      const members = deps.membership.memberIds(conversationId);
      // A big group's members see each other's presence on request (presence.watch), never all at once.
      Promise.all([members, members.then((all) => audience.pushesPresence(appId, all.length))]).then(
        ([all, pushed]) => {
          if (!pushed) return;
          const others = all.filter((id) => !added.includes(id));
          introduce(appId, added, all);
          introduce(appId, others, added);
        },
        (err: unknown) => deps.logger.warn({ err }, "presence introduction failed"),
      );
    },
  });
  // With Redis, the adapter (scale/local-first.ts) says when what this node published reached it.
  const adapter = io.of("/").adapter as Partial<Publishing>;
  deps.uow.setPublisher({
    publish: (appId, events) => broadcast(io, events, introducer(appId)),
    ...(adapter.published ? { published: () => adapter.published!() } : {}),
  });
  deps.presence.onChange((appId, p) => {
    audience.deliveryOf(appId, p, { conv: convRoom, user: userRoom, watch: watchRoom }).then(
      ({ rooms, except, payload }) => rooms.length > 0 && io.to(rooms).except(except).emit("presence", payload),
      (err: unknown) => deps.logger.warn({ err }, "presence audience lookup failed"),
    );
  });
  return io;
}

async function authenticate(socket: ParleySocket, deps: Pick<RealtimeDeps, "tokens" | "apps">): Promise<SocketData> {
  const auth = socket.handshake.auth as { token?: unknown; ownEcho?: unknown } | undefined;
  const token = auth?.token;
  if (typeof token !== "string" || token.length === 0 || token.length > 4096) {
    throw new AppError("unauthenticated", "Pass { auth: { token } } with an access token");
  }
  const claims = deps.tokens.verifyAccess(token);
  const app = await deps.apps.find(claims.appId);
  if (!app) throw new AppError("invalid_token", "Invalid access token");
  // cors.origin does not stop a handshake from a foreign page: check the app's list here.
  const origin = socket.handshake.headers.origin;
  if (origin && !isOriginAllowed(app, origin)) throw new AppError("origin_not_allowed", "This origin is not allowed for this app");
  // The session itself is checked by the caller, after the socket joined its session room.
  return { appId: claims.appId, userId: claims.userId, sessionId: claims.sessionId, ownEcho: auth?.ownEcho !== false };
}

/**
 * Committed events to sockets. New members' sockets (every device, every node with the Redis
 * adapter) join the room before the event is sent, so the first message of a new DM arrives live.
 * People who just became related are introduced: each is told the others' presence.
 */
function broadcast(io: ParleyIo, events: ChatEvent[], intro: Introducer): void {
  const added = new Map<string, string[]>();
  for (const e of events) {
    const room = e.conversationId ? convRoom(e.conversationId) : null;
    // The joined members' own rooms too: with sharded pub/sub the join travels on the namespace's
    // channel and a one-room broadcast on the room's, and another node (not subscribed to a room
    // it had no socket in) would miss the event; several rooms share the join's channel, in order.
    let joined: string[] = [];
    if (room && e.type === "conversation.created") {
      const members = e.data.conversation.members.map((m) => m.userId);
      joined = members.map(userRoom);
      io.in(joined).socketsJoin(room);
      intro.created(members);
    }
    if (room && e.type === "member.added") {
      const ids = e.data.members.map((m) => m.userId);
      joined = ids.map(userRoom);
      io.in(joined).socketsJoin(room);
      added.set(e.conversationId!, [...(added.get(e.conversationId!) ?? []), ...ids]);
    }
    if (e.type === "contact.updated" && e.userId && (e.data.status === "accepted" || e.data.status === "unblocked")) {
      intro.introduce([e.userId], [e.data.userId]);
    }
    const targets = [room, e.userId ? userRoom(e.userId) : null, ...joined].filter((r): r is string => r !== null);
    const holder = holderOf(e);
    const to = holder ? io.to(targets).except(holder) : io.to(targets);
    if (targets.length) (to.emit as (ev: string, payload: ChatEvent) => boolean)(e.type, e);
    if (room && e.type === "member.removed") io.in(userRoom(e.data.userId)).socketsLeave(room);
  }
  for (const [conversationId, ids] of added) intro.joined(conversationId, ids);
}

/** Tells people who just became related each other's presence (see PresenceAudience.introductions). */
interface Introducer {
  introduce(viewers: string[], subjects: string[]): void;
  /** A conversation of `members` was created: they meet (unless it is too big to push presence). */
  created(members: string[]): void;
  /** `added` joined the conversation: they and its other members meet. */
  joined(conversationId: string, added: string[]): void;
}

/**
 * Typing relays per socket and conversation: "typing" at most once per TYPING_THROTTLE_MS, and
 * "stopped" only after a relayed "typing" — so a client alternating or repeating either sends at
 * most two relays a second per conversation, whatever it emits.
 */
class TypingThrottle {
  private readonly state = new Map<string, { typing: boolean; lastTypingAt: number }>();

  admit(conversationId: string, typing: boolean, now: number): boolean {
    const s = this.state.get(conversationId) ?? { typing: false, lastTypingAt: -Infinity };
    if (typing ? now - s.lastTypingAt < TYPING_THROTTLE_MS : !s.typing) return false;
    this.state.set(conversationId, { typing, lastTypingAt: typing ? now : s.lastTypingAt });
    return true;
  }
}

/**
 * Open sockets per user on this node, counted from the handshake on (several nodes: each counts
 * its own). Past the cap a handshake is refused with `rate_limited`, which clients retry later.
 */
class SocketSlots {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for the user or throws; release it when the socket goes. */
  take(userId: string): void {
    const n = this.open.get(userId) ?? 0;
    if (n >= this.max) throw new AppError("rate_limited", `At most ${this.max} connections per user; close another tab or device`);
    this.open.set(userId, n + 1);
  }

  release(userId: string): void {
    const n = (this.open.get(userId) ?? 1) - 1;
    if (n > 0) this.open.set(userId, n);
    else this.open.delete(userId);
  }
}
