import type { ChatEvent, Message } from "@parley/sdk/protocol";
import type { AgentsConfig } from "../config/agents.js";
import type { Logger } from "../shared/logger.js";
import { type Job, type ReplyDeps, writeReply } from "./agent-reply.js";
import type { AgentsService } from "./agents.service.js";

export interface AgentRunnerDeps extends ReplyDeps {
  agents: Pick<AgentsService, "enabledOf">;
  logger: Logger;
  /** Of these conversations, those handed to people (handoff.ts): their agents answer there no more. */
  handedOff?: (appId: string, conversationIds: string[]) => Promise<Set<string>>;
}

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
 * on the server (streaming.ts); the request to the model is aborted at once, closing its connection
 * (`onEnded`; a Stop taken by another node is learnt at the next append, `stream_stopped`).
 *
 * The model sees the agent's system prompt and the last `contextMessages` messages of that
 * conversation, nothing of any other. Requests are limited per asking user and per app (429 as a
 * failed reply saying so), and so are tokens a day; the tokens, tools and hand-off: agent-reply.ts. A
 * conversation handed to people (handoff.ts) asks its agents nothing more. A node runs AGENT_RUNS_PER_NODE replies at once; more wait their turn.
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
    let candidates = messages.filter(
      (m) =>
        m.senderId !== null && !agents.has(m.senderId) && m.threadId === undefined && m.deletedAt === null && m.stream === undefined && Boolean(m.text?.trim()),
    );
    if (candidates.length === 0) return;
    const handed = await this.deps.handedOff?.(appId, [...new Set(candidates.map((m) => m.conversationId))]);
    if (handed?.size) candidates = candidates.filter((m) => !handed.has(m.conversationId));
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
      const run = writeReply(this.deps, this.config, job)
        .catch((err: unknown) => this.deps.logger.warn({ err, appId: job.appId, agentId: job.agent.id }, "agent reply failed"))
        .finally(() => {
          this.running--;
          this.inFlight.delete(run);
          this.next();
        });
      this.inFlight.add(run);
    }
  }
}
