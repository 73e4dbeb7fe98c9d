import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/**
 * One refresh token of a session. A session (`familyId`) is a chain of tokens, each used once:
 * using a token rotates it (its successor is derived from it, see TokenService.successorOf);
 * using an already-rotated one within the grace window answers the chain's newest token (tabs
 * sharing a session), after it means it leaked, and the family dies.
 */
@Entity({ name: "refresh_tokens" })
@Index("uq_refresh_tokens_hash", ["tokenHash"], { unique: true })
@Index("ix_refresh_tokens_family", ["familyId"])
@Index("ix_refresh_tokens_user", ["appId", "userId"])
export class RefreshTokenEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  userId!: string;

  @Column({ type: "varchar", length: 32 })
  familyId!: string;

  /** SHA-256 of the token, hex: the token itself is never stored. */
  @Column({ type: "varchar", length: 64 })
  tokenHash!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  @Column({ type: "bigint", transformer: asNumber })
  expiresAt!: number;

  /** Set when this token was exchanged for the next one. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  rotatedAt!: number | null;

  /** Set on logout or on reuse detection, for every token of the family. */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  revokedAt!: number | null;
}
