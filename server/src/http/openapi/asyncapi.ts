import type { z } from "zod";
import type { ClientToServerEvents, EventType, ServerToClientEvents } from "@parley/sdk/protocol";
import { markRead, sendMessage, typing } from "../../messages/messages.schema.js";
import { callRef, callSfu, callSignal, hangUp, startCall } from "../../calls/calls.schema.js";
import { callAck, callFeedsEvent, callSfuAck, callSignalEvent } from "./call-responses.js";
import { stopStream } from "../../messages/streaming.schema.js";
import { aiStateEvent, messageDeltaEvent } from "./message-responses.js";
import { draftUpdatedEvent } from "./draft-responses.js";
import { componentSchemas, merged } from "./json-schema.js";
import { typingEvent } from "./conversation-responses.js";
import { emptyAck, eventSchemaName, eventSchemas, events, messageAck } from "./event-responses.js";
import { presence, presenceAck, presenceSnapshot } from "./user-responses.js";
import { presenceWatch } from "../../presence/presence.schema.js";
import type { Check, Same } from "./mirror.js";

/** Server -> client: each persisted event under its own type, and the ephemeral ones. */
const SERVER_EVENTS = {
  ...(Object.fromEntries(Object.keys(events).map((type) => [type, eventSchemaName(type)])) as Record<EventType, string>),
  typing: "TypingEvent",
  presence: "Presence",
  "presence.snapshot": "PresenceSnapshot",
  "call.signal": "CallSignal",
  "call.feeds": "CallFeeds",
  "message.delta": "MessageDeltaEvent",
  "ai.state": "AiStateEvent",
  "draft.updated": "DraftUpdatedEvent",
} as const;
type _ServerEvents = Check<Same<keyof typeof SERVER_EVENTS, keyof ServerToClientEvents>>;

/** Client -> server commands: the schema the handler validates with, and its ack. */
const COMMANDS = {
  "message.send": {
    payload: "SendCommand",
    ack: "MessageAck",
    summary:
      "Send a message; acked with the message (the original one for a clientMessageId retry). A socket that connected with `auth.ownEcho: false` gets the message's `message.new` event in the ack (`event`) instead of as a frame",
  },
  typing: { payload: "TypingCommand", ack: "EmptyAck", summary: "Typing started (or stopped with `typing: false`); the ack is optional" },
  read: { payload: "ReadCommand", ack: "EmptyAck", summary: "Mark a conversation read up to a message; the ack is optional" },
  "presence.watch": {
    payload: "PresenceWatchCommand",
    ack: "PresenceAck",
    summary:
      "Presence on request: whose presence this socket is told beside what is pushed (contacts, and the members of conversations up to the app's presence group size, PRESENCE_GROUP_MAX unless the app sets another). At most 100 `userIds`, replacing the last list (`[]` stops); each must be a contact or share a conversation with the user, with no block either way, else it is left out. Acked with their presence now (`users`); their changes then come as `presence` events",
  },
  "call.start": {
    payload: "StartCallCommand",
    ack: "CallAck",
    summary:
      'Start a call: rings the other member of a direct conversation (or `invite`); this socket carries it for the caller. A live call in the conversation already: `conflict` with `details: { reason: "call_in_progress", callId }`; over the invite quota: `rate_limited`; muted, banned or blocked: `muted`, `banned`, `forbidden`',
  },
  "call.ring": { payload: "CallRefCommand", ack: "EmptyAck", summary: "An invitee's device rings (they show as `ringing` to everyone); the ack is optional" },
  "call.accept": {
    payload: "CallRefCommand",
    ack: "CallAck",
    summary: "Answer on this socket (or move a call one is in to this socket); an ended call: `conflict` (`details.reason: call_ended`)",
  },
  "call.decline": { payload: "CallRefCommand", ack: "CallAck", summary: "Decline a call one is rung for; the ack is optional" },
  "call.hangup": {
    payload: "HangUpCommand",
    ack: "CallAck",
    summary:
      "Leave a call (the caller before an answer: cancel it; `reason`: `failed` when the media could not connect, `connection_lost` when it was lost and did not come back); the ack is optional",
  },
  "call.signal": {
    payload: "CallSignalCommand",
    ack: "EmptyAck",
    summary:
      "WebRTC signalling (offer, answer, ICE candidate) to one participant (`to`), relayed to the one socket that carries the call for them; both must have joined from these sockets, else `conflict` (`details.reason`: not_in_call, peer_not_in_call)",
  },
  "call.sfu": {
    payload: "CallSfuCommand",
    ack: "CallSfuAck",
    summary:
      "A group call's media through the server's SFU: `publish` (acked with the answer), `subscribe` (acked with the offer and its streams), `answer`, `candidate` (`pc`). Only from the socket that joined the call, else `conflict` (`details.reason: not_in_call`); a 1:1 call: `conflict` (`details.reason: not_sfu`); a call whose room was lost with its Janus: `conflict` (`details.reason: sfu_lost`), and the call ends (`call.ended`, `endReason: sfu_lost`)",
  },
  "message.stop": {
    payload: "StopStreamCommand",
    ack: "MessageAck",
    summary:
      "A member stops a streaming message (`stream.state: streaming`): it ends at once as `stopped` with the text it has (one `message.new` to everyone), and the author's next append is refused with `stream_stopped`. Acked with the message as it ended (as it is, when it had ended already); not a member or not a stream: `not_found`",
  },
} as const;
type _Commands = Check<Same<keyof typeof COMMANDS, keyof ClientToServerEvents>>;

const SUMMARIES: Record<keyof typeof SERVER_EVENTS, string> = {
  "message.new": "A message was sent to a conversation the user belongs to",
  "message.updated": "A message was edited",
  "message.deleted": "A message was deleted (a tombstone)",
  "reaction.updated": "A reaction was added or taken back",
  "read.updated": "A member read up to a message",
  "conversation.created": "The user was added to a new conversation",
  "conversation.updated": "A conversation changed (name, visibility, members)",
  "member.added": "Members joined a conversation",
  "member.removed": "A member left or was removed",
  "member.updated": "A member's role changed",
  "contact.updated": "A contact request, contact or block involving the user changed",
  "invitation.updated": "An invitation to a group was made or answered",
  "thread.updated": "A thread's root gained replies (its reply count and last reply time)",
  "thread.state": "The user's follow or read mark in a thread changed (to that user only)",
  mention: "A message mentions the user (to that user only; the message comes as message.new)",
  "pin.updated": "A message was pinned (`pin`) or unpinned (`pin: null`, also when a pinned message is deleted)",
  "poll.updated": "A poll's counts or state changed: a vote, a retraction, a close (no reader's `mine`; an anonymous poll names no voter)",
  "conversation.muted": "The user muted or unmuted a conversation on one of their devices (to that user only)",
  "call.started": "A call was started in the conversation: it rings its invitees (`call.participants`)",
  "call.updated": "A call changed: an invitee's device rings, someone answered, declined or left",
  "call.ended": "A call ended (`call.endReason`); its system entry follows as message.new",
  "scheduled.updated":
    "A scheduled message of the user was made, edited, sent (`status: sent`, `messageId`) or refused when its time came (`status: failed`, `failureCode`): to that user only, every device",
  "scheduled.removed": "A scheduled message of the user was cancelled or its record deleted (to that user only)",
  "reminder.updated": "The user set a reminder on a message (to that user only, every device)",
  "reminder.removed": "A reminder of the user was deleted, or dropped because its message was deleted or is no longer theirs to read (to that user only)",
  "reminder.due":
    "A reminder's time came: the message as the user may read it now (to that user only; the reminder is gone from the list; a web push and an e-mail may follow)",
  "call.signal": "WebRTC signalling for the call this socket carries (ephemeral: only to that socket, never stored)",
  "call.feeds": "A group call's publishers changed (to its joined participants' sockets only, ephemeral): subscribe again",
  "user.created": "The user was created (registration, first host-token sign-in, server API); for webhooks only: never in /sync or on a socket",
  "user.deleted": "A user deleted their account: their messages in the conversation are tombstones, `user` is their tombstone profile",
  typing: "Someone is typing (ephemeral, no seq)",
  "message.delta":
    "A streaming message grew (ephemeral, no seq, never in /sync or webhooks): `text` at `offset`, coalesced to at most about 20 a second per message; the stream's first delta (offset 0) carries the `message`. Apply it when `offset` equals the text's length held; a larger one means one was missed (fetch the message). The stream's end comes as `message.new` with the final message",
  "ai.state": "What an agent (a bot user) is doing in the conversation: thinking, generating, calling a `tool`, idle (ephemeral, like typing)",
  presence: "A user came online or went offline (ephemeral)",
  "draft.updated":
    "A draft of the user's was saved (`draft`) or deleted (`draft: null`) through `PUT`/`DELETE /v1/conversations/{id}/draft`, on any of their devices: to that user's sockets only, every device and node (ephemeral, no seq: never in /sync, search, webhooks or push). `origin` is what the saving client sent: it ignores its own echo",
  "presence.snapshot":
    "Right after connecting: the presence of everyone whose presence is pushed to the user (contacts, and the members of conversations up to the app's presence group size; bigger groups: `presence.watch`)",
};

/** `message.new` -> `MessageNew`: a message's key in the document. */
const eventName = (type: string): string => eventSchemaName(type).replace(/Event$/, "");

const ref = (path: string) => ({ $ref: path });

/**
 * The AsyncAPI 3.0 document of the Socket.IO interface, from the server's side: it sends the
 * events and receives the commands (each with a reply, the ack). Payload schemas come from the
 * same mirrors as the OpenAPI document and from the schemas the socket handlers validate with.
 */
export function asyncApiDocument(version: string): Record<string, unknown> {
  const payloads: Record<string, z.ZodType> = {
    ...eventSchemas,
    TypingEvent: typingEvent,
    Presence: presence,
    PresenceSnapshot: presenceSnapshot,
    PresenceAck: presenceAck,
    MessageAck: messageAck,
    EmptyAck: emptyAck,
    CallSignal: callSignalEvent,
    CallAck: callAck,
    CallFeeds: callFeedsEvent,
    CallSfuAck: callSfuAck,
    MessageDeltaEvent: messageDeltaEvent,
    AiStateEvent: aiStateEvent,
    DraftUpdatedEvent: draftUpdatedEvent,
  };
  const commands: Record<string, z.ZodType> = {
    SendCommand: sendMessage,
    TypingCommand: typing,
    ReadCommand: markRead,
    PresenceWatchCommand: presenceWatch,
    StartCallCommand: startCall,
    CallRefCommand: callRef,
    HangUpCommand: hangUp,
    CallSignalCommand: callSignal,
    CallSfuCommand: callSfu,
    StopStreamCommand: stopStream,
  };

  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const channel = ref("#/channels/socket");
  const addMessage = (key: string, name: string, summary: string, schema: string) => {
    messages[key] = { name, summary, contentType: "application/json", payload: ref(`#/components/schemas/${schema}`) };
    channelMessages[key] = ref(`#/components/messages/${key}`);
  };

  for (const [event, schema] of Object.entries(SERVER_EVENTS)) {
    const key = eventName(event);
    addMessage(key, event, SUMMARIES[event as keyof typeof SERVER_EVENTS], schema);
    operations[`send${key}`] = {
      action: "send",
      channel,
      summary: SUMMARIES[event as keyof typeof SERVER_EVENTS],
      messages: [ref(`#/channels/socket/messages/${key}`)],
    };
  }
  for (const ack of ["MessageAck", "EmptyAck", "CallAck", "CallSfuAck", "PresenceAck"])
    addMessage(ack, "ack", "A command's acknowledgement: `{ ok: true, data }` or `{ ok: false, error }`", ack);
  for (const [event, c] of Object.entries(COMMANDS)) {
    const key = `${eventName(event)}Command`;
    addMessage(key, event, c.summary, c.payload);
    operations[`receive${key}`] = {
      action: "receive",
      channel,
      summary: c.summary,
      messages: [ref(`#/channels/socket/messages/${key}`)],
      reply: { channel, messages: [ref(`#/channels/socket/messages/${c.ack}`)] },
    };
  }

  return {
    asyncapi: "3.0.0",
    info: {
      title: "Parley realtime (Socket.IO)",
      version,
      description: [
        "Socket.IO on the Parley server's own origin (path `/socket.io/`), default namespace. Connect with `io(url, { auth: { token: <access token>, ownEcho?: false } })`; an invalid or expired token is refused at the handshake (`connect_error` with `data.code`). With `ownEcho: false` the socket's own sends are not echoed back as `message.new`: their acks carry the event.",
        "",
        "Each persisted event travels under its own type as the Socket.IO event name, carrying its `seq`; after a reconnect, `GET /v1/sync?since=<last seq>` returns what was missed, in the same shapes. Commands are answered by an ack: `{ ok: true, data } | { ok: false, error }`.",
        "",
        "Generated from the zod schemas the socket handlers validate with and the mirrors of `@parley/sdk/protocol`; the REST API is at `/v1/openapi.json`.",
      ].join("\n"),
      license: { name: "MIT", url: "https://opensource.org/licenses/MIT" },
    },
    defaultContentType: "application/json",
    servers: {
      parley: {
        host: "{host}",
        protocol: "wss",
        pathname: "/socket.io/",
        description: "The Parley server (Socket.IO over WebSocket, or HTTP long-polling)",
        variables: { host: { default: "localhost:3000", description: "The server's host and port" } },
        security: [ref("#/components/securitySchemes/accessToken")],
      },
    },
    channels: {
      socket: {
        address: "/",
        title: "Default namespace",
        description: "Every socket joins its user's room and one room per conversation it belongs to.",
        messages: channelMessages,
      },
    },
    operations,
    components: {
      schemas: merged(componentSchemas(payloads, "output", "draft-07"), componentSchemas(commands, "input", "draft-07")),
      messages,
      securitySchemes: {
        accessToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "The access token, sent as the handshake's `auth.token` (not a header).",
        },
      },
    },
  };
}
