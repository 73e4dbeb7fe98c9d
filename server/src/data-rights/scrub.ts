import { iso } from "../shared/time.js";
import { tombstoneUser } from "../users/tombstone.js";

/**
 * Rewrites copies of a deleted user's data inside stored JSON (event-log entries, webhook
 * outbox rows), whatever the event type: every embedded user object of theirs (a member list, a
 * contact request's `user`, an invitation's `invitedBy`, a `user.created`) becomes the tombstone
 * profile, and every embedded message they sent (`message.*`, a conversation's `lastMessage`)
 * becomes the tombstone a deleted message is. Shapes are recognised by their fields, so an event
 * type added later that embeds a User or a Message is covered too.
 */
export class Scrubber {
  private readonly deletedAt: string;

  constructor(
    private readonly userId: string,
    now: number,
  ) {
    this.deletedAt = iso(now);
  }

  /** The scrubbed JSON text, or null when `json` holds nothing of the user's. */
  text(json: string): string | null {
    // Every copy names the user by id: text without it needs no parsing.
    if (!json.includes(this.userId)) return null;
    const before = JSON.parse(json) as unknown;
    const after = this.value(before);
    const out = JSON.stringify(after);
    return out === json ? null : out;
  }

  private value(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (o["id"] === this.userId && typeof o["displayName"] === "string") {
      return tombstoneUser(this.userId, typeof o["createdAt"] === "string" ? o["createdAt"] : this.deletedAt);
    }
    if (o["senderId"] === this.userId && "text" in o && typeof o["conversationId"] === "string") {
      // A link preview describes what the message linked to: it goes with the text.
      const { data: _data, preview: _preview, ...rest } = o;
      return { ...rest, text: null, attachments: [], reactions: [], deletedAt: typeof o["deletedAt"] === "string" ? o["deletedAt"] : this.deletedAt };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = this.value(x);
    return out;
  }
}
