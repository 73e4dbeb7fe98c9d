import type { EntityManager } from "typeorm";
import type { ExportedCall } from "@parley/sdk/protocol";
import { iso, isoOrNull } from "../shared/time.js";
import type { CallEntity, CallParticipantEntity } from "./call.entities.js";

type Row = Pick<CallEntity, "id" | "conversationId" | "kind" | "startedBy" | "endReason"> &
  Pick<CallParticipantEntity, "state"> & { [K in "createdAt" | "endedAt" | "joinedAt" | "leftAt"]: number | string | null };

const ms = (v: number | string | null): number | null => (v === null ? null : Number(v));

/**
 * Calls' part of a user's data export (data-rights/export.ts): every call they started or were
 * rung for, and how they took part, oldest first. One query on their participant rows.
 */
export async function exportCallsOf(m: Pick<EntityManager, "query">, appId: string, userId: string): Promise<ExportedCall[]> {
  const rows: Row[] = await m.query(
    `SELECT c.id AS id, c.conversationId AS conversationId, c.kind AS kind, c.startedBy AS startedBy, c.endReason AS endReason,
            c.createdAt AS createdAt, c.endedAt AS endedAt, p.state AS state, p.joinedAt AS joinedAt, p.leftAt AS leftAt
       FROM call_participants p JOIN calls c ON c.id = p.callId
      WHERE p.appId = ? AND p.userId = ? ORDER BY c.createdAt, c.id`,
    [appId, userId],
  );
  return rows.map((r) => ({
    id: r.id,
    conversationId: r.conversationId,
    kind: r.kind,
    startedBy: r.startedBy,
    state: r.state,
    joinedAt: isoOrNull(ms(r.joinedAt)),
    leftAt: isoOrNull(ms(r.leftAt)),
    createdAt: iso(Number(r.createdAt)),
    endedAt: isoOrNull(ms(r.endedAt)),
    endReason: r.endReason,
  }));
}
