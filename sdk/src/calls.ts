/**
 * @parley/sdk/calls: voice and video calls (issue 53) for a signed-in ChatClient. A module of its
 * own, so the core SDK every page loads does not grow: import it where a page offers calls.
 *
 * `Calls` is the signalling a host's own UI drives (start, incoming, accept, decline, hang up, and
 * the WebRTC offers, answers and candidates between the two devices); `CallSession` is a thin
 * WebRTC layer over it for browsers (local and remote media, mute, switching devices, recovery),
 * behind `webrtcSupported()`.
 *
 * ```ts
 * import { Calls, CallSession, webrtcSupported } from "@parley/sdk/calls";
 * const calls = new Calls(chat);
 * calls.on("incoming", async (call) => {
 *   if (!(await askTheUser(call))) return void calls.decline(call.id);
 *   const session = await CallSession.open(calls, await calls.accept(call.id));
 *   remoteVideo.srcObject = session.remoteStream;
 * });
 * const session = await CallSession.open(calls, await calls.start(conversationId, { video: true }));
 * ```
 */
export { Calls, type CallsEvents, type SignalMessage, type StartCallOptions } from "./calls/calls-client.js";
export { CallSession, DEFAULT_CALL_SESSION_OPTIONS, webrtcSupported, type CallSessionEvents, type CallSessionOptions } from "./calls/call-session.js";
export { GroupCallSession, type GroupCallSessionEvents } from "./calls/group-call-session.js";
