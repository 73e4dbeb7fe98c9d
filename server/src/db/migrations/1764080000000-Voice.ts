import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Voice messages (issue 33): an upload marked as voice keeps its length and waveform.
 * - `uploads.voiceDurationMs`: how long it plays (ms); null on every other file.
 * - `uploads.voicePeaks`: its waveform, 64 peaks 0–255 as 128 hex digits; null on other files.
 * - `apps.voiceMaxSeconds`: the longest voice message the app accepts (null: VOICE_MAX_SECONDS).
 */
export class Voice1764080000000 implements MigrationInterface {
  name = "Voice1764080000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("uploads", new TableColumn({ name: "voiceDurationMs", type: "int", isNullable: true }));
    await q.addColumn("uploads", new TableColumn({ name: "voicePeaks", type: "varchar", length: "128", isNullable: true }));
    await q.addColumn("apps", new TableColumn({ name: "voiceMaxSeconds", type: "int", isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("apps", "voiceMaxSeconds");
    await q.dropColumn("uploads", "voicePeaks");
    await q.dropColumn("uploads", "voiceDurationMs");
  }
}
