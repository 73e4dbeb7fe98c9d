import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * An app's AI agent (issue 54): a user of the app (`userId`, known to the host as `sub`) whose
 * replies are written by a model behind an OpenAI-compatible chat completions endpoint. It answers
 * in a DM with it and where it is @mentioned in a group, with the last `contextMessages` messages of
 * that conversation (and nothing else) after its system prompt. The API key is write-only: no route
 * answers it, only whether one is set.
 */
@Entity({ name: "agents" })
@Index("uq_agents_user", ["appId", "userId"], { unique: true })
export class AgentEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  /** The agent's own user: it writes the replies, it is the DM partner and the one mentioned. */
  @Column({ type: "varchar", length: 32 })
  userId!: string;

  /** The chat completions endpoint's base URL (`…/v1`): `/chat/completions` is added. */
  @Column({ type: "varchar", length: 1024 })
  endpoint!: string;

  @Column({ type: "varchar", length: 200 })
  model!: string;

  /** Sent as `Authorization: Bearer`; kept in clear (it is sent at every request), never answered. */
  @Column({ type: "varchar", length: 512, nullable: true })
  apiKey!: string | null;

  @Column({ type: "text" })
  systemPrompt!: string;

  /** How many of the conversation's last messages the model sees. */
  @Column({ type: "int" })
  contextMessages!: number;

  /** Hundredths (0 to 200): 70 is 0.7. */
  @Column({ type: "int" })
  temperature!: number;

  @Column({ type: "int" })
  maxTokens!: number;

  /** The tools it may call (JSON: `AgentTool[]`, agents.schema.ts checks them); null: none. */
  @Column({ type: "text", nullable: true })
  tools!: string | null;

  /** Off: it answers nobody (its conversations stay). */
  @Column({ type: "boolean", default: true })
  enabled!: boolean;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}

/**
 * An app's settings of its agents (one row per app; none: hand-off off). Hand-off stops the agent
 * in a conversation and brings people in: the app's moderators, or the users named.
 */
@Entity({ name: "agent_settings" })
export class AgentSettingsEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 16 })
  handoffTo!: "off" | "moderators" | "users";

  /** With `users`: their ids (a JSON array). */
  @Column({ type: "text", nullable: true })
  handoffUserIds!: string | null;

  /** The agent whose model translates messages (ai-texts.ts); null: off. */
  @Column({ type: "varchar", length: 32, nullable: true })
  translateAgentId!: string | null;

  /** The agent whose model summarizes conversations; null: off. */
  @Column({ type: "varchar", length: 32, nullable: true })
  summarizeAgentId!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}

/**
 * A conversation handed to people: its agents answer there no more. `requestedBy` is the member
 * who asked ("Talk to a person"); null when the model handed it off (or that member's account is gone).
 */
@Entity({ name: "agent_handoffs" })
@Index("ix_agent_handoffs_requester", ["appId", "requestedBy"])
export class AgentHandoffEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  agentUserId!: string;

  @Column({ type: "varchar", length: 32, nullable: true })
  requestedBy!: string | null;

  /** From a DM (which takes no more members): the group made for the member and the people. */
  @Column({ type: "varchar", length: 32, nullable: true })
  groupId!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}

/**
 * A text a model wrote for a member (ai-texts.ts): a message's translation or a conversation's
 * summary, kept so the same question never reaches the model twice. `id` is a hash of what was
 * asked (a translation: the message, its text and the language; a summary: the conversation, the
 * range's first and last message and the language), so an edited message misses and is asked anew.
 */
@Entity({ name: "ai_texts" })
@Index("ix_ai_texts_message", ["appId", "messageId"])
@Index("ix_ai_texts_conversation", ["appId", "conversationId"])
export class AiTextEntity {
  @PrimaryColumn({ type: "varchar", length: 64 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  conversationId!: string;

  /** A translation's message; null for a summary. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  messageId!: number | null;

  @Column({ type: "varchar", length: 16 })
  kind!: "translation" | "summary";

  @Column({ type: "varchar", length: 16 })
  language!: string;

  @Column({ type: "text" })
  text!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
