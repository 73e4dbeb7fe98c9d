import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Quiet hours for e-mail about unread messages (issue 55): `email_recipients.timeZone` (IANA, such
 * as Europe/Berlin; null: UTC) and `quietFrom` / `quietTo`, minutes after midnight in that zone
 * between which no e-mail is sent (null: none; `quietFrom > quietTo` spans midnight).
 */
export class EmailQuietHours1764130000000 implements MigrationInterface {
  name = "EmailQuietHours1764130000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("email_recipients", new TableColumn({ name: "timeZone", type: "varchar", length: "64", isNullable: true }));
    await q.addColumn("email_recipients", new TableColumn({ name: "quietFrom", type: "int", isNullable: true }));
    await q.addColumn("email_recipients", new TableColumn({ name: "quietTo", type: "int", isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("email_recipients", "quietTo");
    await q.dropColumn("email_recipients", "quietFrom");
    await q.dropColumn("email_recipients", "timeZone");
  }
}
