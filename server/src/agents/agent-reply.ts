import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource } from "typeorm";
import { AGENT_TOOL_LIMITS, type AgentToolCall, type Message } from "@parley/sdk/protocol";
import type { AgentsConfig } from "../config/agents.js";
import type { StreamingService } from "../messages/streaming.js";
import { AppError } from "../shared/errors.js";
import { consume } from "../shared/rate-limit.js";
import type { AgentEntity } from "./agent.entity.js";
import { toolsOf } from "./agents.service.js";
import { type ChatTurn, ModelError, streamChat, type ToolCall, type ToolSpec } from "./model-client.js";

/** What one reply needs (agent-runner.ts's deps, which the composition root fills). */
export interface ReplyDeps {
  db: DataSource;
  streams: Pick<StreamingService, "start" | "appendText" | "finish" | "fail" | "setAiState" | "onEnded">;
  /** Requests to an agent per asking user, and per app. */
  perUser: RateLimiterAbstract;
  perApp: RateLimiterAbstract;
  /** Tokens a day per asking user, and per app (points are tokens; taken after each reply). */
  tokensPerUser: RateLimiterAbstract;
  tokensPerApp: RateLimiterAbstract;
  allowPrivate: boolean;
  filter: (appId: string, text: string) => Promise<string>;
  observe?: (outcome: "finished" | "failed" | "stopped" | "limited") => void;
  /** The tokens a reply used (usage rollup and metrics); `estimated` when the model sent no usage chunk. */
  tokens?: (appId: string, tokens: { prompt: number; completion: number; estimated: boolean }) => Promise<void>;
  /** A tool call, POSTed to the app's webhook: the answer the model is told, or why there is none. */
  callTool?: (
    appId: string,
    call: AgentToolCall,
    limits: { timeoutMs: number; maxBytes: number },
  ) => Promise<{ ok: true; body: string } | { ok: false; error: string }>;
  /** Whether the app hands off to people (its models are offered the `handoff` tool). */
  handoffEnabled?: (appId: string) => Promise<boolean>;
  /** Hands the conversation to people (the model's `handoff` tool; handoff.ts). */
  handoff?: (appId: string, input: { conversationId: string; agentUserId: string; reason: string }) => Promise<void>;
}

/** One reply to write: the agent, where, and the message that asked. */
export interface Job {
  appId: string;
  agent: AgentEntity;
  agentSub: string;
  asked: Message;
}

/** Appends are gathered this long (or this many characters) before one goes to the stream. */
const APPEND_EVERY_MS = 60;
const APPEND_MAX_CHARS = 400;
/** With no usage chunk, tokens are estimated at this many characters each (English text's usual ratio). */
const CHARS_PER_TOKEN = 4;

/** The built-in tool offered when the app hands off to people. */
const HANDOFF_TOOL: ToolSpec = {
  type: "function",
  function: {
    name: "handoff",
    description: "Hand this conversation to a person: call it when the user asks for a human, or when you cannot help. You will not answer here any more.",
    parameters: { type: "object", properties: { reason: { type: "string", description: "Why, in a few words" } } },
  },
};

/** Said when the day's tokens are used up (the per-minute limit says its own). */
export const TOKENS_USED_UP = "The assistant has used up its tokens for today: try again tomorrow.";

const estimate = (chars: number): number => Math.ceil(chars / CHARS_PER_TOKEN);
const charsOf = (turns: ChatTurn[]): number =>
  turns.reduce((n, t) => n + (t.content?.length ?? 0) + ("tool_calls" in t && t.tool_calls ? JSON.stringify(t.tool_calls).length : 0), 0);

/**
 * One reply, from start to its end (finished, failed, or stopped by a member): agent-runner.ts
 * explains the stream; this adds the day's tokens and the tools.
 *
 * Tokens: before the model is asked, the asker's and the app's tokens of the last day are read
 * (AGENT_TOKENS_PER_USER_PER_DAY, AGENT_TOKENS_PER_APP_PER_DAY); one used up ends the reply with
 * TOKENS_USED_UP. After it, whatever its end, its tokens are taken from both: the model's usage
 * chunk when it sent one (summed over tool rounds), else an estimate from the characters sent and
 * received. A reply under the limit may end past it (its size is known only after): the next waits.
 *
 * Tools: the agent's tools (and `handoff` when the app hands off to people) go with each request.
 * When the model answers with tool calls, each is announced (`ai.state` tool, its name), POSTed
 * signed to the app's webhook (`callTool`: bounded in time and size), and its answer, or the error,
 * goes back as a `tool` turn; the model is asked again, at most AGENT_TOOL_ROUNDS times (the last
 * round without tools, so it must answer). `handoff` ends the reply: the conversation goes to people.
 */
export async function writeReply(deps: ReplyDeps, config: AgentsConfig, { appId, agent, agentSub, asked }: Job): Promise<void> {
  const caller = { appId, server: `agent:${agent.id}` };
  const conversationId = asked.conversationId;
  const state = (s: "thinking" | "generating" | "tool" | "idle", tool?: string) =>
    deps.streams.setAiState(caller, { conversationId, from: agentSub, state: s, ...(tool ? { tool } : {}) }).catch(() => undefined);
  // One reply per asking message, whichever retry or node: the stream's clientMessageId.
  const { message, created } = await deps.streams.start(caller, {
    conversationId,
    from: agentSub,
    clientMessageId: `agent:${agent.id}:${asked.id}`,
    replyToId: asked.id,
  });
  if (!created) return;
  const fail = (error: string) => deps.streams.fail(caller, { messageId: message.id, error }).catch(() => undefined);
  const userKey = `${appId}:${asked.senderId}`;
  try {
    await consume(deps.perUser, userKey);
    await consume(deps.perApp, appId);
  } catch (err) {
    if (err instanceof AppError && err.code === "rate_limited") {
      deps.observe?.("limited");
      return void (await fail("Too many questions for the assistant just now: try again in a minute."));
    }
    throw err;
  }
  const [byUser, byApp] = await Promise.all([deps.tokensPerUser.get(userKey), deps.tokensPerApp.get(appId)]);
  if ((byUser?.consumedPoints ?? 0) >= deps.tokensPerUser.points || (byApp?.consumedPoints ?? 0) >= deps.tokensPerApp.points) {
    deps.observe?.("limited");
    return void (await fail(TOKENS_USED_UP));
  }
  await state("thinking");
  const abort = new AbortController();
  // A member's Stop on this node closes the model's connection at once (on another, the next append learns it).
  let stopped = false;
  const stopListening = deps.streams.onEnded(message.id, () => {
    stopped = true;
    abort.abort();
  });
  let text = "";
  /** What the members have: the word filter's version of the text's whole words so far. */
  let shown = "";
  let lastAppend = Date.now();
  const used = { prompt: 0, completion: 0, estimated: false };
  // Only whole words go out (the tail after the last space waits), each time through the app's
  // word filter: a masked word is never seen unmasked, a blocked one ends the reply. Should a
  // mask reach back over what was shown (a phrase across a space), the rest waits for the end.
  const flush = async (all = false): Promise<void> => {
    const cut = all ? text.length : Math.max(text.lastIndexOf(" "), text.lastIndexOf("\n")) + 1;
    if (cut <= shown.length && !all) return;
    const clean = await deps.filter(appId, text.slice(0, cut));
    lastAppend = Date.now();
    if (clean.length <= shown.length || !clean.startsWith(shown)) return;
    await deps.streams.appendText(caller, { messageId: message.id, offset: shown.length, text: clean.slice(shown.length) });
    shown = clean;
  };
  let asked_ = false;
  try {
    const turns = await context(deps.db, appId, agent, conversationId);
    const tools: ToolSpec[] = toolsOf(agent).map((t) => ({ type: "function", function: t }));
    if (deps.handoff && (await deps.handoffEnabled?.(appId))) tools.push(HANDOFF_TOOL);
    let first = true;
    for (let round = 0; ; round++) {
      const last = round >= config.toolRounds;
      let calls: ToolCall[] = [];
      let usage: { prompt: number; completion: number } | undefined;
      const roundStart = text.length;
      asked_ = true;
      for await (const piece of streamChat(
        {
          endpoint: agent.endpoint,
          apiKey: agent.apiKey,
          model: agent.model,
          messages: turns,
          temperature: agent.temperature / 100,
          maxTokens: agent.maxTokens,
          ...(last || tools.length === 0 ? {} : { tools }),
        },
        { firstTokenMs: config.firstTokenMs, idleMs: config.idleMs, allowPrivate: deps.allowPrivate },
        abort.signal,
      )) {
        if (piece.type === "usage") usage = piece;
        else if (piece.type === "tool_calls") calls = piece.calls;
        else {
          if (first) {
            first = false;
            await state("generating");
          }
          text += piece.text;
          if (text.length - shown.length >= APPEND_MAX_CHARS || Date.now() - lastAppend >= APPEND_EVERY_MS) await flush();
        }
      }
      if (usage) {
        used.prompt += usage.prompt;
        used.completion += usage.completion;
      } else {
        used.estimated = true;
        used.prompt += estimate(charsOf(turns));
        used.completion += estimate(text.length - roundStart + (calls.length ? JSON.stringify(calls).length : 0));
      }
      // Stopped (a member's Stop on this node): the model's answer ended early, nothing more to say.
      if (abort.signal.aborted) return void deps.observe?.("stopped");
      if (calls.length === 0 || last) break;
      turns.push({
        role: "assistant",
        content: text.slice(roundStart) || null,
        tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
      });
      const handoff = calls.find((c) => c.name === "handoff");
      if (handoff && deps.handoff && tools.includes(HANDOFF_TOOL)) {
        await state("tool", "handoff");
        await deps.handoff(appId, { conversationId, agentUserId: agent.userId, reason: String(argumentsOf(handoff)?.["reason"] ?? "").slice(0, 500) });
        if (!text.trim()) text = "I am handing you over to a person.";
        break;
      }
      for (const call of calls) {
        await state("tool", call.name);
        turns.push({ role: "tool", tool_call_id: call.id, content: await runTool(deps, config, appId, agent, asked, call, tools) });
      }
      await state("thinking");
    }
    await flush(true);
    // The whole text, filtered as one: what the message ends as.
    await deps.streams.finish(caller, { messageId: message.id, text: await deps.filter(appId, text) });
    deps.observe?.("finished");
  } catch (err) {
    abort.abort();
    // A member stopped it, or the server's sweep ended it: nothing more to say.
    if (stopped || (err instanceof AppError && (err.code === "stream_stopped" || err.code === "stream_ended"))) return void deps.observe?.("stopped");
    deps.observe?.("failed");
    if (err instanceof AppError && err.code === "content_blocked") return void (await fail("This reply was withheld: it has words this app does not allow."));
    if (err instanceof ModelError) {
      // What came before the failure stays, said with why it ends there.
      await flush(true).catch(() => undefined);
      return void (await fail(err.message));
    }
    await fail("The assistant could not answer.");
    throw err;
  } finally {
    stopListening();
    abort.abort();
    await state("idle");
    if (asked_) {
      const total = used.prompt + used.completion;
      if (total > 0) await Promise.all([deps.tokensPerUser.penalty(userKey, total), deps.tokensPerApp.penalty(appId, total)]).catch(() => undefined);
      await deps.tokens?.(appId, used).catch(() => undefined);
    }
  }
}

/** The tool's answer for the model: the webhook's body, or the error it is told (it may then answer without). */
async function runTool(
  deps: ReplyDeps,
  config: AgentsConfig,
  appId: string,
  agent: AgentEntity,
  asked: Message,
  call: ToolCall,
  tools: ToolSpec[],
): Promise<string> {
  if (!tools.some((t) => t.function.name === call.name)) return JSON.stringify({ error: `There is no tool named ${call.name}` });
  if (!deps.callTool) return JSON.stringify({ error: "Tools are not available" });
  const answer = await deps.callTool(
    appId,
    {
      agentId: agent.id,
      agentUserId: agent.userId,
      conversationId: asked.conversationId,
      messageId: asked.id,
      askedBy: asked.senderId,
      callId: call.id,
      name: call.name,
      arguments: argumentsOf(call) ?? call.arguments,
    },
    { timeoutMs: config.toolTimeoutMs, maxBytes: AGENT_TOOL_LIMITS.answerMaxBytes },
  );
  return answer.ok ? answer.body : JSON.stringify({ error: answer.error });
}

const argumentsOf = (call: ToolCall): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(call.arguments || "{}") as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * What the model is told: the system prompt, then the conversation's last `contextMessages`
 * messages oldest first (the agent's own as the assistant's, the others as the user's with the
 * writer's name). Only this conversation's, never a thread's or a deleted one.
 */
async function context(db: DataSource, appId: string, agent: AgentEntity, conversationId: string): Promise<ChatTurn[]> {
  const rows: { senderId: string | null; text: string; displayName: string | null }[] = await db.query(
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
