import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Presence in big groups on request (issue 56): `apps.presenceGroupMax`, the largest conversation
 * whose members are pushed each other's presence in this app (null: the server's
 * PRESENCE_GROUP_MAX). Above it a member asks for the presence of the people they are looking at
 * (`presence.watch`), so a group of n coming online costs O(n) frames, not n².
 */
export class PresenceGroupMax1764195000000 implements MigrationInterface {
  name = "PresenceGroupMax1764195000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("apps", new TableColumn({ name: "presenceGroupMax", type: "int", isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("apps", "presenceGroupMax");
  }
}
