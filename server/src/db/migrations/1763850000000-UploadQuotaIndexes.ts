import { TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Upload quotas sum stored bytes per user and per app on every upload, and the sweeper looks for
 * old unattached uploads: covering indexes for both sums, and createdAt beside messageId so the
 * sweep reads only what it deletes (uploads are rare writes; these cost little).
 */
export class UploadQuotaIndexes1763850000000 implements MigrationInterface {
  name = "UploadQuotaIndexes1763850000000";

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex("uploads", new TableIndex({ name: "ix_uploads_uploader", columnNames: ["appId", "uploaderId", "size"] }));
    await q.createIndex("uploads", new TableIndex({ name: "ix_uploads_app", columnNames: ["appId", "size"] }));
    await q.dropIndex("uploads", "ix_uploads_message");
    await q.createIndex("uploads", new TableIndex({ name: "ix_uploads_message", columnNames: ["messageId", "createdAt"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("uploads", "ix_uploads_message");
    await q.createIndex("uploads", new TableIndex({ name: "ix_uploads_message", columnNames: ["messageId"] }));
    await q.dropIndex("uploads", "ix_uploads_app");
    await q.dropIndex("uploads", "ix_uploads_uploader");
  }
}
