import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import type { Attachment, AuthResponse, Message } from "@parley/sdk/protocol";
import { ConversationEntity } from "../src/conversations/conversation.entity.js";
import { MemberEntity } from "../src/conversations/member.entity.js";
import { MessageEntity } from "../src/messages/message.entity.js";
import { newId } from "../src/shared/ids.js";
import { UploadEntity } from "../src/uploads/upload.entity.js";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";

let s: TestServer;
let app: string;
let otherApp: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant()).id;
  otherApp = (await s.createTenant("Other site")).id;
});
after(() => s?.close());

/** There is no conversations API yet: conversations are seeded straight into the tables. */
async function seedConversation(appId: string, members: Array<[AuthResponse, "owner" | "admin" | "member"]>): Promise<string> {
  const id = newId("cnv");
  const now = Date.now();
  await s.services.db.getRepository(ConversationEntity).insert({
    id,
    appId,
    kind: "group",
    name: "Group",
    isPublic: false,
    directKey: null,
    createdBy: members[0]![0].user.id,
    createdAt: now,
    lastActivityAt: now,
    lastMessageId: null,
  });
  await s.services.db
    .getRepository(MemberEntity)
    .insert(members.map(([u, role]) => ({ conversationId: id, userId: u.user.id, appId, role, joinedAt: now, lastReadMessageId: 0 })));
  return id;
}

/** A real (tiny) PNG of the given size. */
function png(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

function upload(u: AuthResponse, bytes: Buffer | Blob, name: string, type = "application/octet-stream"): Promise<Res<Attachment>> {
  const fd = new FormData();
  fd.append("file", bytes instanceof Blob ? bytes : new Blob([new Uint8Array(bytes)], { type }), name);
  return s.api.post<Attachment>("/uploads", { token: u.accessToken, raw: fd });
}
const uploadOk = async (u: AuthResponse, bytes: Buffer, name: string, type?: string): Promise<Attachment> => {
  const res = await upload(u, bytes, name, type);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};
const fetchFile = (u: AuthResponse, id: string) => fetch(`${s.url}/v1/uploads/${id}`, { headers: { Authorization: `Bearer ${u.accessToken}` } });
const filesDir = () => path.join(s.dataDir, "uploads", "files");
const tmpDir = () => path.join(s.dataDir, "uploads", "tmp");
const storedPath = async (id: string) => path.join(filesDir(), (await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id })).storedName);

describe("uploads", () => {
  let ann: AuthResponse, bob: AuthResponse, out: AuthResponse, conv: string;
  before(async () => {
    [ann, bob, out] = await Promise.all([s.api.register(app), s.api.register(app), s.api.register(app)]);
    conv = await seedConversation(app, [
      [ann, "owner"],
      [bob, "member"],
    ]);
  });

  test("a PNG gets its type from the bytes and its width and height; members see it inline after it is sent", async () => {
    const bytes = png(3, 2);
    const a = await uploadOk(ann, bytes, "photo.txt", "text/plain");
    assert.equal(a.mime, "image/png");
    assert.equal(a.width, 3);
    assert.equal(a.height, 2);
    assert.equal(a.size, bytes.length);
    assert.equal(a.name, "photo.txt");
    assert.equal(a.url, `/v1/uploads/${a.id}`);

    assert.equal((await fetchFile(ann, a.id)).status, 200, "the uploader sees it before it is sent");
    assert.equal((await fetchFile(bob, a.id)).status, 404, "nobody else does yet");

    const sent = await s.api.post<Message>(`/conversations/${conv}/messages`, { token: ann.accessToken, body: { text: "look", attachmentIds: [a.id] } });
    assert.equal(sent.status, 201);
    assert.deepEqual(sent.body.attachments, [a]);

    const res = await fetchFile(bob, a.id);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.match(res.headers.get("content-disposition") ?? "", /^inline/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("content-security-policy"), "sandbox");
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);

    const history = await s.api.get(`/conversations/${conv}/messages`, { token: bob.accessToken });
    assert.deepEqual(history.body.items[0].attachments, [a]);
  });

  test("a non-member and another app's user get 404 for an attached file", async () => {
    const a = await uploadOk(ann, png(1, 1), "p.png");
    assert.equal((await s.api.post(`/conversations/${conv}/messages`, { token: ann.accessToken, body: { text: "", attachmentIds: [a.id] } })).status, 201);
    const foreigner = await s.api.register(otherApp);
    for (const u of [out, foreigner]) {
      const res = await fetchFile(u, a.id);
      assert.equal(res.status, 404);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "not_found");
    }
    assert.equal((await fetchFile(out, "upl_nope")).status, 404);
    assert.equal((await fetchFile(out, "x".repeat(300))).status, 404);
    assert.equal((await fetch(`${s.url}/v1/uploads/${a.id}`)).status, 401, "no token");
    assert.equal((await fetch(`${s.url}/v1/uploads/${a.id}?access_token=${ann.accessToken}`)).status, 401, "header only");
  });

  test("a PDF and a text file are served as downloads with nosniff and a sandbox CSP", async () => {
    const pdf = await uploadOk(ann, PDF, "report.pdf");
    assert.equal(pdf.mime, "application/pdf");
    assert.equal(pdf.width, null);
    const txt = await uploadOk(ann, Buffer.from("<html><script>alert(1)</script></html>"), "evil.html", "text/html");
    assert.equal(txt.mime, "application/octet-stream");
    for (const [a, mime] of [
      [pdf, "application/pdf"],
      [txt, "application/octet-stream"],
    ] as const) {
      const res = await fetchFile(ann, a.id);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), mime);
      assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename=/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("content-security-policy"), "sandbox");
      await res.arrayBuffer();
    }
  });

  test("a client file name with quotes, slashes and unicode is only a display name", async () => {
    const a = await uploadOk(ann, PDF, '../"na\\me"\r\nX: y – ü.pdf');
    const res = await fetchFile(ann, a.id);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x"), null);
    assert.match(res.headers.get("content-disposition") ?? "", /^attachment;/);
    const stored = await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id: a.id });
    assert.match(stored.storedName, /^[A-Za-z0-9_-]+\.pdf$/);
    await res.arrayBuffer();
  });

  test("26 MB is 413 and leaves no temp file behind", async () => {
    const big = new Blob([new Uint8Array(26 * 1024 * 1024)]);
    const res = await upload(ann, big, "big.bin").catch((err: unknown) => ({ status: 0, err }) as unknown as Res);
    assert.equal(res.status, 413);
    assert.equal(errorCode(res), "payload_too_large");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await readdir(tmpDir()), []);
  });

  test("26 MB streamed without a Content-Length is 413 too, and the partial temp file is removed", async () => {
    const boundary = "parleyboundary";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const chunk = new Uint8Array(1024 * 1024).fill(7);
    let sent = -1;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === -1) c.enqueue(head);
        else if (sent < 26) c.enqueue(chunk);
        else if (sent === 26) c.enqueue(tail);
        else c.close();
        sent++;
      },
    });
    const status = await fetch(`${s.url}/v1/uploads`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ann.accessToken}`, "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: "half",
    } as RequestInit).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 413, // the server may close the socket while the client is still sending
    );
    assert.equal(status, 413);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await readdir(tmpDir()), []);
  });

  test("not multipart, no file field, an empty file: 4xx and no temp file", async () => {
    const json = await s.api.post("/uploads", { token: ann.accessToken, body: { file: "x" } });
    assert.equal(json.status, 415);
    const fd = new FormData();
    fd.append("other", new Blob([new Uint8Array(PDF)]), "x.pdf");
    const wrongField = await s.api.post("/uploads", { token: ann.accessToken, raw: fd });
    assert.equal(wrongField.status, 400);
    const empty = await upload(ann, Buffer.alloc(0), "empty.txt");
    assert.equal(empty.status, 400);
    const garbage = await s.api.post("/uploads", { token: ann.accessToken, raw: "--xyz\r\ngarbage", contentType: "multipart/form-data; boundary=xyz" });
    assert.equal(garbage.status, 400);
    errorCode(garbage);
    assert.equal((await s.api.post("/uploads", { raw: new FormData() })).status, 401);
    assert.deepEqual(await readdir(tmpDir()), []);
  });

  test("another user's upload, or one already attached, cannot be attached (400, nothing stored)", async () => {
    const bobs = await uploadOk(bob, PDF, "bob.pdf");
    const before = await s.services.db.getRepository(MessageEntity).countBy({ conversationId: conv });
    const res = await s.api.post(`/conversations/${conv}/messages`, { token: ann.accessToken, body: { text: "stolen", attachmentIds: [bobs.id] } });
    assert.equal(res.status, 400);
    assert.equal(errorCode(res), "validation_failed");

    const mine = await uploadOk(ann, PDF, "mine.pdf");
    assert.equal(
      (await s.api.post(`/conversations/${conv}/messages`, { token: ann.accessToken, body: { text: "first", attachmentIds: [mine.id] } })).status,
      201,
    );
    const mine2 = await uploadOk(ann, PDF, "mine2.pdf");
    const again = await s.api.post(`/conversations/${conv}/messages`, { token: ann.accessToken, body: { text: "again", attachmentIds: [mine2.id, mine.id] } });
    assert.equal(again.status, 400);
    assert.equal(await s.services.db.getRepository(MessageEntity).countBy({ conversationId: conv }), before + 1);
    const row = await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id: mine2.id });
    assert.equal(row.messageId, null, "the rolled-back send attached nothing");
    assert.equal(row.conversationId, null);

    const foreigner = await s.api.register(otherApp);
    const foreign = await uploadOk(foreigner, PDF, "f.pdf");
    const cross = await s.api.post(`/conversations/${conv}/messages`, { token: ann.accessToken, body: { text: "x", attachmentIds: [foreign.id] } });
    assert.equal(cross.status, 400);
  });

  test("deleting the message removes its attachment rows and files", async () => {
    const a = await uploadOk(ann, png(4, 4), "gone.png");
    const b = await uploadOk(ann, PDF, "gone.pdf");
    const sent = await s.api.post<Message>(`/conversations/${conv}/messages`, { token: ann.accessToken, body: { text: "temp", attachmentIds: [a.id, b.id] } });
    assert.equal(sent.status, 201);
    assert.deepEqual(
      sent.body.attachments.map((x) => x.id),
      [a.id, b.id],
    );
    const files = [await storedPath(a.id), await storedPath(b.id)];
    assert.ok(files.every((f) => existsSync(f)));
    assert.equal((await s.api.del(`/messages/${sent.body.id}`, { token: ann.accessToken })).status, 204);
    assert.ok(files.every((f) => !existsSync(f)));
    assert.equal(await s.services.db.getRepository(UploadEntity).countBy({ messageId: Number(sent.body.id) }), 0);
    assert.equal((await fetchFile(ann, a.id)).status, 404);
    const tomb = await s.api.get(`/conversations/${conv}/messages?limit=1`, { token: bob.accessToken });
    assert.equal(tomb.body.items[0].text, null);
    assert.deepEqual(tomb.body.items[0].attachments, []);
  });
});
