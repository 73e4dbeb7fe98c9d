import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import type { Ack, AuthResponse, Call, ClientToServerEvents, Conversation } from "@parley/sdk/protocol";
import type { TestServer } from "./harness.js";
import { connect, Recorder, request, type ClientSocket } from "./sockets.js";

/** A signed-in user with one live socket whose every event is recorded. */
export interface Party {
  auth: AuthResponse;
  id: string;
  socket: ClientSocket;
  rec: Recorder;
}

export async function party(s: TestServer, auth: AuthResponse, opened: ClientSocket[]): Promise<Party> {
  const socket = await connect(s, auth.accessToken);
  opened.push(socket);
  return { auth, id: auth.user.id, socket, rec: new Recorder(socket) };
}

/** A call command from a party's socket: its ack. */
export function cmd<T = Call>(p: Pick<Party, "socket">, event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<T>> {
  return request<T>(p.socket, event, payload, 10_000);
}

/** The ack's data, failing the test with the error when it is not ok. */
export function ok<T>(ack: Ack<T>): T {
  assert.ok(ack.ok, `expected an ok ack, got ${JSON.stringify(ack)}`);
  return ack.data;
}

/** The ack's error, failing the test when it is ok. */
export function refused(ack: Ack<unknown>): { code: string; message: string; details?: any } {
  assert.ok(!ack.ok, `expected a refusal, got ${JSON.stringify(ack)}`);
  return ack.error as { code: string; message: string; details?: any };
}

export async function dm(s: TestServer, a: AuthResponse, b: AuthResponse): Promise<string> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.conversation.id;
}

export async function group(s: TestServer, owner: AuthResponse, members: AuthResponse[]): Promise<string> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations", {
    token: owner.accessToken,
    body: { name: "Call group", memberIds: members.map((m) => m.user.id) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}

/** Waits for a call event about `callId` that matches. */
export function callEvent(
  p: Party,
  name: "call.started" | "call.updated" | "call.ended",
  callId: string,
  pred: (c: Call) => boolean = () => true,
  ms = 10_000,
): Promise<any> {
  return p.rec.wait(name, (e) => e.data?.call?.id === callId && pred(e.data.call), ms);
}

/** The call's system entry as a party received it. */
export function entryEvent(p: Party, callId: string, ms = 10_000): Promise<any> {
  return p.rec.wait("message.new", (e) => e.data?.message?.call?.callId === callId, ms);
}

/** What a party received about calls, in order: `call.updated:active`, `call.signal:offer`, `entry:completed`, … */
export function callTrail(p: Party, callId: string): string[] {
  return p.rec.events.flatMap(({ name, payload }) => {
    if (name === "call.signal" && payload.callId === callId) return [`call.signal:${payload.type}${payload.candidate === null ? "-end" : ""}`];
    if (name.startsWith("call.") && payload.data?.call?.id === callId) {
      const c = payload.data.call as Call;
      return [`${name}:${c.state === "ended" ? c.endReason : c.state}:${c.participants.map((x) => x.state).join(",")}`];
    }
    if (name === "message.new" && payload.data?.message?.call?.callId === callId) return [`entry:${payload.data.message.call.endReason}`];
    return [];
  });
}

/** Validates socket payloads against the server's own AsyncAPI document: an event by name, an ack by its schema (`CallAck`). */
export async function asyncApiChecker(s: TestServer): Promise<(event: string, payload: unknown) => void> {
  const doc = (await (await fetch(`${s.url}/v1/asyncapi.json`)).json()) as {
    components: { messages: Record<string, { name: string; payload: { $ref: string } }> };
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, "asyncapi.json");
  return (event, payload) => {
    // An event by its name; an ack (every ack's message is named "ack") by its schema's name.
    const entry = Object.values(doc.components.messages).find((m) => m.name === event && event !== "ack");
    const ref = entry ? `asyncapi.json${entry.payload.$ref}` : `asyncapi.json#/components/schemas/${event}`;
    const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
    assert.ok(validate(payload), `${event}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(payload).slice(0, 600)}`);
  };
}

/** A minimal SDP as a browser would send (the server checks its form, never its meaning). */
export const SDP_OFFER = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
export const SDP_ANSWER = SDP_OFFER.replace("4611731400430051336", "8171831400430051999");
export const CANDIDATE = { candidate: "candidate:842163049 1 udp 1677729535 127.0.0.1 49203 typ srflx raddr 0.0.0.0 rport 0", sdpMid: "0", sdpMLineIndex: 0 };

/** Resolves once something answers a STUN binding request on the port (coturn is listening). */
export async function stunAnswers(port: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding request, no attributes
  request.writeUInt32BE(0x2112a442, 4); // magic cookie
  randomBytes(12).copy(request, 8);
  while (Date.now() < deadline) {
    const answered = await new Promise<boolean>((resolve) => {
      const sock = createSocket("udp4");
      const t = setTimeout(() => (sock.close(), resolve(false)), 200);
      sock.on("message", (msg) => (clearTimeout(t), sock.close(), resolve(msg.readUInt16BE(0) === 0x0101)));
      sock.on("error", () => (clearTimeout(t), sock.close(), resolve(false)));
      sock.send(request, port, "127.0.0.1");
    });
    if (answered) return;
  }
  throw new Error(`turnserver did not answer STUN on ${port} within ${ms} ms`);
}
