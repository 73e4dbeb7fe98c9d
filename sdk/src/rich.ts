/**
 * @parley/sdk/rich: pins, polls and link previews (issue 33), typed calls for a signed-in ChatClient. A module of
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
