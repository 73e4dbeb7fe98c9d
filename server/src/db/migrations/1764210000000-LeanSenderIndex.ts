import { TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Issue 56, fewer pages a message: `ix_messages_sender (appId, senderId, id)` goes. Every send wrote
 * it, and a batch's messages land in as many of its pages as the batch has senders (about 1.2 of
 * SQLite's 5.6 pages a message). `uq_messages_client_id (appId, senderId, clientMessageId)` starts
 * with the same two columns, so a user's own messages are still one range of an index: the export
 * and the account deletion page through it in its order (messages/sender-pages.ts), and slow mode
 * reads the conversation's newest messages instead (moderation/gate.ts).
 */
export class LeanSenderIndex1764210000000 implements MigrationInterface {
  name = "LeanSenderIndex1764210000000";

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex("messages", "ix_messages_sender");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createIndex("messages", new TableIndex({ name: "ix_messages_sender", columnNames: ["appId", "senderId", "id"] }));
  }
}
