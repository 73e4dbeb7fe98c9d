import type { AuditEntry, ModerationAction, Report, Sanction } from "@parley/sdk/protocol";
import { iso, isoOrNull } from "../shared/time.js";
import type { AuditEntity, ReportEntity, SanctionEntity } from "./moderation.entities.js";

/** Moderation rows as wire DTOs (entities never leave the server). */
export function presentReport(r: ReportEntity): Report {
  return {
    id: r.id,
    reporterId: r.reporterId,
    userId: r.userId,
    messageId: r.messageId === null ? null : String(r.messageId),
    conversationId: r.conversationId,
    messageText: r.messageText,
    reason: r.reason as Report["reason"],
    note: r.note,
    status: r.status,
    createdAt: iso(r.createdAt),
    resolvedAt: isoOrNull(r.resolvedAt),
    resolvedBy: r.resolvedBy,
    resolution: r.resolution,
  } satisfies Report;
}

export function presentAudit(a: AuditEntity): AuditEntry {
  return {
    id: a.id,
    action: a.action as ModerationAction,
    actorUserId: a.actorUserId,
    actorServerKey: a.actorServerKey,
    targetUserId: a.targetUserId,
    conversationId: a.conversationId,
    messageId: a.messageId === null ? null : String(a.messageId),
    reportId: a.reportId,
    reason: a.reason,
    details: a.details === null ? null : (JSON.parse(a.details) as Record<string, unknown>),
    createdAt: iso(a.createdAt),
  } satisfies AuditEntry;
}

export function presentSanction(s: SanctionEntity): Sanction {
  return {
    kind: s.kind,
    userId: s.userId,
    conversationId: s.conversationId === "" ? null : s.conversationId,
    until: isoOrNull(s.until),
    reason: s.reason,
    createdAt: iso(s.createdAt),
  } satisfies Sanction;
}
