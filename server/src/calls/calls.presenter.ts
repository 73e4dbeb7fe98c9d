import type { EntityManager } from "typeorm";
import type { Call, CallEntry, CallParticipant } from "@parley/sdk/protocol";
import { marks } from "../db/sql.js";
import { iso, isoOrNull } from "../shared/time.js";
import type { CallEntity, CallParticipantEntity } from "./call.entities.js";

/** A call as every member of its conversation sees it (never a participant's socket). */
export function presentCall(c: CallEntity, participants: readonly CallParticipantEntity[]): Call {
  return {
    id: c.id,
    conversationId: c.conversationId,
    kind: c.kind,
    mode: c.mode,
    state: c.state,
    startedBy: c.startedBy,
    createdAt: iso(c.createdAt),
    answeredAt: isoOrNull(c.answeredAt),
    endedAt: isoOrNull(c.endedAt),
    endReason: c.endReason,
    durationMs: durationOf(c),
    participants: participants.map(
      (p) => ({ userId: p.userId, state: p.state, joinedAt: isoOrNull(p.joinedAt), leftAt: isoOrNull(p.leftAt) }) satisfies CallParticipant,
    ),
  } satisfies Call;
}

/** From the answer to the end; null unless both happened. */
export const durationOf = (c: Pick<CallEntity, "answeredAt" | "endedAt">): number | null =>
  c.answeredAt !== null && c.endedAt !== null ? Math.max(0, c.endedAt - c.answeredAt) : null;

/** What a finished call's system entry carries (`Message.call`). */
export function entryOf(c: CallEntity): CallEntry {
  return { callId: c.id, kind: c.kind, endReason: c.endReason ?? "completed", startedBy: c.startedBy, durationMs: durationOf(c) };
}

/**
 * The entry's text: the English form for clients that do not know calls (and for search and
 * webhooks); clients that do say it from `Message.call` in their reader's language.
 */
export function entryText(c: CallEntity): string {
  const kind = c.kind === "video" ? "video call" : "audio call";
  const Kind = kind[0]!.toUpperCase() + kind.slice(1);
  const duration = durationOf(c);
  switch (c.endReason) {
    case "missed":
      return `Missed ${kind}`;
    case "declined":
      return `Declined ${kind}`;
    case "cancelled":
      return `Cancelled ${kind}`;
    case "failed":
      return `${Kind} failed`;
    case "connection_lost":
      return duration === null ? `${Kind} lost` : `${Kind} · ${spoken(duration)} (connection lost)`;
    case "dropped":
      return duration === null ? `${Kind} lost` : `${Kind} · ${spoken(duration)} (connection lost)`;
    case "sfu_lost":
      return duration === null ? `${Kind} cut off (server problem)` : `${Kind} · ${spoken(duration)} (cut off by a server problem)`;
    default:
      return duration === null ? Kind : `${Kind} · ${spoken(duration)}`;
  }
}

/** "35 s", "4 min", "1 h 5 min": what a call's length reads as in the entry's English text. */
export function spoken(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

/**
 * The call entries among `messageIds` (system messages), for the message presenter: one query
 * whatever their number, none without ids.
 */
export async function presentCallEntries(m: Pick<EntityManager, "query">, messageIds: readonly number[]): Promise<Map<number, CallEntry>> {
  const out = new Map<number, CallEntry>();
  if (messageIds.length === 0) return out;
  const rows: (Pick<CallEntity, "id" | "kind" | "endReason" | "startedBy"> & {
    messageId: number | string;
    answeredAt: number | string | null;
    endedAt: number | string | null;
  })[] = await m.query(`SELECT id, kind, endReason, startedBy, answeredAt, endedAt, messageId FROM calls WHERE messageId IN (${marks(messageIds.length)})`, [
    ...messageIds,
  ]);
  for (const r of rows) {
    const call = { answeredAt: r.answeredAt === null ? null : Number(r.answeredAt), endedAt: r.endedAt === null ? null : Number(r.endedAt) };
    out.set(Number(r.messageId), { callId: r.id, kind: r.kind, endReason: r.endReason ?? "completed", startedBy: r.startedBy, durationMs: durationOf(call) });
  }
  return out;
}
