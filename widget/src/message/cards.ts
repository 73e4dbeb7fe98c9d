import type { MessageItem } from "@parley/sdk";
import { type Chunk, chunk } from "../shared/chunk.js";
import type { MessageHost } from "./message-host.js";

/** A chunk that draws one kind of card in a message's bubble (issue 33); its `sheet` joins the view's styles. */
interface CardChunk extends Chunk {
  card(host: MessageHost, m: MessageItem): unknown;
}

/** Streamed replies and agents' marks (streams/stream-card.ts); the thread loads it for a conversation with an agent too. */
export const STREAMS = () => import("../streams/stream-card.js");

/**
 * What a message may carry beyond text and files, and the chunk that draws it: each is fetched
 * the first time a message needs it, so a visitor who never meets a poll never loads its code.
 */
const KINDS: [has: (m: MessageItem, host: MessageHost) => unknown, load: () => Promise<CardChunk>][] = [
  [(m) => m.attachments.some((a) => a.voice), () => import("../voice/voice-player.js")],
  [(m) => m.poll, () => import("../polls/poll-card.js")],
  [(m) => m.preview, () => import("../previews/preview-card.js")],
  [(m) => m.pinned, () => import("../pins/pin-mark.js")],
  // Streamed replies, an agent's messages, and (where the app translates) any message's translation.
  [(m, host) => m.stream || host.me?.ai?.translate || host.conversation?.users.find((u) => u.id === m.senderId)?.agent, STREAMS],
];

/** The cards `m` needs, drawn by the chunks already here; the others are fetched, then `host` draws again. */
export const cards = (host: MessageHost, m: MessageItem): unknown[] => KINDS.flatMap(([has, load]) => (has(m, host) && chunk(host, load)?.card(host, m)) || []);
