import type { EntityManager } from "typeorm";
import { dialectOf } from "../db/sql.js";
import { notFound } from "../shared/errors.js";
import { canExist } from "../shared/ids.js";
import { CallEntity, CallParticipantEntity } from "./call.entities.js";

/** A call and its participants, as read in one unit. */
export interface LoadedCall {
  call: CallEntity;
  participants: CallParticipantEntity[];
}

/**
 * Reads a call of the app with its participants, its row locked until the unit ends (MySQL: two
 * nodes' steps on one call take turns; SQLite has one writer). 404 for a call of another app or
 * none (a malformed id included).
 */
export async function lockCall(m: EntityManager, appId: string, callId: string): Promise<LoadedCall> {
  if (!canExist(callId)) throw notFound("Call");
  if (dialectOf(m) === "mysql") await m.query("SELECT id FROM calls WHERE id = ? FOR UPDATE", [callId]);
  return readCall(m, appId, callId);
}

/** The same, without a lock (reads that change nothing: signalling). */
export async function readCall(m: EntityManager, appId: string, callId: string): Promise<LoadedCall> {
  if (!canExist(callId)) throw notFound("Call");
  const call = await m.getRepository(CallEntity).findOneBy({ id: callId, appId });
  // Exact match: MySQL's unicode_ci would also find `CALL_…` for `call_…`.
  if (!call || call.id !== callId) throw notFound("Call");
  const participants = await m.getRepository(CallParticipantEntity).find({ where: { callId } });
  return { call, participants: ordered(participants, call.startedBy) };
}

/** Writes the rows a step changed: the call's row, and every participant's (a call has a handful). */
export async function saveCall(m: EntityManager, { call, participants }: LoadedCall): Promise<void> {
  const { id, ...fields } = call;
  await m.getRepository(CallEntity).update({ id }, fields);
  for (const p of participants) {
    const { callId, userId, ...rest } = p;
    await m.getRepository(CallParticipantEntity).update({ callId, userId }, rest);
  }
}

/** Inserts a new call and its participants. */
export async function insertCall(m: EntityManager, { call, participants }: LoadedCall): Promise<void> {
  await m.getRepository(CallEntity).insert(call);
  await m.getRepository(CallParticipantEntity).insert(participants);
}

/** Participants in a stable order for presentation: the caller first, then by id. */
export function ordered(participants: CallParticipantEntity[], startedBy: string): CallParticipantEntity[] {
  return [...participants].sort((a, b) => (a.userId === startedBy ? -1 : b.userId === startedBy ? 1 : a.userId < b.userId ? -1 : 1));
}
