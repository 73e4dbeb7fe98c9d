/**
 * @parley/sdk/rich: pins, polls, link previews and voice messages (issue 33), typed calls for a signed-in ChatClient. A module of
 * its own, so the core SDK every page loads stays within its budget: import it where a view
 * needs it (the widget does from a lazy chunk).
 *
 * ```ts
 * import { pinMessage, listPins, createPoll, votePoll } from "@parley/sdk/rich";
 * await pinMessage(chat, messageId);
 * const { pins } = await listPins(chat, conversationId);
 * const poll = await createPoll(chat, conversationId, { question: "Lunch?", options: ["Tacos", "Ramen"] });
 * await votePoll(chat, poll.id, ["1"]);
 * chat.on("poll.updated", (e) => render(e.data.poll)); // counts without `mine`: keep your own choice
 * ```
 */
import type { ChatClient } from "./client.js";
import type { CreatePollRequest, Message, Pin, PinsResponse, Poll } from "./protocol/index.js";
import type { Attachment, MarkVoiceRequest, VoiceSettings } from "./protocol/index.js";

const seg = encodeURIComponent;

/** Pins a message (idempotent): a group's owner, admins and moderators; either member of a direct conversation. 409 `pin_limit` past 25. */
export function pinMessage(chat: ChatClient, messageId: string): Promise<Pin> {
  return chat.request("PUT", `/messages/${seg(messageId)}/pin`);
}

/** Unpins a message (idempotent). */
export async function unpinMessage(chat: ChatClient, messageId: string): Promise<void> {
  await chat.request("DELETE", `/messages/${seg(messageId)}/pin`);
}

/** A conversation's pins, newest first (all of them). */
export function listPins(chat: ChatClient, conversationId: string): Promise<PinsResponse> {
  return chat.request("GET", `/conversations/${seg(conversationId)}/pins`);
}

/** Asks a poll: a message whose text is the question (its `poll` holds the options). */
export function createPoll(chat: ChatClient, conversationId: string, input: CreatePollRequest): Promise<Message> {
  return chat.request("POST", `/conversations/${seg(conversationId)}/polls`, input);
}

/** Votes: the whole choice (option ids), replacing an earlier one; answers the poll with `mine`. */
export function votePoll(chat: ChatClient, messageId: string, options: string[]): Promise<Poll> {
  return chat.request("PUT", `/messages/${seg(messageId)}/poll/vote`, { options });
}

/** Takes one's vote back. */
export function retractVote(chat: ChatClient, messageId: string): Promise<Poll> {
  return chat.request("DELETE", `/messages/${seg(messageId)}/poll/vote`);
}

/**
 * Removes a message's link preview for good (its sender only; an edit will not bring it back);
 * idempotent. Members get `message.updated` without it.
 */
export async function removePreview(chat: ChatClient, messageId: string): Promise<void> {
  await chat.request("DELETE", `/messages/${seg(messageId)}/preview`);
}

/** Closes a poll early: its creator, or a group's owner and admins. */
export function closePoll(chat: ChatClient, messageId: string): Promise<Poll> {
  return chat.request("POST", `/messages/${seg(messageId)}/poll/close`);
}

// --- Voice messages ---------------------------------------------------------------------------

/** Peaks in a voice message's waveform (the server refuses any other number). */
export const VOICE_PEAKS = 64;

/** What a recorder needs before it starts: the app's longest voice message (ms) and the waveform's size. */
export function voiceSettings(chat: ChatClient): Promise<VoiceSettings> {
  return chat.request("GET", "/uploads/voice/settings");
}

/** A recording to send: its waveform (VOICE_PEAKS values 0–255) and, if the blob has none, its type. */
export interface VoiceRecording {
  peaks: number[];
  /** `audio/webm`, `audio/ogg` (Opus) or `audio/mp4` (Opus or AAC); the blob's own type when left out. No length: the server measures the audio. */
  mime?: string;
}

export interface SendVoiceOptions {
  replyTo?: string;
  /** Sends it as a reply in this message's thread. */
  threadId?: string;
  /** Upload progress, 0..1. */
  onProgress?: (fraction: number) => void;
}

/**
 * Sends a voice message: uploads the recording (counted in the quotas like any file), marks it as
 * voice (the server checks it is Opus in WebM, Ogg or MP4 or AAC in MP4, computes its length from the audio, keeps the waveform:
 * `ChatError` 415 / 413 / 400 otherwise), then sends it as a message of its own. Resolves the
 * stored message; it reaches the store as every member's `message.new`.
 */
export async function sendVoice(chat: ChatClient, conversationId: string, blob: Blob, rec: VoiceRecording, opts: SendVoiceOptions = {}): Promise<Message> {
  const type = rec.mime ?? blob.type;
  const file = new File([blob], `voice.${type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm"}`, { type });
  const uploaded = await chat.directory.upload(file, opts.onProgress);
  const body: MarkVoiceRequest = { peaks: rec.peaks };
  const voice: Attachment = await chat.request("POST", `/uploads/${seg(uploaded.id)}/voice`, body);
  return chat.request("POST", `/conversations/${seg(conversationId)}/messages`, {
    text: "",
    attachmentIds: [voice.id],
    clientMessageId: `voice-${crypto.randomUUID()}`,
    ...(opts.replyTo ? { replyToId: opts.replyTo } : {}),
    ...(opts.threadId ? { threadId: opts.threadId } : {}),
  });
}
