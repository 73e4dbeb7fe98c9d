import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** A user the app trusts to moderate it: set by the host's backend (server API) or the operator (CLI). */
@Entity({ name: "app_moderators" })
export class ModeratorEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "varchar", length: 64, nullable: true })
  createdBy!: string | null;
}

/**
 * A mute (in a conversation, until a time) or a ban (from a conversation, or the app when
 * `conversationId` is ""). One row per (app, user, kind, scope): setting it again replaces it;
 * lifting it deletes it. Expired mutes are ignored where read and replaced when set again.
 */
@Entity({ name: "moderation_sanctions" })
@Index("uq_moderation_sanctions", ["appId", "userId", "kind", "conversationId"], { unique: true })
export class SanctionEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 8 })
  kind!: "mute" | "ban";

  @Column({ type: "varchar", length: 32 })
  userId!: string;

  /** "" for an app-wide ban. */
  @Column({ type: "varchar", length: 32, default: "" })
  conversationId!: string;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  until!: number | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  reason!: string | null;

  /** A moderator's user id, or `server:<key id>`. */
  @Column({ type: "varchar", length: 64 })
  createdBy!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}

/** Slow mode of a conversation: one message per `seconds` per member (owners, admins and moderators exempt). */
@Entity({ name: "moderation_slow_mode" })
export class SlowModeEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  conversationId!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "int" })
  seconds!: number;
}

/** The app's word filter: the whole list as JSON (`FilterWord[]`, or `{words, names}` when names are filtered too: word-filter.ts), read at once and cached per node. */
@Entity({ name: "moderation_word_filters" })
export class WordFilterEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "text" })
  words!: string;

  @Column({ type: "bigint", transformer: asNumber })
  updatedAt!: number;
}

/** A member's report of a message or a user, in the app's queue until a moderator resolves or dismisses it. */
@Entity({ name: "moderation_reports" })
@Index("ix_moderation_reports_queue", ["appId", "status", "createdAt", "id"])
@Index("ix_moderation_reports_all", ["appId", "createdAt", "id"])
@Index("ix_moderation_reports_user", ["appId", "userId"])
@Index("ix_moderation_reports_reporter", ["appId", "reporterId"])
export class ReportEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  reporterId!: string;

  @Column({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  messageId!: number | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  conversationId!: string | null;

  @Column({ type: "text", nullable: true })
  messageText!: string | null;

  @Column({ type: "varchar", length: 20 })
  reason!: string;

  @Column({ type: "varchar", length: 1000, nullable: true })
  note!: string | null;

  @Column({ type: "varchar", length: 10 })
  status!: "open" | "resolved" | "dismissed";

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  resolvedAt!: number | null;

  @Column({ type: "varchar", length: 64, nullable: true })
  resolvedBy!: string | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  resolution!: string | null;
}

/** One moderation action: written in the unit of work of the action itself. */
@Entity({ name: "moderation_audit" })
@Index("ix_moderation_audit_app", ["appId", "createdAt", "id"])
export class AuditEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 40 })
  action!: string;

  @Column({ type: "varchar", length: 32, nullable: true })
  actorUserId!: string | null;

  @Column({ type: "varchar", length: 64, nullable: true })
  actorServerKey!: string | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  targetUserId!: string | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  conversationId!: string | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  messageId!: number | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  reportId!: string | null;

  @Column({ type: "varchar", length: 500, nullable: true })
  reason!: string | null;

  @Column({ type: "text", nullable: true })
  details!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
