import { ChatClient, type ChatClientOptions, type Message } from "../../src/index.js";

/** Waits until `pred` holds, polling; fails naming `what` after `ms`. */
export async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Signs up clients as new users with their sockets connected; `closeAll` stops them. */
export function clientFactory(defaults: () => { server: string; appId: string }) {
  const clients: ChatClient[] = [];
  return {
    async signUp(name: string, opts: Partial<ChatClientOptions> = {}): Promise<ChatClient> {
      const chat = new ChatClient({ ...defaults(), ...opts });
      clients.push(chat);
      const n = Math.random().toString(36).slice(2, 8);
      await chat.register({ email: `${name}-${n}@example.com`, password: "correct horse battery", displayName: name });
      await until(() => chat.store.state.connection === "connected", `${name} connected`);
      return chat;
    },
    closeAll(): void {
      for (const c of clients) c.close();
    },
  };
}

/** What the server holds for a conversation, seen by `viewer`, oldest first (all pages). */
export async function serverHistory(viewer: ChatClient, conversationId: string): Promise<Message[]> {
  const http = (viewer as unknown as { http: { request<T>(m: string, p: string): Promise<T> } }).http;
  const all: Message[] = [];
  let before = "";
  for (;;) {
    const page = await http.request<{ items: Message[]; nextCursor: string | null }>(
      "GET",
      `/conversations/${conversationId}/messages?limit=100${before ? `&before=${before}` : ""}`,
    );
    all.push(...page.items);
    if (!page.nextCursor) break;
    before = page.items[page.items.length - 1]!.id;
  }
  return all.reverse();
}

/**
 * A client's fetch that holds the answer to the next request `matches` picks, once the server has
 * given it, until a promise settles: the order a busy network gives now and then (an answer read
 * before an event, arriving after it). `holdNext(until)` resolves once that answer is in hand.
 */
export function heldAnswers(matches: (url: string, method: string) => boolean): {
  fetch: typeof globalThis.fetch;
  holdNext(until: Promise<unknown>): Promise<void>;
} {
  let hold: { until: Promise<unknown>; read: () => void } | null = null;
  return {
    fetch: async (input, init) => {
      const held = hold && matches(String(input), init?.method ?? "GET") ? hold : null;
      if (held) hold = null;
      const res = await globalThis.fetch(input, init);
      if (held) {
        held.read();
        await held.until;
      }
      return res;
    },
    holdNext: (until) => new Promise((read) => (hold = { until, read })),
  };
}
