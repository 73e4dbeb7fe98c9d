/**
 * Seeds a running Parley's database directly (multi-row INSERTs, not the API): the app, users,
 * sessions (refresh_tokens rows) and access tokens minted with the server's JWT_SECRET, DMs,
 * groups and message history. The server has already run its migrations.
 */
import { createHash, randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import jwt from "jsonwebtoken";
import mysql from "mysql2/promise";

export interface Db {
  kind: "sqlite" | "mysql";
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  /** The largest messages.id so far. */
  maxMessageId(): Promise<number>;
  /** One statement with ? parameters; identifiers quoted with `q`. */
  exec(sql: string, params: unknown[]): Promise<void>;
  /** One SELECT with ? parameters; its rows. */
  all<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]>;
  q(name: string): string;
  close(): Promise<void>;
}

export async function openDb(target: { sqliteFile?: string; mysqlUrl?: string }): Promise<Db> {
  if (target.mysqlUrl) {
    const conn = await mysql.createConnection({ uri: target.mysqlUrl, multipleStatements: false });
    return {
      kind: "mysql",
      async insert(table, columns, rows) {
        const per = Math.max(1, Math.floor(20_000 / columns.length));
        const cols = columns.map((c) => `\`${c}\``).join(",");
        for (let i = 0; i < rows.length; i += per) {
          const chunk = rows.slice(i, i + per);
          const ph = chunk.map(() => `(${columns.map(() => "?").join(",")})`).join(",");
          await conn.query(`INSERT INTO \`${table}\` (${cols}) VALUES ${ph}`, chunk.flat());
        }
      },
      async maxMessageId() {
        const [r] = await conn.query("SELECT COALESCE(MAX(id),0) AS m FROM messages");
        return Number((r as { m: number }[])[0]!.m);
      },
      async exec(sql, params) {
        await conn.query(sql, params);
      },
      async all<T>(sql: string, params: unknown[]) {
        const [rows] = await conn.query(sql, params);
        return rows as T[];
      },
      q: (n) => `\`${n}\``,
      close: () => conn.end(),
    };
  }
  const db = new Database(target.sqliteFile!);
  db.pragma("busy_timeout = 10000");
  const stmts = new Map<string, Database.Statement>();
  return {
    kind: "sqlite",
    async insert(table, columns, rows) {
      const per = Math.max(1, Math.floor(30_000 / columns.length));
      const cols = columns.map((c) => `"${c}"`).join(",");
      const prep = (n: number): Database.Statement => {
        const key = `${table}|${n}`;
        let s = stmts.get(key);
        if (!s) {
          s = db.prepare(`INSERT INTO "${table}" (${cols}) VALUES ${Array.from({ length: n }, () => `(${columns.map(() => "?").join(",")})`).join(",")}`);
          stmts.set(key, s);
        }
        return s;
      };
      const tx = db.transaction((all: unknown[][]) => {
        for (let i = 0; i < all.length; i += per) {
          const chunk = all.slice(i, i + per);
          prep(chunk.length).run(...(chunk.flat() as unknown[]));
        }
      });
      // IMMEDIATE: the write lock up front (waiting out the server's own writes), not a deferred
      // BEGIN that fails with SQLITE_BUSY_SNAPSHOT when the server commits between its read and write.
      tx.immediate(rows);
    },
    async maxMessageId() {
      return Number((db.prepare("SELECT COALESCE(MAX(id),0) AS m FROM messages").get() as { m: number }).m);
    },
    async exec(sql, params) {
      db.prepare(sql).run(...params);
    },
    async all<T>(sql: string, params: unknown[]) {
      return db.prepare(sql).all(...params) as T[];
    },
    q: (n) => `"${n}"`,
    async close() {
      db.close();
    },
  };
}

/** A seeded generator in [0, 1) (mulberry32): the same sequence for the same seed, on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
export function newId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % 36];
  return `${prefix}_${out}`;
}

export interface SeededUser {
  id: string;
  email: string;
  token: string;
}

/** Inserts an app that allows any origin; returns its id. */
export async function seedApp(db: Db): Promise<string> {
  const id = newId("app", 16);
  await db.insert(
    "apps",
    ["id", "name", "secret", "allowedOrigins", "createdAt", "lastSeq"],
    [[id, "Bench", `sk_${randomBytes(32).toString("base64url")}`, JSON.stringify(["*"]), Date.now(), 0]],
  );
  return id;
}

/**
 * Inserts users (all with the same precomputed password hash) and one live session each, and
 * mints an access token per session exactly as server/src/auth/tokens.ts does.
 */
export async function seedUsers(db: Db, appId: string, n: number, opts: { jwtSecret: string; passwordHash: string; prefix: string }): Promise<SeededUser[]> {
  const now = Date.now();
  const users: SeededUser[] = [];
  const userRows: unknown[][] = [];
  const rtRows: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const id = newId("usr");
    const sid = newId("ses");
    const email = `${opts.prefix}${i}@bench.example`;
    userRows.push([id, appId, email, opts.passwordHash, null, `Bench ${opts.prefix}${i}`, "", null, null, now, now]);
    rtRows.push([newId("rtk"), appId, id, sid, createHash("sha256").update(randomBytes(16)).digest("hex"), now, now + 7 * 86_400_000, null, null]);
    const token = jwt.sign({ app: appId, sid }, opts.jwtSecret, {
      algorithm: "HS256",
      subject: id,
      issuer: "parley",
      audience: "parley:access",
      expiresIn: 6 * 3600,
    });
    users.push({ id, email, token });
  }
  await db.insert(
    "users",
    ["id", "appId", "email", "passwordHash", "externalId", "displayName", "bio", "avatarUrl", "lastSeenAt", "createdAt", "updatedAt"],
    userRows,
  );
  await db.insert("refresh_tokens", ["id", "appId", "userId", "familyId", "tokenHash", "createdAt", "expiresAt", "rotatedAt", "revokedAt"], rtRows);
  return users;
}

const CONV_COLS = ["id", "appId", "kind", "name", "isPublic", "directKey", "createdBy", "createdAt", "lastActivityAt", "lastMessageId"];
const MEMBER_COLS = ["conversationId", "userId", "appId", "role", "joinedAt", "lastReadMessageId"];
const MSG_COLS = ["appId", "conversationId", "senderId", "text", "replyToId", "clientMessageId", "createdAt", "editedAt", "deletedAt"];

/** One DM per pair (a, b); returns the conversation ids in pair order. */
export async function seedDms(db: Db, appId: string, pairs: [string, string][]): Promise<string[]> {
  const now = Date.now();
  const convs: unknown[][] = [];
  const members: unknown[][] = [];
  const ids: string[] = [];
  for (const [a, b] of pairs) {
    const id = newId("cnv");
    ids.push(id);
    convs.push([id, appId, "direct", null, 0, [a, b].sort().join(":"), a, now, now, null]);
    members.push([id, a, appId, "member", now, 0], [id, b, appId, "member", now, 0]);
  }
  await db.insert("conversations", CONV_COLS, convs);
  await db.insert("members", MEMBER_COLS, members);
  return ids;
}

/** Each of `userIds` made a plain member of each of `conversationIds`, having read up to `lastReadMessageId`. */
export async function seedMemberships(db: Db, appId: string, userIds: string[], conversationIds: string[], lastReadMessageId = 0): Promise<void> {
  const now = Date.now();
  await db.insert(
    "members",
    MEMBER_COLS,
    userIds.flatMap((u) => conversationIds.map((c) => [c, u, appId, "member", now, lastReadMessageId])),
  );
}

export async function seedGroup(db: Db, appId: string, name: string, memberIds: string[]): Promise<string> {
  const now = Date.now();
  const id = newId("cnv");
  await db.insert("conversations", CONV_COLS, [[id, appId, "group", name, 0, null, memberIds[0], now, now, null]]);
  await db.insert(
    "members",
    MEMBER_COLS,
    memberIds.map((u, i) => [id, u, appId, i === 0 ? "owner" : "member", now, 0]),
  );
  return id;
}

/** `count` messages in one conversation, in chunks; sets the conversation's lastMessageId. Returns [minId, maxId]. */
export async function seedHistory(db: Db, appId: string, conversationId: string, senderIds: string[], count: number): Promise<[number, number]> {
  const before = await db.maxMessageId();
  const t0 = Date.now() - count;
  const CHUNK = 50_000;
  for (let i = 0; i < count; i += CHUNK) {
    const rows: unknown[][] = [];
    for (let j = i; j < Math.min(count, i + CHUNK); j++) {
      rows.push([appId, conversationId, senderIds[j % senderIds.length], `history message number ${j} with a bit of text`, null, null, t0 + j, null, null]);
    }
    await db.insert("messages", MSG_COLS, rows);
  }
  const after = await db.maxMessageId();
  return [before + 1, after];
}

/** One message per conversation (so the list shows a last message), and lastMessageId set. */
export async function seedLastMessages(db: Db, appId: string, convs: { id: string; sender: string }[]): Promise<void> {
  const before = await db.maxMessageId();
  const now = Date.now();
  await db.insert(
    "messages",
    MSG_COLS,
    convs.map((c, i) => [appId, c.id, c.sender, `last message ${i}`, null, null, now + i, null, null]),
  );
  // Ids are consecutive from before+1 (one inserter, one multi-row statement per chunk).
  for (let i = 0; i < convs.length; i++) {
    await db.exec(`UPDATE conversations SET ${db.q("lastMessageId")} = ?, ${db.q("lastActivityAt")} = ? WHERE id = ?`, [before + 1 + i, now + i, convs[i]!.id]);
  }
}

/**
 * `count` events of other people's conversations appended to the app's log (next seqs, the app's
 * counter bumped), as the writers would store `message.new` events: the noise a quiet user's
 * catch-up must not pay for. Returns the new head.
 */
export async function seedEvents(db: Db, appId: string, count: number, conversations = 500): Promise<number> {
  const [app] = await db.all<{ lastSeq: number | string }>(`SELECT ${db.q("lastSeq")} FROM apps WHERE id = ?`, [appId]);
  let seq = Number(app?.lastSeq ?? 0);
  const convs = Array.from({ length: conversations }, () => newId("cnv"));
  const senders = Array.from({ length: conversations }, () => newId("usr"));
  const now = Date.now();
  const CHUNK = 50_000;
  for (let i = 0; i < count; i += CHUNK) {
    const rows: unknown[][] = [];
    for (let j = i; j < Math.min(count, i + CHUNK); j++) {
      seq++;
      const k = j % conversations;
      const message = {
        id: String(10_000_000 + j),
        conversationId: convs[k],
        senderId: senders[k],
        text: `noise message ${j} with a bit of text`,
        attachments: [],
        replyToId: null,
        clientMessageId: null,
        reactions: [],
        createdAt: new Date(now).toISOString(),
        editedAt: null,
        deletedAt: null,
      };
      rows.push([appId, seq, convs[k], null, 10_000_000 + j, "message.new", JSON.stringify({ message }), now]);
    }
    await db.insert("events", ["appId", "seq", "conversationId", "userId", "messageId", "type", "data", "createdAt"], rows);
  }
  await db.exec(`UPDATE apps SET ${db.q("lastSeq")} = ? WHERE id = ?`, [seq, appId]);
  return seq;
}

/** What `seedSearchCorpus` made: the searcher's conversations and how often each probe occurs. */
export interface SearchCorpus {
  mine: string[];
  /** Every conversation of the corpus, `mine` first. */
  all: string[];
  conversations: number;
}

/**
 * A search corpus (message search, issue 17): `count` messages over `conversations` groups of two
 * (`me` in the first `mineCount`, a peer in each), written with their search rows as the index hook
 * would (search/terms.ts). Texts draw from a 5,000-word synthetic vocabulary; "hello" is in ~20%
 * of them, "world" in ~5%, "program"/"progress"/"programming" in ~3%, "zanzibar" in 1 of 20,000;
 * ~10% are Japanese or Chinese without spaces, a third of those with "東京". Deterministic.
 * The searcher's read marks are set near the end (about 5 unread messages per conversation).
 */
export async function seedSearchCorpus(
  db: Db,
  appId: string,
  me: string,
  peers: string[],
  opts: { count: number; conversations: number; mineCount: number; documentText: (conversationId: string, text: string) => string },
): Promise<SearchCorpus> {
  const now = Date.now();
  const convs: string[] = [];
  const convRows: unknown[][] = [];
  const memberRows: unknown[][] = [];
  for (let i = 0; i < opts.conversations; i++) {
    const id = newId("cnv");
    const peer = peers[i % peers.length]!;
    convs.push(id);
    convRows.push([id, appId, "group", `Search ${i}`, 0, null, peer, now, now, null]);
    memberRows.push([id, peer, appId, "owner", now, 0]);
    if (i < opts.mineCount) memberRows.push([id, me, appId, "member", now, 0]);
  }
  await db.insert("conversations", CONV_COLS, convRows);
  await db.insert("members", MEMBER_COLS, memberRows);
  const rand = mulberry32(0x2f6b9a1d);
  const syll = ["ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "ni", "pa", "que", "ri", "su", "ta", "bo", "le"];
  const vocab = Array.from({ length: 5000 }, (_, i) => syll[i % 16]! + syll[(i >> 4) % 16]! + syll[(i >> 8) % 16]! + (i >> 12 ? syll[i >> 12]! : ""));
  const cjk = [
    "東京で会いましょう",
    "今日はいい天気ですね",
    "我们明天去北京吧",
    "この問題を確認してください",
    "東京駅の近くにあります",
    "谢谢你的帮助",
    "東京都の会議は延期です",
    "新しい機能を試しました",
    "我爱吃饺子",
  ];
  const CHUNK = 20_000;
  const t0 = now - opts.count;
  for (let i = 0; i < opts.count; i += CHUNK) {
    const rows: unknown[][] = [];
    const texts: { conv: string; text: string }[] = [];
    for (let j = i; j < Math.min(opts.count, i + CHUNK); j++) {
      const ci = Math.floor(rand() * convs.length);
      const conv = convs[ci]!;
      let text: string;
      if (rand() < 0.1) text = cjk[Math.floor(rand() * cjk.length)]!;
      else {
        const words: string[] = [];
        const n = 5 + Math.floor(rand() * 6);
        for (let k = 0; k < n; k++) words.push(vocab[Math.floor(rand() * rand() * vocab.length)]!);
        if (rand() < 0.2) words.splice(Math.floor(rand() * words.length), 0, "hello");
        if (rand() < 0.05) words.push("world");
        if (rand() < 0.03) words.push(["program", "progress", "programming"][Math.floor(rand() * 3)]!);
        if (j % 20_000 === 7) words.push("zanzibar");
        text = words.join(" ");
      }
      rows.push([appId, conv, peers[ci % peers.length], text, null, null, t0 + j, null, null]);
      texts.push({ conv, text });
    }
    const before = await db.maxMessageId();
    await db.insert("messages", MSG_COLS, rows);
    // Ids are consecutive from before+1 (one inserter, multi-row statements).
    await db.insert(
      "message_search",
      ["messageId", "appId", "terms"],
      texts.map((t, k) => [before + 1 + k, appId, opts.documentText(t.conv, t.text)]),
    );
  }
  // The searcher has read all but the last ~5 messages of each of their conversations: the
  // conversations of a page are presented with unread counts, whose cost grows with what is unread.
  const last = await db.maxMessageId();
  await db.exec(`UPDATE members SET ${db.q("lastReadMessageId")} = ? WHERE ${db.q("appId")} = ? AND ${db.q("userId")} = ?`, [
    Math.max(0, last - 5 * opts.conversations),
    appId,
    me,
  ]);
  return { mine: convs.slice(0, opts.mineCount), all: convs, conversations: opts.conversations };
}
