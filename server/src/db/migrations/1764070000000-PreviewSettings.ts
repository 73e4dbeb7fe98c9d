import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Issue 33, link previews per app: on or off (on by default) and the hosts previews may
 * (`previewAllow`, empty: any) and may never (`previewDeny`) be fetched from, each a JSON list of
 * host rules (NULL: empty).
 */
export class PreviewSettings1764070000000 implements MigrationInterface {
  name = "PreviewSettings1764070000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("apps", new TableColumn({ name: "linkPreviews", type: "boolean", default: true }));
    await q.addColumn("apps", new TableColumn({ name: "previewAllow", type: "text", isNullable: true }));
    await q.addColumn("apps", new TableColumn({ name: "previewDeny", type: "text", isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("apps", "previewDeny");
    await q.dropColumn("apps", "previewAllow");
    await q.dropColumn("apps", "linkPreviews");
  }
}
