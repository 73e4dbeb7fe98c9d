import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** A console role on one app, weakest first; operators (every app) are not a role of an app. */
export const APP_ROLES = ["viewer", "moderator", "admin", "owner"] as const;
export type AppRole = (typeof APP_ROLES)[number];

/**
 * A person who runs Parley or a host site: an operator (every app, creates apps, manages console
 * accounts) or someone with roles on apps (console_roles). Not a chat user: chat accounts live in
 * `users`, per app; a console account is the server's.
 */
@Entity({ name: "console_accounts" })
@Index("uq_console_accounts_email", ["email"], { unique: true })
export class ConsoleAccountEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  /** Lower-cased. */
  @Column({ type: "varchar", length: 254 })
  email!: string;

  @Column({ type: "varchar", length: 100 })
  passwordHash!: string;

  @Column({ type: "boolean", default: false })
  operator!: boolean;

  /** The TOTP secret (base32) once enrolled; null before. Kept in clear: it verifies every code. */
  @Column({ type: "varchar", length: 64, nullable: true })
  totpSecret!: string | null;

  /** A secret offered by setup, waiting for its first code; replaced by each setup. */
  @Column({ type: "varchar", length: 64, nullable: true })
  totpPending!: string | null;

  /** The 30-second step of the last code accepted: a code of this step or older is a replay. */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  totpLastStep!: number;

  /** SHA-256 (hex) of each unused recovery code, as a JSON array. */
  @Column({ type: "text", nullable: true })
  recoveryCodes!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}

/** An account's role on one app. */
@Entity({ name: "console_roles" })
@Index("ix_console_roles_app", ["appId"])
export class ConsoleRoleEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  accountId!: string;

  @PrimaryColumn({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 16 })
  role!: AppRole;
}

/**
 * A one-time sign-up link (its token's SHA-256): an operator, or a role on one app, for an e-mail
 * address. Used once, within a week.
 */
@Entity({ name: "console_invites" })
@Index("uq_console_invites_token", ["tokenHash"], { unique: true })
@Index("ix_console_invites_app", ["appId", "expiresAt"])
export class ConsoleInviteEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 64 })
  tokenHash!: string;

  @Column({ type: "varchar", length: 254 })
  email!: string;

  /** "operator", or a role on `appId`. */
  @Column({ type: "varchar", length: 16 })
  role!: AppRole | "operator";

  @Column({ type: "varchar", length: 32, nullable: true })
  appId!: string | null;

  /** The console account that invited; null for the CLI. */
  @Column({ type: "varchar", length: 32, nullable: true })
  invitedBy!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  expiresAt!: number;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  usedAt!: number | null;
}

/**
 * A signed-in browser: the cookie holds a random token, the row its SHA-256. It ends when idle
 * too long, at its absolute expiry, or when signed out (from here or from the session list); a
 * row checked on every request, so a sign-out holds on every node at once.
 */
@Entity({ name: "console_sessions" })
@Index("uq_console_sessions_token", ["tokenHash"], { unique: true })
@Index("ix_console_sessions_account", ["accountId", "createdAt"])
export class ConsoleSessionEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 64 })
  tokenHash!: string;

  @Column({ type: "varchar", length: 32 })
  accountId!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  lastSeenAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  expiresAt!: number;

  @Column({ type: "varchar", length: 64 })
  ip!: string;

  @Column({ type: "varchar", length: 200 })
  userAgent!: string;
}

/** Every console action: who (account), what, on what, in which app, when, from where. */
@Entity({ name: "console_audit" })
// Keyset pages newest first (console/console-usage.service.ts): by app, account, action, or all.
@Index("ix_console_audit_app_at", ["appId", "at", "id"])
@Index("ix_console_audit_account_at", ["accountId", "at", "id"])
@Index("ix_console_audit_action_at", ["action", "at", "id"])
@Index("ix_console_audit_at", ["at", "id"])
export class ConsoleAuditEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  accountId!: string;

  @Column({ type: "varchar", length: 48 })
  action!: string;

  @Column({ type: "varchar", length: 32, nullable: true })
  appId!: string | null;

  @Column({ type: "varchar", length: 128, nullable: true })
  target!: string | null;

  @Column({ type: "bigint", transformer: asNumber })
  at!: number;

  @Column({ type: "varchar", length: 64 })
  ip!: string;
}
