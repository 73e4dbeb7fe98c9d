import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, ms, str } from "./helpers.js";

/**
 * Issue 33, link previews: the unfurler's per-URL cache (link_previews, keyed by the URL's sha256,
 * no URL, app or user in it) and each message's preview as its readers see it (message_previews).
 */
export class LinkPreviews1764050000000 implements MigrationInterface {
  name = "LinkPreviews1764050000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "link_previews",
        columns: [
          { name: "urlHash", type: "varchar", length: "64", isPrimary: true },
          { name: "preview", type: "text", isNullable: true },
          str("reason", 32, true),
          str("imageKey", 100, true),
          ms("fetchedAt"),
          ms("expiresAt"),
        ],
      }),
    );
    // The expiry sweep, and whether a stored image is still referenced.
    await q.createIndex("link_previews", new TableIndex({ name: "ix_link_previews_expires", columnNames: ["expiresAt"] }));
    await q.createIndex("link_previews", new TableIndex({ name: "ix_link_previews_image", columnNames: ["imageKey"] }));
    await createTable(
      q,
      new Table({
        name: "message_previews",
        columns: [
          { name: "messageId", type: "bigint", isPrimary: true },
          str("appId", 32),
          str("conversationId", 32),
          str("url", 2048),
          str("urlHash", 64),
          str("title", 200, true),
          str("description", 300, true),
          str("siteName", 100, true),
          str("imageKey", 100, true),
          { name: "imageWidth", type: "int", isNullable: true },
          { name: "imageHeight", type: "int", isNullable: true },
          { name: "removed", type: "boolean", default: false },
          ms("createdAt"),
        ],
      }),
    );
    // An app's or a conversation's deletion; whether a stored image is still referenced.
    await q.createIndex("message_previews", new TableIndex({ name: "ix_message_previews_conversation", columnNames: ["appId", "conversationId"] }));
    await q.createIndex("message_previews", new TableIndex({ name: "ix_message_previews_image", columnNames: ["imageKey"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("message_previews");
    await q.dropTable("link_previews");
  }
}
