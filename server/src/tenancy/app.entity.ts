import { Column, Entity, PrimaryColumn } from "typeorm";
import { asNumber } from "../shared/time.js";

/** A host site: every other row in the database belongs to exactly one App. */
@Entity({ name: "apps" })
export class AppEntity {
  @PrimaryColumn({ type: "varchar", length: 32 })
  id!: string;

  @Column({ type: "varchar", length: 120 })
  name!: string;

  /** Kept in clear: it is the HMAC key that verifies the host site's signed tokens. */
  @Column({ type: "varchar", length: 80 })
  secret!: string;

  /** Exact origins (`https://shop.example`), or `*` for any (demos only). */
  @Column({ type: "simple-json" })
  allowedOrigins!: string[];

  @Column({ type: "bigint", transformer: asNumber })
  createdAt!: number;

  /**
   * Lets this app's users find each other by their whole email address (never by a prefix) in
   * `GET /users?q=`. Off by default: an email lookup tells whoever asks that the address has an
   * account. For host sites whose users already know each other's addresses (a team tool).
   */
  @Column({ type: "boolean", default: false })
  exactEmailSearch!: boolean;

  /** The longest voice message this app accepts, in seconds (null: the server's VOICE_MAX_SECONDS). */
  @Column({ type: "int", nullable: true })
  voiceMaxSeconds!: number | null;

  /**
   * Per-app overrides of GROUP_DIRECT_ADD and GROUP_MAX_MEMBERS (null: the server's setting). Read
   * by conversations/group-policy.ts; declared here so the entities describe the whole table.
   */
  @Column({ type: "boolean", nullable: true })
  groupDirectAdd!: boolean | null;

  @Column({ type: "int", nullable: true })
  groupMaxMembers!: number | null;

  /**
   * The largest conversation whose members are pushed each other's presence (null: the server's
   * PRESENCE_GROUP_MAX). Above it presence is fetched for who a member is looking at
   * (presence/presence.audience.ts). Read there; declared here so the entities describe the table.
   */
  @Column({ type: "int", nullable: true })
  presenceGroupMax!: number | null;

  /** Link previews (previews/): a message's first link fetched by the server and shown as a card. On by default. */
  @Column({ type: "boolean", default: true })
  linkPreviews!: boolean;

  /** Hosts previews may be fetched from (`example.com`, `*.example.com`); NULL or empty: any. previews/links.ts judges them. */
  @Column({ type: "simple-json", nullable: true })
  previewAllow!: string[] | null;

  /** Hosts previews are never fetched from; wins over previewAllow. */
  @Column({ type: "simple-json", nullable: true })
  previewDeny!: string[] | null;

  /** Set by `app:disable`: every request and socket handshake of the app is refused (403). */
  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  disabledAt!: number | null;

  /** The secret before the last `app:rotate-secret`: host tokens it signed verify until `previousSecretUntil`. */
  @Column({ type: "varchar", length: 80, nullable: true })
  previousSecret!: string | null;

  @Column({ type: "bigint", nullable: true, transformer: asNumber })
  previousSecretUntil!: number | null;

  /** Bumped by every lifecycle change (ms), so running nodes drop their cached copy (ops/app-watch.ts). */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  updatedAt!: number;

  /** The last event seq handed out in this app; bumped inside each writing transaction. */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  lastSeq!: number;

  /**
   * The retention job deleted this app's events up to this seq (0: none yet). A `/sync` from an
   * older cursor answers 410 `sync_expired`: the client reloads from the head instead.
   */
  @Column({ type: "bigint", default: 0, transformer: asNumber })
  prunedSeq!: number;
}
