import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource } from "typeorm";
import type { ChatEvent, Message } from "@parley/sdk/protocol";
import type { AgentsConfig } from "../config/agents.js";
import type { StreamingService } from "../messages/streaming.js";
import { AppError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { consume } from "../shared/rate-limit.js";
import type { AgentEntity } from "./agent.entity.js";
import type { AgentsService } from "./agents.service.js";
import { type ChatTurn, ModelError, streamChat } from "./model-client.js";

export interface AgentRunnerDeps {
  db: DataSource;
  agents: Pick<AgentsService, "enabledOf">;
  streams: Pick<StreamingService, "start" | "appendText" | "finish" | "fail" | "setAiState">;
  /** Requests to an agent per asking user, and per app. */
  perUser: RateLimiterAbstract;
  perApp: RateLimiterAbstract;
  logger: Logger;
  /** AGENT_ALLOW_PRIVATE=1. */
  allowPrivate: boolean;
  /** The app's word filter over a text: masked, or `content_blocked` (moderation/gate.ts). */
  filter: (appId: string, text: string) => Promise<string>;
  /** Each reply's end, for the metrics. */
  observe?: (outcome: "finished" | "failed" | "stopped" | "limited") => void;
}

/** One reply to write: the agent, where, and the message that asked. */
interface Job {
  appId: string;
  agent: AgentEntity;
  agentSub: string;
  asked: Message;
}

/** Appends are gathered this long (or this many characters) before one goes to the stream. */
const APPEND_EVERY_MS = 60;
const APPEND_MAX_CHARS = 400;

/**
 * Writes agents' replies (issue 54). The unit of work's commit hook (on the node that wrote the
 * message) looks at each new message: one in a DM with an enabled agent, or one in a group that
 * @mentions an agent, asks that agent. A reply is a streamed message of the agent's
 * (messages/streaming.ts): it starts at once (`ai.state` thinking), grows as the model's tokens come
 * (appends gathered every ~60 ms, whole words only, through the app's word filter: masked words
 * are never shown unmasked, a blocked one withholds the reply), and finishes with the model's whole
 * text, filtered; or fails, with why in
 * words, when the model cannot be reached, answers other than 2xx or garbage, stays silent past
 * AGENT_FIRST_TOKEN_SEC / AGENT_IDLE_SEC, or drops the connection. A member's Stop ends the stream
 * on the server (streaming.ts); the next append learns it (`stream_stopped`) and the request to the
 * model is aborted, closing its connection.
 *
 * The model sees the agent's system prompt and the last `contextMessages` messages of that
 * conversation, nothing of any other. Requests are limited per asking user and per app (429 as a
 * failed reply saying so). A node runs AGENT_RUNS_PER_NODE replies at once; more wait their turn.
 */
export class AgentRunner {
  private running = 0;
  private readonly queue: Job[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly deps: AgentRunnerDeps,
    private readonly config: AgentsConfig,
  ) {}

  readonly onCommit = (appId: string, events: ChatEvent[]): void => {
    if (this.stopped) return;
    const asked = events.flatMap((e) => (e.type === "message.new" ? [e.data.message] : []));
    if (asked.length === 0) return;
    void this.route(appId, asked).catch((err: unknown) => this.deps.logger.warn({ err, appId }, "agent replies not started"));
  };

  /** Waits for the replies under way (a node's shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Which agents each new message asks: a DM's agent, or the agents it mentions. */
  private async route(appId: string, messages: Message[]): Promise<void> {
    const agents = await this.deps.agents.enabledOf(appId);
    if (agents.size === 0) return;
    const candidates = messages.filter(
      (m) =>
        m.senderId !== null && !agents.has(m.senderId) && m.threadId === undefined && m.deletedAt === null && m.stream === undefined && Boolean(m.text?.trim()),
    );
    if (candidates.length === 0) return;
    // The DMs among them with an agent in them, in one read.
    const conversations = [...new Set(candidates.map((m) => m.conversationId))];
    const ids = [...agents.keys()];
    const rows: { conversationId: string; userId: string }[] = await this.deps.db.query(
      `SELECT mb.conversationId, mb.userId FROM members mb JOIN conversations c ON c.id = mb.conversationId
        WHERE c.appId = ? AND c.kind = 'direct' AND mb.conversationId IN (${conversations.map(() => "?").join(", ")})
          AND mb.userId IN (${ids.map(() => "?").join(", ")})`,
      [appId, ...conversations, ...ids],
    );
    const dmAgent = new Map(rows.map((r) => [r.conversationId, r.userId]));
    const subs = await this.subsOf(appId, ids);
    for (const m of candidates) {
      const askedIds = new Set<string>();
      const inDm = dmAgent.get(m.conversationId);
      if (inDm) askedIds.add(inDm);
      for (const id of m.mentions ?? []) if (agents.has(id)) askedIds.add(id);
      for (const id of askedIds) this.enqueue({ appId, agent: agents.get(id)!, agentSub: subs.get(id) ?? "", asked: m });
    }
  }

  private async subsOf(appId: string, ids: string[]): Promise<Map<string, string>> {
    const rows: { id: string; externalId: string | null }[] = await this.deps.db.query(
      `SELECT id, externalId FROM users WHERE appId = ? AND id IN (${ids.map(() => "?").join(", ")})`,
      [appId, ...ids],
    );
    return new Map(rows.flatMap((r) => (r.externalId ? [[r.id, r.externalId] as const] : [])));
  }

  private enqueue(job: Job): void {
    if (!job.agentSub) return;
    this.queue.push(job);
    this.next();
  }

  private next(): void {
    while (!this.stopped && this.running < this.config.runsPerNode && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      const run = this.reply(job)
        .catch((err: unknown) => this.deps.logger.warn({ err, appId: job.appId, agentId: job.agent.id }, "agent reply failed"))
        .finally(() => {
          this.running--;
          this.inFlight.delete(run);
          this.next();
        });
      this.inFlight.add(run);
    }
  }

  /** One reply, from start to its end (finished, failed, or stopped by a member). */
  private async reply({ appId, agent, agentSub, asked }: Job): Promise<void> {
    const caller = { appId, server: `agent:${agent.id}` };
    const conversationId = asked.conversationId;
    const state = (s: "thinking" | "generating" | "idle") =>
      this.deps.streams.setAiState(caller, { conversationId, from: agentSub, state: s }).catch(() => undefined);
    // One reply per asking message, whichever retry or node: the stream's clientMessageId.
    const { message, created } = await this.deps.streams.start(caller, {
      conversationId,
      from: agentSub,
      clientMessageId: `agent:${agent.id}:${asked.id}`,
      replyToId: asked.id,
    });
    if (!created) return;
    const fail = (error: string) => this.deps.streams.fail(caller, { messageId: message.id, error }).catch(() => undefined);
    try {
      await consume(this.deps.perUser, `${appId}:${asked.senderId}`);
      await consume(this.deps.perApp, appId);
    } catch (err) {
      if (err instanceof AppError && err.code === "rate_limited") {
        this.deps.observe?.("limited");
        return void (await fail("Too many questions for the assistant just now: try again in a minute."));
      }
      throw err;
    }
    await state("thinking");
    const abort = new AbortController();
    let text = "";
    /** What the members have: the word filter's version of the text's whole words so far. */
    let shown = "";
    let lastAppend = Date.now();
    // Only whole words go out (the tail after the last space waits), each time through the app's
    // word filter: a masked word is never seen unmasked, a blocked one ends the reply. Should a
    // mask reach back over what was shown (a phrase across a space), the rest waits for the end.
    const flush = async (all = false): Promise<void> => {
      const cut = all ? text.length : Math.max(text.lastIndexOf(" "), text.lastIndexOf("\n")) + 1;
      if (cut <= shown.length && !all) return;
      const clean = await this.deps.filter(appId, text.slice(0, cut));
      lastAppend = Date.now();
      if (clean.length <= shown.length || !clean.startsWith(shown)) return;
      await this.deps.streams.appendText(caller, { messageId: message.id, offset: shown.length, text: clean.slice(shown.length) });
      shown = clean;
    };
    try {
      const turns = await this.context(appId, agent, conversationId);
      let first = true;
      for await (const piece of streamChat(
        {
          endpoint: agent.endpoint,
          apiKey: agent.apiKey,
          model: agent.model,
          messages: turns,
          temperature: agent.temperature / 100,
          maxTokens: agent.maxTokens,
        },
        { firstTokenMs: this.config.firstTokenMs, idleMs: this.config.idleMs, allowPrivate: this.deps.allowPrivate },
        abort.signal,
      )) {
        if (first) {
          first = false;
          await state("generating");
        }
        text += piece;
        if (text.length - shown.length >= APPEND_MAX_CHARS || Date.now() - lastAppend >= APPEND_EVERY_MS) await flush();
      }
      if (abort.signal.aborted) return;
      await flush(true);
      // The whole text, filtered as one: what the message ends as.
      await this.deps.streams.finish(caller, { messageId: message.id, text: await this.deps.filter(appId, text) });
      this.deps.observe?.("finished");
    } catch (err) {
      abort.abort();
      // A member stopped it, or the server's sweep ended it: nothing more to say.
      if (err instanceof AppError && (err.code === "stream_stopped" || err.code === "stream_ended")) return void this.deps.observe?.("stopped");
      this.deps.observe?.("failed");
      if (err instanceof AppError && err.code === "content_blocked") return void (await fail("This reply was withheld: it has words this app does not allow."));
      if (err instanceof ModelError) {
        // What came before the failure stays, said with why it ends there.
        await flush(true).catch(() => undefined);
        return void (await fail(err.message));
      }
      await fail("The assistant could not answer.");
      throw err;
    } finally {
      abort.abort();
      await state("idle");
    }
  }

  /**
   * What the model is told: the system prompt, then the conversation's last `contextMessages`
   * messages oldest first (the agent's own as the assistant's, the others as the user's with the
   * writer's name). Only this conversation's, never a thread's or a deleted one.
   */
  private async context(appId: string, agent: AgentEntity, conversationId: string): Promise<ChatTurn[]> {
    const rows: { senderId: string | null; text: string; displayName: string | null }[] = await this.deps.db.query(
      `SELECT x.senderId, x.text, u.displayName FROM messages x LEFT JOIN users u ON u.id = x.senderId
        WHERE x.appId = ? AND x.conversationId = ? AND x.deletedAt IS NULL AND x.threadId IS NULL
          AND (x.stream IS NULL OR x.stream = 'finished')
        ORDER BY x.id DESC LIMIT ${Number(agent.contextMessages)}`,
      [appId, conversationId],
    );
    const turns: ChatTurn[] = rows.reverse().flatMap((r): ChatTurn[] => {
      if (!r.text) return [];
      if (r.senderId === agent.userId) return [{ role: "assistant", content: r.text }];
      return [{ role: "user", content: r.displayName ? `${r.displayName}: ${r.text}` : r.text }];
    });
    return agent.systemPrompt ? [{ role: "system", content: agent.systemPrompt }, ...turns] : turns;
  }
}
