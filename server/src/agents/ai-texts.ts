import { createHash } from "node:crypto";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource } from "typeorm";
import type { AiLanguage, ConversationSummary, Me, MessageTranslation } from "@parley/sdk/protocol";
import type { AgentsConfig } from "../config/agents.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { isUniqueViolation } from "../db/db-errors.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { MessagesService } from "../messages/messages.service.js";
import type { UserCaller } from "../shared/caller.js";
import { AppError } from "../shared/errors.js";
import { consume } from "../shared/rate-limit.js";
import { TOKENS_USED_UP } from "./agent-reply.js";
import { type AgentEntity, AiTextEntity } from "./agent.entity.js";
import { AI_LANGUAGES } from "./agents.schema.js";
import type { AgentsService } from "./agents.service.js";
import type { HandoffService } from "./handoff.js";
import { type ChatTurn, ModelError, streamChat } from "./model-client.js";

export interface AiTextsDeps {
  db: DataSource;
  uow: UnitOfWork;
  agents: Pick<AgentsService, "enabledOf">;
  /** The app's agent settings (handoff.ts keeps them): which agent translates, which summarizes. */
  settings: Pick<HandoffService, "settings">;
  messages: Pick<MessagesService, "get">;
  membership: Pick<MembershipGuard, "require">;
  /** The agents' limiters, the same instances agent-runner.ts takes from: a translation is a question to a model like a reply. */
  perUser: RateLimiterAbstract;
  perApp: RateLimiterAbstract;
  tokensPerUser: RateLimiterAbstract;
  tokensPerApp: RateLimiterAbstract;
  allowPrivate: boolean;
  filter: (appId: string, text: string) => Promise<string>;
  /** The tokens a model's answer used (usage rollup and metrics). */
  tokens?: (appId: string, tokens: { prompt: number; completion: number; estimated: boolean }) => Promise<void>;
}

/** A summary covers at most this many messages (the newest of the unread), whatever the backlog. */
export const SUMMARY_MAX_MESSAGES = 200;
/** With fewer than this many unread, the summary is of the conversation's last SUMMARY_RECENT messages instead. */
const SUMMARY_MIN_UNREAD = 2;
const SUMMARY_RECENT = 50;
/** A whole answer, however steadily the model trickles it, within this long (its first token and pauses have AGENT_FIRST_TOKEN_SEC and AGENT_IDLE_SEC). */
const ANSWER_MAX_MS = 90_000;
/** A longer answer is cut here (and the request aborted): a model looping is not a translation. */
const ANSWER_MAX_CHARS = 20_000;
const CHARS_PER_TOKEN = 4;

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

/**
 * Translation and summaries (issue 54): a member asks the app's model for a message in another
 * language, or for what they have not read yet, summarized. Off until the app names the agent
 * whose model does it (`AgentSettings.translateAgentId`, `summarizeAgentId`): 409 `translate_off`
 * / `summarize_off`. Only what the caller may read goes to the model (a message of a conversation
 * they are in; a conversation's messages, never a thread's or another conversation's).
 *
 * Answers are kept in ai_texts under a hash of what was asked, so the same question never reaches
 * the model twice: a translation by message, language and the text's hash (an edit asks anew), a
 * summary by conversation, its range's first and last message, and language. A question that does
 * reach the model takes a point of the agents' limits per user and per app, and its tokens count
 * against the day's (as a reply does; agent-reply.ts); the answer passes the app's word filter.
 * A model that cannot answer (down, an error status, garbage, silent, too slow overall) is 503
 * `model_unavailable`, and nothing is kept.
 */
export class AiTextsService {
  constructor(
    private readonly deps: AiTextsDeps,
    private readonly config: Pick<AgentsConfig, "firstTokenMs" | "idleMs">,
  ) {}

  /** What `Me.ai` says: the helpers the app turned on (an enabled agent named for them); undefined when none is. */
  async features(appId: string): Promise<Me["ai"]> {
    const settings = await this.deps.settings.settings({ appId });
    const [translate, summarize] = await Promise.all([this.agent(appId, settings.translateAgentId), this.agent(appId, settings.summarizeAgentId)]);
    if (!translate && !summarize) return undefined;
    return { ...(translate ? { translate: true as const } : {}), ...(summarize ? { summarize: true as const } : {}) };
  }

  async translate(caller: UserCaller, messageId: string, language: AiLanguage): Promise<MessageTranslation> {
    const { appId } = caller;
    // The message as the caller may see it: another app's, a non-member's view, a tombstone are the same 404.
    const message = await this.deps.messages.get(caller, messageId);
    const agent = await this.agent(appId, (await this.deps.settings.settings(caller)).translateAgentId);
    if (!agent) throw new AppError("translate_off", "This app does not translate messages");
    if (message.stream?.state === "streaming") throw new AppError("conflict", "This message is still being written", { reason: "streaming" });
    const text = message.text ?? "";
    if (!text.trim()) throw new AppError("conflict", "This message has no text to translate", { reason: "no_text" });
    const id = sha256(["translation", appId, message.id, language, sha256(text)].join("\0"));
    const kept = await this.deps.db.getRepository(AiTextEntity).findOneBy({ id, appId });
    if (kept) return { messageId: message.id, language, text: kept.text, cached: true };
    const answer = await this.ask(caller, agent, [
      { role: "system", content: `Translate the user's message into ${AI_LANGUAGES[language]}. Answer with the translation only.` },
      { role: "user", content: text },
    ]);
    await this.keep({
      id,
      appId,
      conversationId: message.conversationId,
      messageId: Number(message.id),
      kind: "translation",
      language,
      text: answer,
      createdAt: Date.now(),
    });
    return { messageId: message.id, language, text: answer, cached: false };
  }

  async summarize(caller: UserCaller, conversationId: string, language: AiLanguage): Promise<ConversationSummary> {
    const { appId } = caller;
    const member = await this.deps.membership.require(appId, conversationId, caller.user);
    const agent = await this.agent(appId, (await this.deps.settings.settings(caller)).summarizeAgentId);
    if (!agent) throw new AppError("summarize_off", "This app does not summarize conversations");
    let rows = await this.textsOf(appId, conversationId, member.lastReadMessageId, SUMMARY_MAX_MESSAGES);
    if (rows.length < SUMMARY_MIN_UNREAD) rows = await this.textsOf(appId, conversationId, 0, SUMMARY_RECENT);
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (!first || !last) throw new AppError("conflict", "This conversation has no messages to summarize", { reason: "no_messages" });
    const id = sha256(["summary", appId, conversationId, first.id, last.id, language].join("\0"));
    const kept = await this.deps.db.getRepository(AiTextEntity).findOneBy({ id, appId });
    if (kept) return { conversationId, language, text: kept.text, messageCount: rows.length, cached: true };
    const transcript = rows.map((r) => `${r.displayName ?? (r.senderId ? "Someone" : "Notice")}: ${r.text}`).join("\n");
    const answer = await this.ask(caller, agent, [
      {
        role: "system",
        content: `Summarize this chat conversation in ${AI_LANGUAGES[language]}: the topics, decisions and questions, and who said what where it matters. Be brief. Answer with the summary only.`,
      },
      { role: "user", content: transcript },
    ]);
    await this.keep({ id, appId, conversationId, messageId: null, kind: "summary", language, text: answer, createdAt: Date.now() });
    return { conversationId, language, text: answer, messageCount: rows.length, cached: false };
  }

  /** The enabled agent of the app with this id (a removed or disabled one: off). */
  private async agent(appId: string, id: string | null): Promise<AgentEntity | undefined> {
    if (!id) return undefined;
    for (const a of (await this.deps.agents.enabledOf(appId)).values()) if (a.id === id) return a;
    return undefined;
  }

  /** The conversation's live text messages after `afterId`, the newest `limit` of them, oldest first, with their writers' names. */
  private async textsOf(
    appId: string,
    conversationId: string,
    afterId: number,
    limit: number,
  ): Promise<{ id: number; senderId: string; text: string; displayName: string | null }[]> {
    const rows: { id: number | string; senderId: string; text: string; displayName: string | null }[] = await this.deps.db.query(
      `SELECT x.id, x.senderId, x.text, u.displayName FROM messages x LEFT JOIN users u ON u.id = x.senderId
        WHERE x.appId = ? AND x.conversationId = ? AND x.id > ? AND x.deletedAt IS NULL AND x.threadId IS NULL
          AND x.text IS NOT NULL AND x.text <> '' AND (x.stream IS NULL OR x.stream = 'finished')
        ORDER BY x.id DESC LIMIT ${Number(limit)}`,
      [appId, conversationId, afterId],
    );
    return rows.reverse().map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Keeps an answer; the same one kept meanwhile by another request is as good. */
  private async keep(row: AiTextEntity): Promise<void> {
    try {
      await this.deps.uow.run(async ({ m }) => {
        // Translations of the message's earlier text (before an edit) in this language are of no more use.
        if (row.messageId !== null) await m.delete(AiTextEntity, { appId: row.appId, messageId: row.messageId, kind: "translation", language: row.language });
        await m.insert(AiTextEntity, row);
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  /**
   * The model's whole answer to `turns`, filtered, within the caller's and the app's limits. The
   * tokens are taken after, whatever the end: the usage chunk's, else estimated from the characters.
   */
  private async ask(caller: UserCaller, agent: AgentEntity, turns: ChatTurn[]): Promise<string> {
    const { appId } = caller;
    const userKey = `${appId}:${caller.user}`;
    await consume(this.deps.perUser, userKey);
    await consume(this.deps.perApp, appId);
    const [byUser, byApp] = await Promise.all([this.deps.tokensPerUser.get(userKey), this.deps.tokensPerApp.get(appId)]);
    if ((byUser?.consumedPoints ?? 0) >= this.deps.tokensPerUser.points || (byApp?.consumedPoints ?? 0) >= this.deps.tokensPerApp.points)
      throw new AppError("rate_limited", TOKENS_USED_UP, { reason: "tokens" });
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), ANSWER_MAX_MS);
    let text = "";
    let usage: { prompt: number; completion: number } | undefined;
    try {
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
        if (piece.type === "usage") usage = piece;
        else if (piece.type === "text") text += piece.text;
        if (text.length >= ANSWER_MAX_CHARS) {
          text = text.slice(0, ANSWER_MAX_CHARS);
          abort.abort();
        }
      }
      // Aborted by the deadline (not by the cap): the model was too slow, whatever it sent.
      if (abort.signal.aborted && text.length < ANSWER_MAX_CHARS) throw new ModelError("timeout", "The model did not answer in time");
      if (!text.trim()) throw new ModelError("garbage", "The model answered nothing");
    } catch (err) {
      if (err instanceof ModelError) throw new AppError("model_unavailable", err.message, { reason: err.kind });
      // The deadline closed the connection before any answer: the request's own error, as slow.
      if (abort.signal.aborted && !(err instanceof AppError))
        throw new AppError("model_unavailable", "The model did not answer in time", { reason: "timeout" });
      throw err;
    } finally {
      clearTimeout(deadline);
      abort.abort();
      const used = usage
        ? { ...usage, estimated: false }
        : {
            prompt: Math.ceil(turns.reduce((n, t) => n + (t.content?.length ?? 0), 0) / CHARS_PER_TOKEN),
            completion: Math.ceil(text.length / CHARS_PER_TOKEN),
            estimated: true,
          };
      const total = used.prompt + used.completion;
      if (total > 0) await Promise.all([this.deps.tokensPerUser.penalty(userKey, total), this.deps.tokensPerApp.penalty(appId, total)]).catch(() => undefined);
      await this.deps.tokens?.(appId, used).catch(() => undefined);
    }
    return this.deps.filter(appId, text.trim());
  }
}
