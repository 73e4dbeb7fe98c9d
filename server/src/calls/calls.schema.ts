import { z } from "zod";
import { idString, pageLimit, ref } from "../shared/schema.js";

/** What a call allows: who may be rung at once, and the size of what its signalling carries. */
export const CALL_LIMITS = {
  /** Invitees of one call (a group call's participants are limited by CALL_GROUP_MAX_VIDEO/AUDIO too). */
  inviteMax: 24,
  /** An SDP offer or answer: a few KB for audio and video; the socket's frame limit is 64 KB. */
  sdpMaxChars: 32_000,
  candidateMaxChars: 1024,
} as const;

/** `call.start`. */
export const startCall = z.object({
  conversationId: ref,
  video: z.boolean().optional(),
  invite: z
    .array(idString)
    .min(1, "Invite at least one member")
    .max(CALL_LIMITS.inviteMax, `At most ${CALL_LIMITS.inviteMax} people are rung at once`)
    .refine((xs) => new Set(xs).size === xs.length, { message: "Someone is invited twice" })
    .optional(),
});
export type StartCall = z.infer<typeof startCall>;

/** `call.ring`, `call.accept`, `call.decline`; the server API's `…/calls/:id/end`. */
export const callRef = z.object({ callId: ref });
export type CallRefInput = z.infer<typeof callRef>;

/** `call.hangup`. */
export const hangUp = z.object({ callId: ref, reason: z.enum(["failed", "connection_lost"]).optional() });
export type HangUp = z.infer<typeof hangUp>;

// An SDP is text lines starting `v=0`; nothing else is relayed as one (a browser would reject it
// anyway, but the server must not carry junk between people). No NUL or other control characters
// than the line breaks SDP has.
const sdp = z
  .string()
  .max(CALL_LIMITS.sdpMaxChars)
  .regex(/^v=0\r?\n[\x20-\x7e\r\n\t\u00a0-\uffff]*$/, "An SDP (text starting with v=0)");

const candidate = z.strictObject({
  // "" is the end-of-candidates form some browsers send; else an a=candidate line's value.
  candidate: z
    .string()
    .max(CALL_LIMITS.candidateMaxChars)
    .regex(/^(candidate:[\x20-\x7e]+)?$/, "An ICE candidate (candidate:…)"),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

/** `call.signal`: an offer or answer carries `sdp`; a candidate carries `candidate` (null: end of candidates). */
export const callSignal = z
  .object({
    callId: ref,
    to: idString,
    type: z.enum(["offer", "answer", "candidate"]),
    sdp: sdp.optional(),
    candidate: candidate.nullable().optional(),
  })
  .refine((s) => (s.type === "candidate" ? s.candidate !== undefined && s.sdp === undefined : s.sdp !== undefined && s.candidate === undefined), {
    message: "An offer or answer carries `sdp`; a candidate carries `candidate` (null: the end of candidates)",
  });
export type CallSignalInput = z.infer<typeof callSignal>;

/** `call.sfu` (group calls): publish and answer carry `sdp`; a candidate carries `pc` and `candidate`. */
export const callSfu = z
  .object({
    callId: ref,
    type: z.enum(["publish", "subscribe", "answer", "candidate"]),
    sdp: sdp.optional(),
    pc: z.enum(["publisher", "subscriber"]).optional(),
    candidate: candidate.nullable().optional(),
  })
  .refine(
    (s) =>
      s.type === "candidate"
        ? s.candidate !== undefined && s.pc !== undefined && s.sdp === undefined
        : (s.sdp !== undefined) === (s.type !== "subscribe") && s.candidate === undefined && s.pc === undefined,
    { message: "publish and answer carry `sdp`; subscribe nothing more; a candidate carries `pc` and `candidate` (null: the end of candidates)" },
  );
export type CallSfuInput = z.infer<typeof callSfu>;

/** `GET /conversations/:id/calls` (and the server API's): newest first. */
export const listCalls = z.object({
  conversationId: ref,
  cursor: z.string().max(256).optional(),
  limit: pageLimit(100, 20),
});
export type ListCalls = z.infer<typeof listCalls>;
export const listCallsQuery = listCalls.omit({ conversationId: true });
