import { In, type DataSource } from "typeorm";
import type { Attachment, CallEntry, LinkPreview, Message, MessageStream, PinMark, Poll, ReactionSummary, StreamState } from "@parley/sdk/protocol";
import { dataField } from "../shared/custom-data.js";
import { iso, isoOrNull } from "../shared/time.js";
import { UploadEntity } from "../uploads/upload.entity.js";
import { MessageEntity, SYSTEM_SENDER } from "./message.entity.js";
import { ReactionEntity } from "./reaction.entity.js";
import { MentionEntity } from "../threads/thread.entities.js";
import { PinEntity } from "../pins/pin.entity.js";
import { presentPolls } from "../polls/polls.presenter.js";
import { voiceOf } from "../voice/voice.presenter.js";
import { mayHaveLink, presentPreviews } from "../previews/previews.presenter.js";
import { presentCallEntries } from "../calls/calls.presenter.js";

export const uploadUrl = (id: string): string => `/v1/uploads/${id}`;

export function presentAttachment(u: UploadEntity): Attachment {
  return { id: u.id, name: u.name, mime: u.mime, size: u.size, width: u.width, height: u.height, url: uploadUrl(u.id), ...voiceOf(u) } satisfies Attachment;
}

/**
 * Turns message rows into protocol Messages with their attachments and reactions, for a given
 * viewer ("mine"), in five extra queries whatever the number of messages (six with a poll among
 * them, one more with a link among them: its preview, one more with a system message: a call's entry).
 */
export class MessagePresenter {
  constructor(private readonly db: DataSource) {}

  async present(rows: MessageEntity[], viewerId: string): Promise<Message[]> {
    if (rows.length === 0) return [];
    const live = rows.filter((r) => r.deletedAt === null).map((r) => r.id);
    const linked = rows.filter((r) => r.deletedAt === null && mayHaveLink(r.text)).map((r) => r.id);
    const system = rows.filter((r) => r.deletedAt === null && r.senderId === SYSTEM_SENDER).map((r) => r.id);
    const [uploads, reactions, mentions, pins, polls, previews, calls] = live.length
      ? await Promise.all([
          this.db.getRepository(UploadEntity).find({ where: { messageId: In(live) }, order: { createdAt: "ASC", id: "ASC" } }),
          this.db.getRepository(ReactionEntity).find({ where: { messageId: In(live) }, order: { createdAt: "ASC" } }),
          this.db.getRepository(MentionEntity).find({ select: { messageId: true, userId: true }, where: { messageId: In(live) } }),
          this.db.getRepository(PinEntity).find({ where: { messageId: In(live) } }),
          presentPolls(this.db, live, viewerId),
          presentPreviews(this.db, linked),
          presentCallEntries(this.db, system),
        ])
      : [[], [], [], [], new Map(), new Map<number, LinkPreview>(), new Map<number, CallEntry>()];
    const pinBy = new Map(pins.map((p) => [p.messageId, { by: p.pinnedBy, at: iso(p.pinnedAt) } satisfies PinMark]));
    const filesBy = groupBy(uploads, (u) => u.messageId!);
    const reactionsBy = groupBy(reactions, (r) => r.messageId);
    const mentionsBy = groupBy(mentions, (x) => x.messageId);
    return rows.map((r) =>
      presentMessage(
        r,
        filesBy.get(r.id) ?? [],
        summarize(reactionsBy.get(r.id) ?? [], viewerId),
        (mentionsBy.get(r.id) ?? []).map((x) => x.userId),
        pinBy.get(r.id),
        polls.get(r.id),
        previews.get(r.id),
        calls.get(r.id),
      ),
    );
  }

  async presentOne(row: MessageEntity, viewerId: string): Promise<Message> {
    return (await this.present([row], viewerId))[0]!;
  }
}

export function presentMessage(
  r: MessageEntity,
  files: UploadEntity[],
  reactions: ReactionSummary[],
  mentions: string[] = [],
  pinned?: PinMark,
  poll?: Poll,
  preview?: LinkPreview,
  call?: CallEntry,
): Message {
  const deleted = r.deletedAt !== null;
  // A tombstone keeps its place in a thread (threadId) and the root its summary; never whom it named.
  return {
    id: String(r.id),
    conversationId: r.conversationId,
    senderId: r.senderId === SYSTEM_SENDER ? null : r.senderId,
    text: deleted ? null : r.text,
    attachments: deleted ? [] : files.map(presentAttachment),
    replyToId: r.replyToId === null ? null : String(r.replyToId),
    clientMessageId: r.clientMessageId,
    reactions: deleted ? [] : reactions,
    createdAt: iso(r.createdAt),
    editedAt: isoOrNull(r.editedAt),
    deletedAt: isoOrNull(r.deletedAt),
    ...(deleted ? {} : dataField(r.data)),
    ...(r.threadId ? { threadId: String(r.threadId) } : {}),
    ...(r.replyCount > 0 && r.lastReplyAt !== null ? { thread: { replyCount: r.replyCount, lastReplyAt: iso(r.lastReplyAt) } } : {}),
    ...(!deleted && mentions.length > 0 ? { mentions } : {}),
    ...(!deleted && pinned ? { pinned } : {}),
    ...(!deleted && poll ? { poll } : {}),
    ...(!deleted && preview ? { preview } : {}),
    ...(!deleted && call ? { call } : {}),
    ...(r.stream ? { stream: streamOf(r) } : {}),
  } satisfies Message;
}

/** A streamed message's state and, when it failed, why (streaming.ts). */
function streamOf(r: MessageEntity): MessageStream {
  return { state: r.stream as StreamState, ...(r.streamError ? { error: r.streamError } : {}) };
}

/** Reaction rows of one message -> per-emoji counts, in order of first use. */
function summarize(rows: ReactionEntity[], viewerId: string): ReactionSummary[] {
  const by = new Map<string, ReactionSummary>();
  for (const r of rows) {
    const s = by.get(r.emoji) ?? { emoji: r.emoji, count: 0, mine: false };
    s.count++;
    if (r.userId === viewerId) s.mine = true;
    by.set(r.emoji, s);
  }
  return [...by.values()];
}

export function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}
