// Calls (issue 53): voice and video calls in a conversation. The server decides everything about a
// call (who may ring whom, one live call per conversation, the state machine); media never passes
// through Parley: peer to peer (or through TURN) for 1:1, through an SFU for groups. Types only:
// nothing here ships in the core SDK's bundle.

import type { Timestamp } from "./common.js";

export type CallKind = "audio" | "video";

/** `p2p`: two people, media peer to peer (or relayed by TURN). `sfu`: a group call through the server's SFU. */
export type CallMode = "p2p" | "sfu";

/** `ringing` until someone answers, `active` while at least two are in it, then `ended`. */
export type CallState = "ringing" | "active" | "ended";

/**
 * Why a call ended. `completed`: answered, then hung up. `missed`: nobody answered within the ring
 * timeout. `declined`: every invitee declined. `cancelled`: the caller (or the host's backend) hung up
 * before anyone answered. `failed`: a participant's media could not connect (reported by its client).
 * `connection_lost`: the media was connected, then lost, and did not come back in time (ICE
 * restarts included; reported by a participant's client). `dropped`: a participant was lost to the
 * server (socket gone past its grace, removed from the conversation, banned, account deleted) and
 * the call could not go on. `sfu_lost`: a group call's SFU (the Janus server holding its room) was
 * lost: the call ended for everyone in it or rung for it.
 */
export type CallEndReason = "completed" | "missed" | "declined" | "cancelled" | "failed" | "connection_lost" | "dropped" | "sfu_lost";

/**
 * `invited`: rung, no device has said it rings yet. `ringing`: one of their devices rings.
 * `joined`: in the call (one device carries it). `left`: was in it, or was rung and never answered
 * (then `joinedAt` is null). `declined`: said no.
 */
export type CallParticipantState = "invited" | "ringing" | "joined" | "left" | "declined";

export interface CallParticipant {
  userId: string;
  state: CallParticipantState;
  joinedAt: Timestamp | null;
  leftAt: Timestamp | null;
}

/** A call, as every member of its conversation sees it. */
export interface Call {
  id: string;
  conversationId: string;
  kind: CallKind;
  mode: CallMode;
  state: CallState;
  startedBy: string;
  createdAt: Timestamp;
  /** When the first invitee answered; null while ringing, and for a call nobody answered. */
  answeredAt: Timestamp | null;
  endedAt: Timestamp | null;
  endReason: CallEndReason | null;
  /** From the answer to the end, in ms; null unless answered and ended. */
  durationMs: number | null;
  participants: CallParticipant[];
}

/**
 * What a finished call's system entry in its conversation carries (`Message.call`): enough for a
 * client to say it in its reader's language ("Missed video call", "Video call · 4 min"). The
 * message's text is the English form, for clients that do not know calls.
 */
export interface CallEntry {
  callId: string;
  kind: CallKind;
  endReason: CallEndReason;
  startedBy: string;
  durationMs: number | null;
}

/** `call.started`, `call.updated`, `call.ended`: the call as it is now (to every member of its conversation). */
export interface CallEventData {
  call: Call;
}

// --- Socket commands -----------------------------------------------------------------------------

/**
 * `call.start`: rings the other member of a direct conversation, or `invite` (members of a group).
 * The socket that starts the call carries it for the caller. A second call in a conversation with a
 * live one is a `conflict` (409) whose `details` name it: `{ reason: "call_in_progress", callId }`.
 */
export interface StartCallRequest {
  conversationId: string;
  /** A video call (default: audio only). */
  video?: boolean;
  /** In a group: whom to ring (default every other member). One person: peer to peer; more: the SFU. */
  invite?: string[];
}

/** `call.ring`, `call.accept`, `call.decline`: the call they are about. */
export interface CallRef {
  callId: string;
}

/** Why a client leaves a call that it could not keep: its media never connected, or was lost and did not come back. */
export type HangUpReason = "failed" | "connection_lost";

/** `call.hangup`: leave (or cancel, or decline) a call; `reason` when the media could not connect or was lost. */
export interface HangUpRequest {
  callId: string;
  reason?: HangUpReason;
}

export type CallSignalType = "offer" | "answer" | "candidate";

/** An ICE candidate as `RTCIceCandidate.toJSON()` gives it. */
export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/**
 * `call.signal`: WebRTC signalling for one participant of the call (`to`), relayed by the server to
 * the one device that carries the call for them, and to nobody else. Both ends must have joined.
 * `sdp` with an offer or answer, `candidate` with a candidate (null: the end of candidates).
 */
export interface CallSignalRequest {
  callId: string;
  to: string;
  type: CallSignalType;
  sdp?: string;
  candidate?: IceCandidate | null;
}

/** What a participant's device receives of a `call.signal` (ephemeral: no seq, never stored). */
export interface CallSignal {
  callId: string;
  from: string;
  type: CallSignalType;
  sdp?: string;
  candidate?: IceCandidate | null;
}

// --- REST ----------------------------------------------------------------------------------------

/** One entry of `iceServers`, as `RTCPeerConnection` takes it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * `GET /v1/calls/ice-servers`: STUN and TURN servers for the caller's `RTCPeerConnection`. TURN
 * credentials are minted for the caller (TURN REST: `username` is `<expiry>:<user id>`, `credential`
 * an HMAC of it with the secret coturn shares) and expire after `ttlSec` (coturn then refuses them
 * for a new relay): ask again for each call. Empty when the server has none configured (a call on
 * one network needs none).
 */
export interface IceServersResponse {
  iceServers: IceServer[];
  /** How long the TURN credentials stay valid, in seconds; 0 without TURN (nothing expires). */
  ttlSec: number;
}

/** `GET /v1/calls/live`: the live calls (ringing or active) the caller is a participant of, e.g. after a page load. */
export interface LiveCallsResponse {
  calls: Call[];
}

// --- Group calls (mode `sfu`): media through the server's SFU (Janus), signalled with the server ----

/**
 * `call.feeds` (to the joined participants of a group call only, ephemeral): who publishes media in
 * the call now. A device subscribes (again) when the list changes.
 */
export interface CallFeeds {
  callId: string;
  userIds: string[];
}

/** One m-line of a group call's subscriber offer: whose audio or video it carries. */
export interface SfuStream {
  mid: string;
  kind: CallKind;
  userId: string;
}

/**
 * `call.sfu`: a joined participant's media in a group call, through the server (browsers never
 * talk to the SFU). `publish` with the sendonly PC's offer (acked with the SFU's answer);
 * `subscribe` to everyone else publishing (acked with the SFU's offer for one recvonly multistream
 * PC and what each m-line carries; no `sdp` when nobody publishes yet); `answer` with that PC's
 * answer; `candidate` for either PC (`pc`; null: the end of candidates).
 */
export interface CallSfuRequest {
  callId: string;
  type: "publish" | "subscribe" | "answer" | "candidate";
  sdp?: string;
  pc?: "publisher" | "subscriber";
  candidate?: IceCandidate | null;
}

/** What `call.sfu` is acked with: an SDP (publish: the answer; subscribe: the offer) and the streams. */
export interface CallSfuReply {
  sdp?: string;
  streams?: SfuStream[];
}
