import type { EntityManager } from "typeorm";
import type { Poll } from "@parley/sdk/protocol";
import { marks } from "../db/sql.js";
import { isoOrNull } from "../shared/time.js";
import { PollEntity } from "./poll.entities.js";

/** What a query answers for one chosen option. */
interface VoteRow {
  messageId: number | string;
  userId: string;
  choice: number | string;
}

/**
 * The polls among `messageIds`, presented for `viewer` ("" for an event: no `mine`), in two
 * queries whatever the number: the polls, then their votes. An anonymous poll's voters never
 * leave this function: only counts, and the viewer's own choice.
 */
export async function presentPolls(
  m: Pick<EntityManager, "query" | "getRepository">,
  messageIds: readonly number[],
  viewer: string,
): Promise<Map<number, Poll>> {
  const out = new Map<number, Poll>();
  if (messageIds.length === 0) return out;
  const polls = await m
    .getRepository(PollEntity)
    .createQueryBuilder("p")
    .where("p.messageId IN (:...ids)", { ids: [...messageIds] })
    .getMany();
  if (polls.length === 0) return out;
  const ids = polls.map((p) => p.messageId);
  const votes: VoteRow[] = await m.query(
    `SELECT messageId, userId, choice FROM poll_votes WHERE messageId IN (${marks(ids.length)}) ORDER BY createdAt, userId`,
    ids,
  );
  const byPoll = new Map<number, VoteRow[]>();
  for (const v of votes) {
    const id = Number(v.messageId);
    const list = byPoll.get(id);
    if (list) list.push(v);
    else byPoll.set(id, [v]);
  }
  for (const p of polls) out.set(p.messageId, presentPoll(p, byPoll.get(p.messageId) ?? [], viewer));
  return out;
}

export function presentPoll(p: PollEntity, votes: readonly VoteRow[], viewer: string, now = Date.now()): Poll {
  const texts = JSON.parse(p.options) as string[];
  const counts = texts.map(() => 0);
  const voters = texts.map((): string[] => []);
  const mine = new Set<string>();
  const who = new Set<string>();
  for (const v of votes) {
    const i = Number(v.choice);
    if (i < 0 || i >= texts.length) continue;
    counts[i]!++;
    who.add(v.userId);
    if (!p.anonymous) voters[i]!.push(v.userId);
    if (viewer && v.userId === viewer) mine.add(String(i));
  }
  return {
    options: texts.map((text, i) => ({ id: String(i), text, votes: counts[i]!, ...(p.anonymous ? {} : { voters: voters[i]! }) })),
    multiple: p.multiple,
    anonymous: p.anonymous,
    voterCount: who.size,
    mine: [...mine].sort(),
    closesAt: isoOrNull(p.closesAt),
    closedAt: isoOrNull(closedAt(p, now)),
    createdBy: p.createdBy,
  } satisfies Poll;
}

/** When the poll closed, or null while it is open: closed early, or past its closing time. */
export function closedAt(p: Pick<PollEntity, "closedAt" | "closesAt">, now = Date.now()): number | null {
  if (p.closedAt !== null) return p.closedAt;
  return p.closesAt !== null && p.closesAt <= now ? p.closesAt : null;
}
