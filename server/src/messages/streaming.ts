import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource, EntityManager } from "typeorm";
import { MESSAGE_LIMITS, type AiStateEvent, type Message, type MessageDeltaEvent, type StreamState, type StreamStatus } from "@parley/sdk/protocol";
import type { StreamsConfig } from "../config/streams.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { isUniqueViolation } from "../db/db-errors.js";
import { dialectOf, insertedIds } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { ServerCaller, UserCaller } from "../shared/caller.js";
import { storeData } from "../shared/custom-data.js";
import { AppError, notFound } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { consume } from "../shared/rate-limit.js";
import { invalidField } from "../shared/validate.js";
import { MessageEntity } from "./message.entity.js";
import { MessagePresenter } from "./messages.presenter.js";
import { parseMessageId } from "./messages.schema.js";
import { DeltaCoalescer } from "./streaming-deltas.js";
import type { AiState, AppendStream, FailStream, FinishStream, StartStream } from "./streaming.schema.js";

/** Where deltas and agent states go live: the realtime layer plugs its sockets in (realtime/streams.socket.ts). */
export interface StreamOutlet {
  delta(e: MessageDeltaEvent): void;
  aiState(e: AiStateEvent): void;
}

/** What the streams are built from. */
export interface StreamingDeps {
  db: DataSource;
  uow: UnitOfWork;
  presenter: MessagePresenter;
  membership: MembershipGuard;
  /** Owner of the conversations table: the last message moves when a stream ends. */
  conversations: { touchLastMessages(m: EntityManager, last: Map<string, number>, now: number): Promise<void> };
  /** The host's users by `sub`. */
  users: { findBySub(appId: string, sub: string): Promise<{ id: string } | null> };
  /** Stream writes and ai.state, per app (config.streams.writesPerApp). */
  perApp: RateLimiterAbstract;
  logger: Logger;
}

/** How a stream ends, and who ends it. */
type Ending = { state: Exclude<StreamState, "streaming">; text?: string | undefined; data?: Record<string, unknown> | undefined; error?: string | undefined };
type Ender = { kind: "author" } | { kind: "member"; userId: string } | { kind: "sweep" };

/** Events carry one Message for every member: presented with no viewer. */
const NO_VIEWER = "";

/**
 * Streamed messages (issue 54): a bot's reply that grows by appends from the host's backend.
 *
 * The message is a row of `messages` from its start (`stream` = streaming), so a member who opens
 * the conversation mid-stream pages it with its text so far; a small `message_streams` row per
 * live stream lets every node's sweep fail the ones past their idle or total time. Each append is
 * checked against the stored text under the row's lock (MySQL `FOR UPDATE`; SQLite has one writer),
 * so it is right whichever node the author's requests reach: at the current length it adds; a
 * retry over text already there changes nothing; past the end (a gap) or over different text is a
 * 409 naming the length to go on from.
 *
 * Nothing of a stream goes to the event log until it ends: then ONE `message.new` carries the final
 * message, which is all the log, webhooks, search (it indexes message.new) and push see. Members
 * get the growth as ephemeral `message.delta` events, coalesced per message (streaming-deltas.ts).
 * This path is apart from sends: the send batcher never sees it.
 */
export class StreamingService {
  private outlet: StreamOutlet = { delta: () => {}, aiState: () => {} };
  private readonly deltas: DeltaCoalescer;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private sweeping = false;
  /** Who wants to know when a stream ends on this node (an agent's reply: its model request is aborted). */
  private readonly endings = new Map<string, () => void>();

  constructor(
    private readonly deps: StreamingDeps,
    private readonly config: StreamsConfig,
  ) {
    this.deltas = new DeltaCoalescer((e) => this.outlet.delta(e));
  }

  /** The realtime layer plugs its sockets in here; the answer unplugs them. */
  attachSockets(outlet: StreamOutlet): () => void {
    this.outlet = outlet;
    return () => {
      if (this.outlet === outlet) this.outlet = { delta: () => {}, aiState: () => {} };
    };
  }

  /**
   * Starts a message from `from` (a member, by sub) in the `streaming` state. Idempotent by
   * clientMessageId as sends are: a retry answers the stream started before (`created: false`).
   */
  async start(caller: ServerCaller, input: StartStream): Promise<{ message: Message; created: boolean }> {
    const { appId } = caller;
    await this.take(appId);
    const user = await this.deps.users.findBySub(appId, input.from);
    if (!user) throw new AppError("not_found", "No user of this app has this sub", { subs: [input.from] });
    const clientMessageId = input.clientMessageId ?? null;
    const earlier = clientMessageId === null ? null : await this.startedBefore(appId, user.id, clientMessageId, input.conversationId);
    if (earlier) return { message: earlier, created: false };
    const now = Date.now();
    let message: Message;
    try {
      message = await this.deps.uow.run(async ({ m }) => {
        await this.deps.membership.require(appId, input.conversationId, user.id, m);
        const replyToId = input.replyToId === undefined ? null : Number(input.replyToId);
        if (replyToId !== null) {
          const rows: unknown[] = await m.query(
            "SELECT id FROM messages WHERE id = ? AND appId = ? AND conversationId = ? AND deletedAt IS NULL AND threadId IS NULL",
            [replyToId, appId, input.conversationId],
          );
          if (rows.length === 0) throw invalidField("replyToId", "Not a message of this conversation");
        }
        const row = Object.assign(new MessageEntity(), {
          appId,
          conversationId: input.conversationId,
          senderId: user.id,
          text: input.text ?? "",
          replyToId,
          threadId: null,
          replyCount: 0,
          lastReplyAt: null,
          clientMessageId,
          createdAt: now,
          editedAt: null,
          deletedAt: null,
          data: storeData(input.data),
          stream: "streaming",
          streamError: null,
        });
        const raw = await m.query(
          "INSERT INTO messages (appId, conversationId, senderId, text, replyToId, clientMessageId, createdAt, data, stream) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          [appId, row.conversationId, row.senderId, row.text, replyToId, clientMessageId, now, row.data, row.stream],
        );
        row.id = insertedIds(dialectOf(m), raw, 1)[0]!;
        await m.query("INSERT INTO message_streams (messageId, appId, conversationId, startedAt, lastAppendAt) VALUES (?, ?, ?, ?, ?)", [
          row.id,
          appId,
          row.conversationId,
          now,
          now,
        ]);
        return this.presenterIn(m).presentOne(row, NO_VIEWER);
      });
    } catch (err) {
      // The same clientMessageId committed by a racing retry (on another node): answer that one.
      if (clientMessageId === null || !isUniqueViolation(err)) throw err;
      const winner = await this.startedBefore(appId, user.id, clientMessageId, input.conversationId);
      if (!winner) throw err;
      return { message: winner, created: false };
    }
    this.deltas.start(message);
    return { message, created: true };
  }

  /** Appends `text` at `offset` (see the class comment); answers where the stream is now. */
  async appendText(caller: ServerCaller, input: AppendStream): Promise<StreamStatus> {
    const { appId } = caller;
    await this.take(appId);
    const out = await this.deps.uow.run(async ({ m }) => {
      const row = await this.locked(m, appId, input.messageId);
      const text = row.text ?? "";
      if (row.stream !== "streaming") throw ended(row);
      if (input.offset > text.length)
        throw new AppError("stream_gap", `This append starts at ${input.offset}, past the text's length ${text.length}`, { length: text.length });
      const overlap = text.slice(input.offset, input.offset + input.text.length);
      if (!input.text.startsWith(overlap))
        throw new AppError("stream_conflict", `The text at ${input.offset} differs from this append's`, { length: text.length });
      // A retry of text already stored adds only what is past the end (nothing, usually).
      const added = input.text.slice(overlap.length);
      if (added.length === 0) return { row, added };
      if (text.length + added.length > MESSAGE_LIMITS.textMaxChars)
        throw new AppError("payload_too_large", `A message's text is at most ${MESSAGE_LIMITS.textMaxChars} characters`, { length: text.length });
      row.text = text + added;
      const now = Date.now();
      await m.query("UPDATE messages SET text = ? WHERE id = ?", [row.text, row.id]);
      await m.query("UPDATE message_streams SET lastAppendAt = ? WHERE messageId = ?", [now, row.id]);
      return { row, added, offset: text.length };
    });
    const { row } = out;
    if (out.added.length > 0 && out.offset !== undefined) this.deltas.add(row.conversationId, String(row.id), out.offset, out.added);
    return status(row);
  }

  /** The author ends the stream; `text` (the final text) replaces what was appended. A retry answers the finished message. */
  finish(caller: ServerCaller, input: FinishStream): Promise<Message> {
    return this.take(caller.appId)
      .then(() => this.end(caller.appId, input.messageId, { state: "finished", text: input.text, data: input.data }, { kind: "author" }))
      .then(answered);
  }

  /** The author gives up, saying why; the text so far stays. */
  fail(caller: ServerCaller, input: FailStream): Promise<Message> {
    return this.take(caller.appId)
      .then(() => this.end(caller.appId, input.messageId, { state: "failed", error: input.error }, { kind: "author" }))
      .then(answered);
  }

  /**
   * A member stops a streaming message: it ends now as `stopped` with the text it has (final: one
   * `message.new`), and the author's next append or finish is refused with `stream_stopped`. A
   * message that ended already is answered as it is.
   */
  stopByMember(caller: UserCaller, messageId: string): Promise<Message> {
    return this.end(caller.appId, messageId, { state: "stopped" }, { kind: "member", userId: caller.user }).then(answered);
  }

  /**
   * A member's "Talk to a person" (agents/handoff.ts): the replies `senderId` (the agent) is
   * writing in the conversation stop, as by the member's Stop, so the agent does not go on talking
   * once a person is asked for.
   */
  async stopRepliesOf(caller: UserCaller, conversationId: string, senderId: string): Promise<void> {
    const live: { id: number | string }[] = await this.deps.db.query(
      "SELECT s.messageId AS id FROM message_streams s JOIN messages m ON m.id = s.messageId WHERE s.appId = ? AND s.conversationId = ? AND m.senderId = ?",
      [caller.appId, conversationId, senderId],
    );
    for (const row of live) await this.stopByMember(caller, String(Number(row.id)));
  }

  /**
   * Calls `then` once the stream `messageId` ends on this node (finished, failed, or a member's
   * Stop); answers the function that stops listening. An agent's reply aborts its model request
   * with it, so a Stop closes the model's connection at once rather than at the next token. A
   * stream ended on another node is learnt at the author's next append (`stream_stopped`).
   */
  onEnded(messageId: string, then: () => void): () => void {
    this.endings.set(messageId, then);
    return () => this.endings.delete(messageId);
  }

  /** Tells the conversation's members what `from` (a member) is doing: ephemeral, never stored. */
  async setAiState(caller: ServerCaller, input: AiState): Promise<void> {
    const { appId } = caller;
    await this.take(appId);
    const user = await this.deps.users.findBySub(appId, input.from);
    if (!user) throw new AppError("not_found", "No user of this app has this sub", { subs: [input.from] });
    await this.deps.membership.require(appId, input.conversationId, user.id);
    this.outlet.aiState({ conversationId: input.conversationId, userId: user.id, state: input.state, ...(input.tool ? { tool: input.tool } : {}) });
  }

  /** Starts the sweep (every STREAM_SWEEP_SEC); it stops with the database or `stop()`. */
  startSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      if (!this.deps.db.isInitialized) return this.stop();
      void this.sweep().catch((err: unknown) => this.deps.db.isInitialized && this.deps.logger.warn({ err }, "stream sweep failed"));
    }, this.config.sweepMs);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.deltas.close();
  }

  /** Fails the streams past their idle or total time (any node's: the row's lock decides who ends one). */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const { idleTimeoutMs, maxDurationMs } = this.config;
      const due: { messageId: number | string; appId: string; startedAt: number | string }[] = await this.deps.db.query(
        "SELECT messageId, appId, startedAt FROM message_streams WHERE lastAppendAt < ? OR startedAt < ? LIMIT 100",
        [now - idleTimeoutMs, now - maxDurationMs],
      );
      for (const r of due) {
        const error =
          Number(r.startedAt) < now - maxDurationMs
            ? `The reply took longer than ${Math.round(maxDurationMs / 1000)} s`
            : `The reply stalled: nothing came for ${Math.round(idleTimeoutMs / 1000)} s`;
        await this.end(r.appId, String(Number(r.messageId)), { state: "failed", error }, { kind: "sweep" });
      }
    } finally {
      this.sweeping = false;
    }
  }

  /** Ends a stream in one unit: its final text and state, the conversation's last message, and ONE `message.new`. */
  private async end(appId: string, messageId: string, ending: Ending, by: Ender): Promise<Message | null> {
    const { result, afterCommit } = await this.deps.uow.commit(async ({ m, emit }) => {
      let row: MessageEntity;
      try {
        row = await this.locked(m, appId, messageId);
      } catch (err) {
        // The sweep's stream whose message was deleted meanwhile: only its row is left to go.
        if (by.kind === "sweep") await m.query("DELETE FROM message_streams WHERE messageId = ?", [Number(messageId)]);
        if (by.kind === "sweep" && err instanceof AppError) return null;
        throw err;
      }
      if (by.kind === "member") await this.deps.membership.require(appId, row.conversationId, by.userId, m);
      if (row.stream !== "streaming") {
        // Said twice (a retry, or a second Stop): the message as it ended. Anything else: why not.
        if (by.kind === "member" || (by.kind === "author" && row.stream === ending.state)) return { row, message: null };
        if (by.kind === "sweep") return null;
        throw ended(row);
      }
      const now = Date.now();
      if (ending.text !== undefined) row.text = ending.text;
      row.text ??= "";
      row.stream = ending.state;
      row.streamError = ending.error ?? null;
      if (ending.data !== undefined) row.data = storeData(ending.data);
      await m.query("UPDATE messages SET text = ?, stream = ?, streamError = ?, data = ? WHERE id = ?", [
        row.text,
        row.stream,
        row.streamError,
        row.data,
        row.id,
      ]);
      await m.query("DELETE FROM message_streams WHERE messageId = ?", [row.id]);
      await this.deps.conversations.touchLastMessages(m, new Map([[row.conversationId, row.id]]), now);
      // The author has read what they wrote, as after a send.
      await this.deps.membership.advanceReadMarks(m, [{ conversationId: row.conversationId, userId: row.senderId, id: row.id }]);
      const message = await this.presenterIn(m).presentOne(row, NO_VIEWER);
      emit(appId, [{ type: "message.new", conversationId: row.conversationId, data: { message } }]);
      return { row, message };
    });
    if (!result) return null; // the sweep's, ended elsewhere
    // Whatever deltas this node still holds are in the final message.
    this.deltas.end(String(result.row.id));
    this.endings.get(String(result.row.id))?.();
    afterCommit();
    return result.message ?? this.deps.presenter.presentOne(result.row, by.kind === "member" ? by.userId : NO_VIEWER);
  }

  /** A streamed message of the app, its row locked for this unit; 404 for anything else (a tombstone too). */
  private async locked(m: EntityManager, appId: string, messageId: string): Promise<MessageEntity> {
    const id = parseMessageId(messageId);
    if (id === null) throw notFound("Stream");
    if (dialectOf(m) === "mysql") await m.query("SELECT id FROM messages WHERE id = ? FOR UPDATE", [id]);
    const row = await m.getRepository(MessageEntity).findOneBy({ id, appId });
    if (!row || row.deletedAt !== null || !row.stream) throw notFound("Stream");
    return row;
  }

  /** A stream this sender started with this clientMessageId, or null; another conversation's is a 409. */
  private async startedBefore(appId: string, senderId: string, clientMessageId: string, conversationId: string): Promise<Message | null> {
    const row = await this.deps.db.getRepository(MessageEntity).findOneBy({ appId, senderId, clientMessageId });
    if (!row) return null;
    if (row.conversationId !== conversationId) throw new AppError("conflict", "This clientMessageId was already used for another conversation");
    return this.deps.presenter.presentOne(row, NO_VIEWER);
  }

  private take(appId: string): Promise<void> {
    return consume(this.deps.perApp, appId);
  }

  /** The presenter reading through a transaction's manager (it only needs getRepository). */
  private presenterIn(m: EntityManager): MessagePresenter {
    return new MessagePresenter(m as unknown as DataSource);
  }
}

/** Only the sweep's ending may find nothing to end. */
function answered(m: Message | null): Message {
  if (!m) throw notFound("Stream");
  return m;
}

/** Where a stream is, as an append answers it. */
function status(row: MessageEntity): StreamStatus {
  return { messageId: String(row.id), conversationId: row.conversationId, state: row.stream as StreamState, length: (row.text ?? "").length };
}

/** Why an ended stream takes no more: a member stopped it (stop generating), or it finished or failed. */
function ended(row: MessageEntity): AppError {
  const length = (row.text ?? "").length;
  return row.stream === "stopped"
    ? new AppError("stream_stopped", "A member stopped this reply", { length, state: row.stream })
    : new AppError("stream_ended", `This reply has ${row.stream} already`, { length, state: row.stream });
}
