/**
 * The baseline: a bare Socket.IO relay (no auth, no database). A client names its user id and
 * rooms in the handshake; `message.send` is acked with its event and emitted to the room but the
 * sender (as Parley does for a socket with ownEcho false, as the SDK's are), `typing` to the room
 * but the sender (as Parley does). Binds 127.0.0.1 only.
 * Usage: PORT=0 node --import tsx server/bench/relay.ts   (prints {"port":N} when listening)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

const http = createServer();
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
let seq = 0;

io.on("connection", (socket) => {
  const auth = (socket.handshake.auth ?? {}) as { userId?: unknown; rooms?: unknown };
  const userId = typeof auth.userId === "string" ? auth.userId : socket.id;
  const rooms = Array.isArray(auth.rooms) ? auth.rooms.filter((r): r is string => typeof r === "string").slice(0, 1000) : [];
  void socket.join(rooms.map((r) => `conv:${r}`));

  socket.on("message.send", (raw: { conversationId?: unknown; text?: unknown }, ack?: (res: unknown) => void) => {
    const conversationId = typeof raw?.conversationId === "string" ? raw.conversationId : "";
    const text = typeof raw?.text === "string" ? raw.text : "";
    const message = { id: String(++seq), conversationId, senderId: userId, text, createdAt: Date.now() };
    // To the room but the sender, whose ack carries the event: Parley's SDK asks for that
    // (ownEcho: false), so both send two frames a message (the ack, the recipient's event).
    const event = { type: "message.new", conversationId, data: { message } };
    socket.to(`conv:${conversationId}`).emit("message.new", event);
    if (typeof ack === "function") ack({ ok: true, data: message, event });
  });

  socket.on("typing", (raw: { conversationId?: unknown; typing?: unknown }, ack?: (res: unknown) => void) => {
    const conversationId = typeof raw?.conversationId === "string" ? raw.conversationId : "";
    socket.to(`conv:${conversationId}`).emit("typing", { conversationId, userId, typing: raw?.typing !== false });
    if (typeof ack === "function") ack({ ok: true, data: null });
  });
});

// The same listen backlog as Parley (LISTEN_BACKLOG's default): a storm of connects compares equal.
http.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", 4096, () => {
  process.stdout.write(JSON.stringify({ port: (http.address() as AddressInfo).port }) + "\n");
});
const stop = (): void => {
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
