import type { EntityManager } from "typeorm";
import type { ModerationAction } from "@parley/sdk/protocol";
import { type Caller, isUserCaller } from "../../shared/caller.js";
import { newId } from "../../shared/ids.js";
import { AuditEntity, SanctionEntity } from "../moderation.entities.js";
import { notFound } from "../../shared/errors.js";
import type { ModerationDeps } from "../deps.js";
import { actorName, requireConversationModerator } from "../policy.js";

/** What one audit entry records beyond who and when. */
export interface AuditFacts {
  action: ModerationAction;
  targetUserId?: string | null;
  conversationId?: string | null;
  messageId?: number | null;
  reportId?: string | null;
  reason?: string | null | undefined;
  details?: Record<string, unknown> | null;
}

/** Writes one audit entry in the acting unit. */
export async function audit(m: EntityManager, caller: Caller, f: AuditFacts): Promise<void> {
  await m.insert(AuditEntity, {
    id: newId("aud"),
    appId: caller.appId,
    action: f.action,
    actorUserId: isUserCaller(caller) ? caller.user : null,
    actorServerKey: isUserCaller(caller) ? null : caller.server,
    targetUserId: f.targetUserId ?? null,
    conversationId: f.conversationId ?? null,
    messageId: f.messageId ?? null,
    reportId: f.reportId ?? null,
    reason: f.reason || null,
    details: f.details ? JSON.stringify(f.details) : null,
    createdAt: Date.now(),
  } satisfies AuditEntity);
}

/** Sets a mute or ban (replacing the same one, with its new end and reason). */
export async function putSanction(
  m: EntityManager,
  caller: Caller,
  s: { kind: "mute" | "ban"; userId: string; conversationId: string; until: number | null; reason: string | undefined },
): Promise<SanctionEntity> {
  const key = { appId: caller.appId, kind: s.kind, userId: s.userId, conversationId: s.conversationId };
  await m.delete(SanctionEntity, key);
  const row: SanctionEntity = { id: newId("snc"), ...key, until: s.until, reason: s.reason || null, createdBy: actorName(caller), createdAt: Date.now() };
  await m.insert(SanctionEntity, row);
  return row;
}

/**
 * Lifts a member's mute or ban in a group (a conversation moderator, or the host's backend): 404
 * when there is none; audited as `action`.
 */
export async function liftSanction(
  deps: Pick<ModerationDeps, "uow" | "gate" | "conversations">,
  caller: Caller,
  input: { conversationId: string; userId: string; reason?: string | undefined },
  kind: "mute" | "ban",
  action: ModerationAction,
): Promise<void> {
  await deps.uow.run(async ({ m }) => {
    await requireConversationModerator(deps, m, caller, input.conversationId, input.userId);
    const gone = await m.delete(SanctionEntity, { appId: caller.appId, kind, userId: input.userId, conversationId: input.conversationId });
    if (!gone.affected) throw notFound(kind === "mute" ? "Mute" : "Ban");
    await audit(m, caller, { action, targetUserId: input.userId, conversationId: input.conversationId, reason: input.reason });
  });
}
