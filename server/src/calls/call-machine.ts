import type { CallEndReason, HangUpReason } from "@parley/sdk/protocol";
import { AppError, notFound } from "../shared/errors.js";
import type { CallEntity, CallParticipantEntity } from "./call.entities.js";

/**
 * The call's state machine, on rows read under the call's lock (call-store.ts): each step changes
 * the rows in memory and says what changed; the store writes them and the service emits the event.
 * No I/O here, so every rule is in one place:
 *
 *   ringing --accept--> active --hangup/drop (fewer than two left in it)--> ended
 *   ringing --every invitee declined--> ended (declined)
 *   ringing --the caller hangs up--> ended (cancelled), or is dropped --> ended (dropped)
 *   ringing --ring timeout--> ended (missed)
 *
 * An invitee who never answered is `left` with no `joinedAt` once the ring times out or the call ends.
 */
export type CallStep =
  | { kind: "ring"; userId: string }
  | { kind: "accept"; userId: string; socketId: string }
  | { kind: "decline"; userId: string }
  /** `reason`: the client could not connect the media, or lost it (then the call ends for everyone, so). */
  | { kind: "hangup"; userId: string; reason?: HangUpReason }
  /** Involuntary: their device is gone, they left the conversation or were removed, banned or deleted. */
  | { kind: "drop"; userId: string }
  /** The ring timeout: whoever has not answered by `now` is missed. */
  | { kind: "expire"; ringTimeoutMs: number }
  /** The host's backend ends it; or the server, when a group call's SFU was lost (`sfu_lost`). */
  | { kind: "end"; reason?: "sfu_lost" };

export interface StepResult {
  /** Rows to write (the call, participants). */
  changed: boolean;
  /** Whether members see a difference (a device taking the call over is not one). */
  visible: boolean;
  /** The call ended in this step, for this reason. */
  ended: CallEndReason | null;
}

const NOTHING: StepResult = { changed: false, visible: false, ended: null };
const SHOWN: StepResult = { changed: true, visible: true, ended: null };

export const isPending = (p: CallParticipantEntity): boolean => p.state === "invited" || p.state === "ringing";

export const callEnded = (): AppError => new AppError("conflict", "This call has ended", { reason: "call_ended" });

/** Applies `step` to the call and its participants (changed in place) at time `now`. */
export function step(call: CallEntity, parts: CallParticipantEntity[], s: CallStep, now: number): StepResult {
  if (call.state === "ended") {
    // Answering a finished call is an error the caller must see; anything else changes nothing.
    if (s.kind === "accept") throw callEnded();
    return NOTHING;
  }
  const me = "userId" in s ? parts.find((p) => p.userId === s.userId) : undefined;
  if ("userId" in s && !me) throw notFound("Call");
  switch (s.kind) {
    case "ring":
      if (me!.state !== "invited") return NOTHING;
      me!.state = "ringing";
      return SHOWN;
    case "accept":
      return accept(call, me!, s.socketId, now);
    case "decline":
      if (me!.state === "joined") return leave(call, parts, me!, now, "completed");
      if (!isPending(me!)) return NOTHING;
      me!.state = "declined";
      me!.leftAt = now;
      return afterInviteeGone(call, parts, now, "declined");
    case "hangup":
      if (isPending(me!)) return step(call, parts, { kind: "decline", userId: me!.userId }, now);
      if (me!.state !== "joined") return NOTHING;
      return leave(call, parts, me!, now, s.reason ?? (call.state === "ringing" ? "cancelled" : "completed"));
    case "drop":
      if (me!.state === "joined") return leave(call, parts, me!, now, "dropped");
      if (!isPending(me!)) return NOTHING;
      me!.state = "left";
      me!.leftAt = now;
      return afterInviteeGone(call, parts, now, "dropped");
    case "expire": {
      if (now < call.createdAt + s.ringTimeoutMs) return NOTHING;
      const pending = parts.filter(isPending);
      if (call.state === "ringing") return finish(call, parts, "missed", now);
      if (pending.length === 0) return NOTHING;
      for (const p of pending) Object.assign(p, { state: "left", leftAt: now });
      return SHOWN;
    }
    case "end":
      return finish(call, parts, s.reason ?? (call.state === "ringing" ? "cancelled" : "completed"), now);
  }
}

/** Answers (or, for someone already in it, moves the call to this device). */
function accept(call: CallEntity, me: CallParticipantEntity, socketId: string, now: number): StepResult {
  if (me.state === "joined") {
    if (me.socketId === socketId) return NOTHING;
    me.socketId = socketId;
    return { changed: true, visible: false, ended: null };
  }
  // Declined or left, while the call goes on (a group call): they may come (back) in.
  me.state = "joined";
  me.joinedAt ??= now;
  me.leftAt = null;
  me.socketId = socketId;
  if (call.state === "ringing") {
    call.state = "active";
    call.answeredAt = now;
  }
  return SHOWN;
}

/** A joined participant leaves; fewer than two left in it (or the caller, before any answer) ends the call. */
function leave(call: CallEntity, parts: CallParticipantEntity[], me: CallParticipantEntity, now: number, reason: CallEndReason): StepResult {
  me.state = "left";
  me.leftAt = now;
  me.socketId = null;
  const inIt = parts.filter((p) => p.state === "joined").length;
  if (call.state === "ringing" || inIt < 2) return finish(call, parts, reason, now);
  return SHOWN;
}

/** An invitee declined or is gone: with nobody left to answer a ringing call, it ends. */
function afterInviteeGone(call: CallEntity, parts: CallParticipantEntity[], now: number, reason: CallEndReason): StepResult {
  if (call.state === "ringing" && !parts.some(isPending)) return finish(call, parts, reason, now);
  return SHOWN;
}

/** Ends the call: it is no longer live, and everyone still in it or rung for it has left. */
function finish(call: CallEntity, parts: CallParticipantEntity[], reason: CallEndReason, now: number): StepResult {
  call.state = "ended";
  call.endedAt = now;
  call.endReason = reason;
  call.liveKey = null;
  for (const p of parts) {
    if (p.state === "joined" || isPending(p)) Object.assign(p, { state: "left", leftAt: now, socketId: null });
  }
  return { changed: true, visible: true, ended: reason };
}
