import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Consent and visibility (issue 15):
 * - `contact_requests.conversationId`: a request that names a group is an invitation to it
 *   (adding a non-contact to a group asks them first); null keeps meaning a contact request.
 * - `users.showLastSeen`: whether contacts and conversation partners see `lastSeenAt`.
 * - `apps.groupDirectAdd`, `apps.groupMaxMembers`: per-app overrides of GROUP_DIRECT_ADD and
 *   GROUP_MAX_MEMBERS (null: the server's setting).
 */
export class MembershipConsent1763840000000 implements MigrationInterface {
  name = "MembershipConsent1763840000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("contact_requests", new TableColumn({ name: "conversationId", type: "varchar", length: "32", isNullable: true }));
    await q.createIndex("contact_requests", new TableIndex({ name: "ix_contact_requests_conversation", columnNames: ["conversationId", "status"] }));
    await q.addColumn("users", new TableColumn({ name: "showLastSeen", type: "boolean", default: true }));
    await q.addColumn("apps", new TableColumn({ name: "groupDirectAdd", type: "boolean", isNullable: true }));
    await q.addColumn("apps", new TableColumn({ name: "groupMaxMembers", type: "int", isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("apps", "groupMaxMembers");
    await q.dropColumn("apps", "groupDirectAdd");
    await q.dropColumn("users", "showLastSeen");
    await q.dropIndex("contact_requests", "ix_contact_requests_conversation");
    await q.dropColumn("contact_requests", "conversationId");
  }
}
