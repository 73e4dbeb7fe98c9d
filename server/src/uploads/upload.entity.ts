import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** An uploaded file; attached to at most one message once sent. */
@Entity({ name: "uploads" })
@Index("ix_uploads_message", ["messageId", "createdAt"])
@Index("ix_uploads_uploader", ["appId", "uploaderId", "size"])
@Index("ix_uploads_app", ["appId", "size"])
export class UploadEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 32 })
  appId!: string;

  @Column({ type: "varchar", length: 32 })
  uploaderId!: string;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  messageId!: number | null;

  @Column({ type: "varchar", length: 32, nullable: true })
  conversationId!: string | null;

  /** The client's file name, for display only. */
  @Column({ type: "varchar", length: 255 })
  name!: string;

  @Column({ type: "varchar", length: 100 })
  mime!: string;

  @Column({ type: "bigint", transformer: asNumber })
  size!: number;

  @Column({ type: "int", nullable: true })
  width!: number | null;

  @Column({ type: "int", nullable: true })
  height!: number | null;

  /** A voice message (marked by `POST /uploads/:id/voice`): how long it plays, from its stream. Null on other files. */
  @Column({ type: "int", nullable: true })
  voiceDurationMs!: number | null;

  /** A voice message's waveform: VOICE_PEAKS peaks 0–255, as hex digits (two each). Null on other files. */
  @Column({ type: "varchar", length: 128, nullable: true })
  voicePeaks!: string | null;

  /** Random name on disk. */
  @Column({ type: "varchar", length: 80 })
  storedName!: string;

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;
}
