import type { MessageItem } from "@parley/sdk";
import { type Chunk, chunk } from "../shared/chunk.js";
import type { MessageHost } from "./message-host.js";

/** A chunk that draws one kind of card in a message's bubble (issue 33); its `sheet` joins the view's styles. */
interface CardChunk extends Chunk {
  card(host: MessageHost, m: MessageItem): unknown;
}

/**
 * What a message may carry beyond text and files, and the chunk that draws it: each is fetched
 * the first time a message needs it, so a visitor who never meets a poll never loads its code.
 */
const KINDS: [has: (m: MessageItem) => unknown, load: () => Promise<CardChunk>][] = [
  [(m) => m.attachments.some((a) => a.voice), () => import("../voice/voice-player.js")],
  [(m) => m.poll, () => import("../polls/poll-card.js")],
  [(m) => m.preview, () => import("../previews/preview-card.js")],
  [(m) => m.pinned, () => import("../pins/pin-mark.js")],
];

/** The cards `m` needs, drawn by the chunks already here; the others are fetched, then `host` draws again. */
export const cards = (host: MessageHost, m: MessageItem): unknown[] => KINDS.flatMap(([has, load]) => (has(m) && chunk(host, load)?.card(host, m)) || []);
