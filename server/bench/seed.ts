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
      tx(rows);
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
