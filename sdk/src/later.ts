/**
 * @parley/sdk/later: scheduled sends, reminders and drafts that follow the user (issue 55) for a
 * signed-in ChatClient. A module of its own, so the core SDK every page loads stays within its
 * budget: import it where a view offers "send later", "remind me" or keeps drafts.
 *
 * ```ts
 * import { later } from "@parley/sdk/later";
 * const { scheduled, reminders, drafts } = later(chat);
 * await scheduled.schedule(conversationId, { text: "Happy birthday!", sendAt: "2026-12-01T08:00:00Z" });
 * scheduled.subscribe(() => render(scheduled.items)); // kept from the server's events, every device
 * await reminders.create(messageId, new Date(Date.now() + 20 * 60_000));
 * reminders.on((due) => notify(due.message)); // `reminder.due`
 * await drafts.load(); // then drafts.get(conversationId) on opening a conversation
 * drafts.save(conversationId, { text, replyTo }); // debounced; cleared everywhere once this client sends there
 * drafts.subscribe((c) => c.remote && composer.restore(c.conversationId, c.draft)); // another device typed
 * ```
 */
import type { ChatClient } from "./client.js";
import { Drafts, type DraftsOptions } from "./drafts.js";
import type { EditScheduledRequest, Page, Reminder, ReminderDue, ScheduleMessageRequest, ScheduledMessage } from "./protocol/index.js";

const seg = encodeURIComponent;
const iso = (t: Date | string): string => (typeof t === "string" ? t : t.toISOString());

/** A small list kept by id, ordered by its time, that tells its listeners when it changes. */
abstract class Kept<T extends { id: string }> {
  private readonly byId = new Map<string, T>();
  private readonly listeners = new Set<() => void>();
  /**
   * Ids removed by an event or by this device. An answer to a request can arrive after the event
   * that followed it (a reminder due at once), and must not bring the item back; ids are never
   * reused, so one id costs a few bytes for the life of the page.
   */
  private readonly gone = new Set<string>();

  protected abstract timeOf(item: T): string;

  /** Whether `incoming` is older than the `known` state of the same item (kept then); by default never. */
  protected isOlder(_incoming: T, _known: T): boolean {
    return false;
  }

  /** What is known, soonest first: the pages listed so far, and every change since, from any device. */
  get items(): T[] {
    return [...this.byId.values()].sort((a, b) => this.timeOf(a).localeCompare(this.timeOf(b)) || a.id.localeCompare(b.id));
  }

  /** Calls `listener` after each change of `items`; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  protected put(item: T): T {
    const known = this.byId.get(item.id);
    if (this.gone.has(item.id) || (known && this.isOlder(item, known))) return item;
    this.byId.set(item.id, item);
    this.changed();
    return item;
  }

  protected drop(id: string): void {
    this.gone.add(id);
    if (this.byId.delete(id)) this.changed();
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/**
 * The signed-in user's scheduled messages. At its time a message is sent as if just written
 * (membership, bans and the word filter checked then): `status` becomes `sent` (`messageId`) or
 * `failed` (`failureCode`). Changes from any device arrive as `scheduled.updated` /
 * `scheduled.removed` and keep `items` current.
 */
export class ScheduledMessages extends Kept<ScheduledMessage> {
  private readonly off: (() => void)[];

  constructor(private readonly chat: ChatClient) {
    super();
    this.off = [chat.on("scheduled.updated", (e) => void this.put(e.data.scheduled)), chat.on("scheduled.removed", (e) => this.drop(e.data.id))];
  }

  protected timeOf(m: ScheduledMessage): string {
    return m.sendAt;
  }

  /** The answer to an edit can arrive after the event of its sending: the later `updatedAt` wins. */
  protected override isOlder(incoming: ScheduledMessage, known: ScheduledMessage): boolean {
    return Date.parse(incoming.updatedAt) < Date.parse(known.updatedAt);
  }

  /** Schedules `text` in a conversation, to send at `sendAt` (now to a year ahead). */
  async schedule(conversationId: string, input: Omit<ScheduleMessageRequest, "sendAt"> & { sendAt: Date | string }): Promise<ScheduledMessage> {
    const body: ScheduleMessageRequest = { ...input, sendAt: iso(input.sendAt) };
    return this.put(await this.chat.request<ScheduledMessage>("POST", `/conversations/${seg(conversationId)}/scheduled`, body));
  }

  /** A page of the user's scheduled messages, soonest first (`conversationId`: one conversation's); kept in `items`. */
  async list(opts: { conversationId?: string; cursor?: string; limit?: number } = {}): Promise<Page<ScheduledMessage>> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) q.set(k, String(v));
    const page = await this.chat.request<Page<ScheduledMessage>>("GET", `/scheduled${q.size ? `?${q}` : ""}`);
    for (const m of page.items) this.put(m);
    return page;
  }

  /** Changes a waiting one's text or time (409 `sending` once it is being sent). */
  async edit(id: string, change: Omit<EditScheduledRequest, "sendAt"> & { sendAt?: Date | string }): Promise<ScheduledMessage> {
    const { sendAt, ...rest } = change;
    const body: EditScheduledRequest = { ...rest, ...(sendAt !== undefined ? { sendAt: iso(sendAt) } : {}) };
    return this.put(await this.chat.request<ScheduledMessage>("PATCH", `/scheduled/${seg(id)}`, body));
  }

  /** Cancels a waiting one, or forgets a sent or failed one. */
  async cancel(id: string): Promise<void> {
    await this.chat.request("DELETE", `/scheduled/${seg(id)}`);
    this.drop(id);
  }

  /** Sends a waiting one now: answered `sent`, or `failed` with the refusal's code. */
  async sendNow(id: string): Promise<ScheduledMessage> {
    return this.put(await this.chat.request<ScheduledMessage>("POST", `/scheduled/${seg(id)}/send`));
  }

  /** Stops following the events. */
  close(): void {
    for (const f of this.off) f();
  }
}

/**
 * The signed-in user's reminders. When one comes due the server sends `reminder.due` (with the
 * message) to every device, a web push and, per the user's e-mail preference, an e-mail; `on`
 * hears it, and the reminder leaves `items`.
 */
export class Reminders extends Kept<Reminder> {
  private readonly off: (() => void)[];
  private readonly dueListeners = new Set<(due: ReminderDue) => void>();

  constructor(private readonly chat: ChatClient) {
    super();
    this.off = [
      chat.on("reminder.updated", (e) => void this.put(e.data.reminder)),
      chat.on("reminder.removed", (e) => this.drop(e.data.id)),
      chat.on("reminder.due", (e) => {
        this.drop(e.data.reminder.id);
        for (const l of [...this.dueListeners]) l(e.data);
      }),
    ];
  }

  protected timeOf(r: Reminder): string {
    return r.remindAt;
  }

  /** Reminds the user of a message (one they can read) at `remindAt`. */
  async create(messageId: string, remindAt: Date | string): Promise<Reminder> {
    return this.put(await this.chat.request<Reminder>("POST", `/messages/${seg(messageId)}/reminders`, { remindAt: iso(remindAt) }));
  }

  /** A page of the user's reminders still to come, soonest first; kept in `items`. */
  async list(opts: { cursor?: string; limit?: number } = {}): Promise<Page<Reminder>> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) q.set(k, String(v));
    const page = await this.chat.request<Page<Reminder>>("GET", `/reminders${q.size ? `?${q}` : ""}`);
    for (const r of page.items) this.put(r);
    return page;
  }

  async delete(id: string): Promise<void> {
    await this.chat.request("DELETE", `/reminders/${seg(id)}`);
    this.drop(id);
  }

  /** Hears each reminder that comes due (the `reminder` event); returns the unsubscribe function. */
  on(listener: (due: ReminderDue) => void): () => void {
    this.dueListeners.add(listener);
    return () => void this.dueListeners.delete(listener);
  }

  /** Stops following the events. */
  close(): void {
    for (const f of this.off) f();
    this.dueListeners.clear();
  }
}

export { DEFAULT_DRAFTS_OPTIONS, Drafts, type DraftChange, type DraftsOptions } from "./drafts.js";
export type { Draft } from "./protocol/index.js";

/** All three, for one ChatClient: `later(chat).scheduled`, `.reminders`, `.drafts` (`opts.drafts`: its debounce). */
export function later(chat: ChatClient, opts: { drafts?: DraftsOptions } = {}): { scheduled: ScheduledMessages; reminders: Reminders; drafts: Drafts } {
  return { scheduled: new ScheduledMessages(chat), reminders: new Reminders(chat), drafts: new Drafts(chat, opts.drafts) };
}
