import { query, type HttpClient } from "./http.js";
import type { Attachment, ContactRequest, ContactsResponse, Conversation, Page, User } from "./protocol/index.js";
import type { ChatState } from "./state.js";
import type { StateStore } from "./store.js";

/** People and files: user search, contacts and blocks, uploads. */
export class Directory {
  constructor(
    private readonly http: HttpClient,
    private readonly store: StateStore<ChatState>,
  ) {}

  searchUsers(q: string, opts: { cursor?: string; limit?: number } = {}): Promise<Page<User>> {
    return this.http.request("GET", `/users?${query({ q, ...opts })}`);
  }

  getUser(id: string): Promise<User> {
    return this.http.request("GET", `/users/${encodeURIComponent(id)}`);
  }

  publicConversations(q = ""): Promise<Page<Conversation>> {
    return this.http.request("GET", `/conversations/public?q=${encodeURIComponent(q)}`);
  }

  /** Contacts with presence, and pending requests both ways; kept in the store. */
  async contacts(): Promise<ContactsResponse> {
    const contacts = await this.http.request<ContactsResponse>("GET", "/contacts");
    this.store.patch({ contacts });
    return contacts;
  }

  async requestContact(userId: string): Promise<ContactRequest> {
    return this.after(this.http.request<ContactRequest>("POST", "/contacts/requests", { body: { userId } }));
  }

  answerRequest(requestId: string, action: "accept" | "decline" | "cancel"): Promise<ContactRequest> {
    return this.after(this.http.request<ContactRequest>("POST", `/contacts/requests/${requestId}/${action}`));
  }

  removeContact(userId: string): Promise<void> {
    return this.after(this.http.request<void>("DELETE", `/contacts/${userId}`));
  }

  block(userId: string): Promise<void> {
    return this.after(this.http.request<void>("POST", "/blocks", { body: { userId } }));
  }

  unblock(userId: string): Promise<void> {
    return this.after(this.http.request<void>("DELETE", `/blocks/${userId}`));
  }

  /** Uploads a file; `onProgress` gets 0..1 (per byte in browsers, at the end elsewhere). */
  async upload(file: Blob, onProgress?: (fraction: number) => void): Promise<Attachment> {
    const form = new FormData();
    form.append("file", file, (file as File).name ?? "file");
    const att = await this.http.request<Attachment>("POST", "/uploads", { form, onProgress });
    onProgress?.(1);
    return att;
  }

  /** An attachment's bytes (attachments need the bearer token, so <img src> cannot load them directly). */
  download(attachment: Attachment): Promise<Blob> {
    return this.http.blob(attachment.url.replace(/^\/v1/, ""));
  }

  /** Contacts change in several places at once: re-read the list after each change. */
  private async after<T>(p: Promise<T>): Promise<T> {
    const result = await p;
    if (this.store.state.contacts) await this.contacts().catch(() => undefined);
    return result;
  }
}
