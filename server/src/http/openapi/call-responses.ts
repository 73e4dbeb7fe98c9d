import { z } from "zod";
import type { Call, CallEntry, CallFeeds, CallSfuReply, CallSignal, IceServersResponse, LiveCallsResponse } from "@parley/sdk/protocol";
import { ack } from "./error-responses.js";
import { page, timestamp, type Check, type Same } from "./mirror.js";

/** Calls (issue 53): the call, its entry in a conversation, ICE servers, signalling; mirrored as responses.ts explains. */

const kind = z.enum(["audio", "video"]);
const endReason = z.enum(["completed", "missed", "declined", "cancelled", "failed", "connection_lost", "dropped", "sfu_lost"]);

export const callParticipant = z.strictObject({
  userId: z.string(),
  state: z.enum(["invited", "ringing", "joined", "left", "declined"]),
  joinedAt: timestamp.nullable(),
  leftAt: timestamp.nullable(),
});

export const call = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  kind,
  mode: z.enum(["p2p", "sfu"]),
  state: z.enum(["ringing", "active", "ended"]),
  startedBy: z.string(),
  createdAt: timestamp,
  answeredAt: timestamp.nullable(),
  endedAt: timestamp.nullable(),
  endReason: endReason.nullable(),
  durationMs: z.number().int().nullable(),
  participants: z.array(callParticipant),
});
type _Call = Check<Same<z.infer<typeof call>, Call>>;

export const pageOfCall = page(call);

/** `Message.call`: a finished call's system entry. */
export const callEntry = z.strictObject({ callId: z.string(), kind, endReason, startedBy: z.string(), durationMs: z.number().int().nullable() });
type _CallEntry = Check<Same<z.infer<typeof callEntry>, CallEntry>>;

export const iceServersResponse = z.strictObject({
  iceServers: z.array(z.strictObject({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })),
  ttlSec: z.number().int(),
});
type _IceServers = Check<Same<z.infer<typeof iceServersResponse>, IceServersResponse>>;

export const liveCallsResponse = z.strictObject({ calls: z.array(call) });
type _LiveCalls = Check<Same<z.infer<typeof liveCallsResponse>, LiveCallsResponse>>;

const iceCandidate = z.strictObject({
  candidate: z.string(),
  sdpMid: z.string().nullable().optional(),
  sdpMLineIndex: z.number().int().nullable().optional(),
  usernameFragment: z.string().nullable().optional(),
});

/** `call.signal` as a device receives it (ephemeral). */
export const callSignalEvent = z.strictObject({
  callId: z.string(),
  from: z.string(),
  type: z.enum(["offer", "answer", "candidate"]),
  sdp: z.string().optional(),
  candidate: iceCandidate.nullable().optional(),
});
type _CallSignal = Check<Same<z.infer<typeof callSignalEvent>, CallSignal>>;

/** The acks of the call commands: the call, or nothing. */
export const callAck = ack(call);

/** `call.feeds` (group calls, ephemeral): who publishes now. */
export const callFeedsEvent = z.strictObject({ callId: z.string(), userIds: z.array(z.string()) });
type _CallFeeds = Check<Same<z.infer<typeof callFeedsEvent>, CallFeeds>>;

const callSfuReply = z.strictObject({
  sdp: z.string().optional(),
  streams: z.array(z.strictObject({ mid: z.string(), kind: z.enum(["audio", "video"]), userId: z.string() })).optional(),
});
type _CallSfuReply = Check<Same<z.infer<typeof callSfuReply>, CallSfuReply>>;

/** The ack of `call.sfu`. */
export const callSfuAck = ack(callSfuReply);
