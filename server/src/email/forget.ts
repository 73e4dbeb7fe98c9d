import type { EntityManager } from "typeorm";
import { EmailOutboxEntity, EmailRecipientEntity } from "./email.entities.js";

/**
 * Account deletion's part of email/ (issue 55), in the deleting unit: the user's address, wishes
 * and every e-mail of theirs in the outbox (sent or not: they quote their messages). An app's
 * deletion removes its rows of all three tables (each has an appId: tenancy/app-deletion.ts).
 */
export async function forgetEmailOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.delete(EmailOutboxEntity, { appId, userId });
  await m.delete(EmailRecipientEntity, { appId, userId });
}
