import type { Draft } from "@parley/sdk/protocol";
import { iso } from "../shared/time.js";
import type { DraftEntity } from "./draft.entity.js";

/** A drafts row as the protocol's Draft. */
export function presentDraft(r: DraftEntity): Draft {
  return {
    conversationId: r.conversationId,
    text: r.text,
    replyTo: r.replyToId === null ? null : String(r.replyToId),
    updatedAt: iso(Number(r.updatedAt)),
  } satisfies Draft;
}

/** The list's keyset cursor: `<updatedAt>.<conversationId>` of the page's last row. */
export const cursorOf = (r: DraftEntity): string => `${Number(r.updatedAt)}.${r.conversationId}`;

/** A cursor back as (time, id) (the schema lets only well-formed ones through). */
export function parseCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  const m = cursor ? /^(\d{1,16})\.([A-Za-z0-9_]{1,32})$/.exec(cursor) : null;
  return m ? { at: Number(m[1]), id: m[2]! } : undefined;
}
