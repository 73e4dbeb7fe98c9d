import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, isMysql, ms, str } from "./helpers.js";

/** Conversations, members, messages, reactions, uploads, contacts, blocks and the event log. */
export class Messaging1763790000000 implements MigrationInterface {
  name = "Messaging1763790000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("apps", new TableColumn({ name: "lastSeq", type: "bigint", default: 0 }));
    await createTable(
      q,
      new Table({
        name: "conversations",
        columns: [
          id(),
          str("appId", 32),
          str("kind", 10),
          str("name", 100, true),
          { name: "isPublic", type: "boolean", default: false },
          str("directKey", 70, true),
          str("createdBy", 32),
          ms("createdAt"),
          ms("lastActivityAt"),
          ms("lastMessageId", true),
        ],
        indices: [
          new TableIndex({ name: "uq_conversations_direct", columnNames: ["appId", "directKey"], isUnique: true }),
          new TableIndex({ name: "ix_conversations_public", columnNames: ["appId", "isPublic", "name"] }),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "members",
        columns: [
          { ...str("conversationId", 32), isPrimary: true },
          { ...str("userId", 32), isPrimary: true },
          str("appId", 32),
          str("role", 10),
          ms("joinedAt"),
          { name: "lastReadMessageId", type: "bigint", default: 0 },
        ],
        indices: [new TableIndex({ name: "ix_members_user", columnNames: ["appId", "userId"] })],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "messages",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          str("appId", 32),
          str("conversationId", 32),
          str("senderId", 32),
          { name: "text", type: "text", isNullable: true },
          ms("replyToId", true),
          str("clientMessageId", 64, true),
          ms("createdAt"),
          ms("editedAt", true),
          ms("deletedAt", true),
        ],
        indices: [
          new TableIndex({ name: "ix_messages_conversation", columnNames: ["conversationId", "id"] }),
          new TableIndex({ name: "uq_messages_client_id", columnNames: ["appId", "senderId", "clientMessageId"], isUnique: true }),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "reactions",
        columns: [
          { ...ms("messageId"), isPrimary: true },
          { ...str("userId", 32), isPrimary: true },
          { ...str("emoji", 32), isPrimary: true },
          str("appId", 32),
          ms("createdAt"),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "uploads",
        columns: [
          id(),
          str("appId", 32),
          str("uploaderId", 32),
          ms("messageId", true),
          str("conversationId", 32, true),
          str("name", 255),
          str("mime", 100),
          ms("size"),
          { name: "width", type: "int", isNullable: true },
          { name: "height", type: "int", isNullable: true },
          str("storedName", 80),
          ms("createdAt"),
        ],
        indices: [new TableIndex({ name: "ix_uploads_message", columnNames: ["messageId"] })],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "contact_requests",
        columns: [id(), str("appId", 32), str("fromUserId", 32), str("toUserId", 32), str("status", 12), ms("createdAt"), ms("respondedAt", true)],
        indices: [
          new TableIndex({ name: "ix_contact_requests_to", columnNames: ["appId", "toUserId", "status"] }),
          new TableIndex({ name: "ix_contact_requests_from", columnNames: ["appId", "fromUserId", "status"] }),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "contacts",
        columns: [{ ...str("userId", 32), isPrimary: true }, { ...str("contactId", 32), isPrimary: true }, str("appId", 32), ms("since")],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "blocks",
        columns: [{ ...str("blockerId", 32), isPrimary: true }, { ...str("blockedId", 32), isPrimary: true }, str("appId", 32), ms("createdAt")],
        indices: [new TableIndex({ name: "ix_blocks_blocked", columnNames: ["blockedId"] })],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "events",
        columns: [
          { ...str("appId", 32), isPrimary: true },
          { ...ms("seq"), isPrimary: true },
          str("conversationId", 32, true),
          str("userId", 32, true),
          str("type", 32),
          { name: "data", type: "text" },
          ms("createdAt"),
        ],
        indices: [
          new TableIndex({ name: "ix_events_conversation", columnNames: ["appId", "conversationId", "seq"] }),
          new TableIndex({ name: "ix_events_user", columnNames: ["appId", "userId", "seq"] }),
        ],
      }),
    );
    if (isMysql(q)) {
      // unicode_ci collates many different emoji as equal; reactions must tell them apart.
      await q.query("ALTER TABLE `reactions` MODIFY `emoji` varchar(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL");
      // SQLite needs INTEGER PRIMARY KEY for autoincrement; MySQL gets the full 64-bit range.
      await q.query("ALTER TABLE `messages` MODIFY `id` bigint NOT NULL AUTO_INCREMENT");
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["events", "blocks", "contacts", "contact_requests", "uploads", "reactions", "messages", "members", "conversations"]) {
      await q.dropTable(t);
    }
    await q.dropColumn("apps", "lastSeq");
  }
}
