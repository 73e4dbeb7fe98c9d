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

  /** Off: it answers nobody (its conversations stay). */
  @Column({ type: "boolean", default: true })
  enabled!: boolean;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}
