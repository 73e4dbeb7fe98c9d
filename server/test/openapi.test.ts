import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import specs from "@asyncapi/specs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import jwt from "jsonwebtoken";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { CLI } from "../src/console/console-members.service.js";
import { totpCode } from "../src/console/totp.js";
import { z } from "zod";
import { createApp } from "../src/http/app.js";
import { refinements } from "../src/http/openapi/json-schema.js";
import { encodePng } from "../src/shared/png.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { ModelServer } from "./helpers/model-server.js";
import { connect, Recorder, request } from "./helpers/sockets.js";

/**
 * `/v1/openapi.json` and `/v1/asyncapi.json` against the real server: both documents are valid;
 * the document lists exactly the routes the server's routers hold; and real answers of every
 * operation (a success and at least one error each) match what the document says, status and body.
 */

type Json = Record<string, any>;
type Method = "get" | "post" | "put" | "patch" | "delete";

/** Routes the server answers that are not API: the widget and SDK bundles (see assets.routes.ts). */
const NOT_API = new Set([
  "GET /widget.js",
  "GET /widget.js.map",
  "GET /sdk.js",
  "GET /sdk.js.map",
  "GET /parley-sw.js",
  "GET /parley-sw.js.map",
  "GET /:file",
  "GET /console",
  "GET /console/:file",
]);
/** Operations with no client error to provoke: they take no input and need no credentials. */
const NO_CLIENT_ERROR = new Set(["getHealth", "getOpenApi", "getAsyncApi", "getLiveness", "getReadiness"]);
const METRICS_TOKEN = "metrics-token-for-the-openapi-test";
const REDOCLY = path.resolve(import.meta.dirname, "../../node_modules/@redocly/cli/bin/cli.js");

const ajvFor = (doc: Json, id: string) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, id);
  return ajv;
};

describe("API description (OpenAPI 3.1 and AsyncAPI 3.0)", () => {
  let s: TestServer;
  let doc: Json;
  let asyncDoc: Json;
  let ajv: Ajv2020;
  const DOC_ID = "https://parley.test/openapi.json";
  /** operationId -> its method, path and operation object. */
  const ops = new Map<string, { method: Method; path: string; op: Json }>();
  /** operationId -> statuses validated. */
  const seen = new Map<string, number[]>();
  let validated = 0;
  let socketValidated = 0;

  /** The scripted model behind translations and summaries (on loopback: AGENT_ALLOW_PRIVATE). */
  const models = new ModelServer();

  before(async () => {
    await models.start();
    // Invitations need consent on (the harness turns direct adds on for other suites).
    s = await startServer({ METRICS_TOKEN, GROUP_DIRECT_ADD: "0", AGENT_ALLOW_PRIVATE: "1" });
    // Validating the documents takes seconds: longer than Node's 5 s keep-alive, whose expiry
    // racing the next request on the same connection would read as an ECONNRESET.
    s.httpServer.keepAliveTimeout = 60_000;
    const res = await fetch(`${s.url}/v1/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as Json;
    asyncDoc = (await (await fetch(`${s.url}/v1/asyncapi.json`)).json()) as Json;
    ajv = ajvFor(doc, DOC_ID);
    for (const [path, item] of Object.entries(doc["paths"] as Json)) {
      for (const [method, op] of Object.entries(item as Json)) ops.set(op.operationId, { method: method as Method, path, op });
    }
  });
  after(async () => {
    console.log(
      `openapi: ${validated} real HTTP responses validated against /v1/openapi.json (${seen.size} of ${ops.size} operations); ${socketValidated} socket payloads against /v1/asyncapi.json`,
    );
    await s?.close();
    await models.close();
  });

  test("the document is valid OpenAPI 3.1", async () => {
    assert.equal(doc["openapi"], "3.1.0");
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(validator.version, "3.1");
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    // The validator is not a rubber stamp.
    const broken = structuredClone(doc);
    broken["paths"]["/v1/me"].get.responses = "none";
    assert.equal((await new Validator().validate(broken)).valid, false);
  });

  test("Redocly's linter (its recommended rules) reports no error on the served document (red team 4)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parley-redocly-"));
    try {
      const file = path.join(dir, "openapi.json");
      writeFileSync(file, JSON.stringify(doc));
      const lint = (f: string) =>
        spawnSync(process.execPath, [REDOCLY, "lint", f, "--format=json"], {
          encoding: "utf8",
          env: { ...process.env, REDOCLY_TELEMETRY: "off", NO_COLOR: "1" },
        });
      const problems = (run: ReturnType<typeof lint>): { ruleId: string; severity: string; message: string }[] => {
        const json = run.stdout.slice(run.stdout.indexOf("{"));
        return (JSON.parse(json) as { problems: { ruleId: string; severity: string; message: string }[] }).problems;
      };
      const errors = problems(lint(file)).filter((p) => p.severity === "error");
      assert.deepEqual(errors, []);
      // The linter is not a rubber stamp: an operation without its path parameter is an error.
      const broken = structuredClone(doc);
      broken["paths"]["/v1/messages/{id}/pin"].put.parameters = [];
      writeFileSync(file, JSON.stringify(broken));
      assert.ok(problems(lint(file)).some((p) => p.severity === "error" && p.ruleId === "path-parameters-defined"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the app id is a parameter, not a security scheme (a missing one is the documented 400, never a 401) (red team 4)", () => {
    const schemes = Object.keys(doc["components"]["securitySchemes"] as Json);
    assert.ok(!schemes.some((k) => /app/i.test(k)), `security schemes: ${schemes.join(", ")}`);
    const register = ops.get("register")!.op;
    assert.deepEqual(register.security ?? [], []);
    const named = ((register.parameters ?? []) as Json[]).map((p) => `${p.in}:${p.name}`).sort();
    assert.deepEqual(named, ["header:X-Parley-App", "query:appId"]);
    assert.ok(register.responses["400"], "a missing app id is a 400");
    assert.equal(register.responses["401"], undefined, "nothing about the app id is a 401");
  });

  test("zod refinements reach the document: every rule of every *.schema.ts is said where it applies (red team 4)", async () => {
    // Every refinement with a message in the edge schemas, found by walking each exported schema
    // with the same converter the document uses.
    const rules = new Set<string>();
    const dir = path.resolve(import.meta.dirname, "../src");
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".schema.ts"));
    assert.ok(files.length > 10, `${files.length} schema files`);
    for (const f of files) {
      const mod = (await import(path.join(dir, f))) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if (!(value instanceof z.ZodType)) continue;
        z.toJSONSchema(value, { io: "input", unrepresentable: "any", override: ({ zodSchema }) => refinements(zodSchema).forEach((r) => rules.add(r)) });
      }
    }
    assert.ok(rules.size >= 10, `${rules.size} rules found`);
    // A socket command's rules are said in the AsyncAPI document, where its schema is.
    const text = JSON.stringify(doc) + JSON.stringify(asyncDoc);
    assert.deepEqual(
      [...rules].filter((r) => !text.includes(JSON.stringify(r).slice(1, -1))),
      [],
      "rules the documents do not say",
    );
    // Said in the schema they apply to: "at least one field" on the profile update, "text or an attachment" on a send.
    assert.match(doc["components"]["schemas"]["UpdateMeRequest"].description, /Also checked: .*update/);
    assert.deepEqual(doc["components"]["schemas"]["SendMessageRequest"]["x-parley-rules"], ["A message needs text or at least one attachment"]);
    const audit = [...ops.values()].find(({ method, path }) => method === "get" && path === "/v1/console/apps/{appId}/audit")!;
    assert.match(audit.op.description, /The end is before the start/, "a rule across query fields is the operation's");
  });

  test("the socket description is valid AsyncAPI 3.0 and names every event and command", () => {
    const ajv7 = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
    addFormats(ajv7);
    const validate = ajv7.compile((specs as { schemas: Record<string, object> }).schemas["3.0.0"]!);
    assert.equal(validate(asyncDoc), true, JSON.stringify(validate.errors, null, 2));
    const broken = structuredClone(asyncDoc);
    broken["operations"].sendMessageNew.action = "shout";
    assert.equal(validate(broken), false);
    const names = Object.values(asyncDoc["components"].messages as Json).map((m) => m.name);
    for (const e of [
      "message.new",
      "message.updated",
      "message.deleted",
      "reaction.updated",
      "read.updated",
      "conversation.created",
      "conversation.updated",
      "member.added",
      "member.removed",
      "member.updated",
      "contact.updated",
      "invitation.updated",
      "typing",
      "presence",
      "presence.snapshot",
      "message.send",
      "read",
      "call.started",
      "call.updated",
      "call.ended",
      "call.signal",
      "call.start",
      "call.accept",
      "call.hangup",
    ]) {
      assert.ok(names.includes(e), `AsyncAPI lacks ${e}`);
    }
  });

  test("the document lists exactly the routes the server's routers hold", () => {
    // The same createApp the harness serves: every router it mounts, with every route in it.
    const koa = createApp(s.services);
    const routed = new Set<string>();
    for (const mw of koa.middleware as Array<{ router?: { stack: Array<{ methods: string[]; path: string | RegExp }> } }>) {
      for (const layer of mw.router?.stack ?? []) {
        for (const m of layer.methods) if (m !== "HEAD") routed.add(`${m} ${String(layer.path)}`);
      }
    }
    const api = [...routed].filter((r) => !NOT_API.has(r)).sort();
    const documented = [...ops.values()].map(({ method, path }) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`).sort();
    assert.ok(api.length > 40, `only ${api.length} routes found: is the router enumeration broken?`);
    assert.deepEqual(
      documented,
      api,
      "routes and the document disagree (a route mounted outside the declared routes of server/src/request/route.ts, or an operation without a route)",
    );
  });

  test("every operation declares exactly its template's path parameters, each required, with a schema (red team 4)", () => {
    const wrong: string[] = [];
    for (const [id, { path, op }] of ops) {
      const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
      const declared = ((op["parameters"] ?? []) as Json[]).filter((p) => p["in"] === "path");
      const names = declared.map((p) => p["name"] as string).sort();
      if (JSON.stringify(names) !== JSON.stringify(inTemplate)) wrong.push(`${id} ${path}: declares [${names.join(", ")}]`);
      for (const p of declared) if (p["required"] !== true || !p["schema"]) wrong.push(`${id} ${path}: {${p["name"]}} not required or without a schema`);
    }
    assert.ok([...ops.values()].filter(({ path }) => path.includes("{")).length > 30, "operations with path parameters were read");
    assert.deepEqual(wrong, []);
  });

  // ---------------------------------------------------------------------------------------------
  // Real answers against the document
  // ---------------------------------------------------------------------------------------------

  interface Call {
    params?: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
    /** A body sent as is (set its Content-Type in `headers`). */
    raw?: string;
    /** A multipart body: the file in the field `file`. */
    file?: { bytes: Buffer | string; type: string; name: string };
    token?: string;
    app?: string;
    headers?: Record<string, string>;
  }
  interface Answer {
    status: number;
    body: any;
    headers: Headers;
  }

  const resolve = (obj: Json): Json => {
    if (typeof obj?.["$ref"] !== "string") return obj;
    const path = (obj["$ref"] as string).replace(/^#\//, "").split("/");
    return resolve(path.reduce((o: Json, k) => o[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc));
  };

  const mediaMatches = (pattern: string, actual: string): boolean => {
    if (pattern === "*/*") return true;
    const [type, sub] = pattern.split("/");
    const [aType, aSub] = actual.split(";")[0]!.trim().toLowerCase().split("/");
    return type === aType && (sub === "*" || sub === aSub);
  };

  /**
   * Sends a real request to the operation's documented path and checks the answer against the
   * document: the status must be listed, and the body must match its schema (or media type).
   */
  async function call(operationId: string, c: Call = {}): Promise<Answer> {
    const entry = ops.get(operationId);
    assert.ok(entry, `no operation ${operationId} in the document`);
    const path = entry.path.replace(/\{(\w+)\}/g, (_, k: string) => {
      assert.ok(c.params?.[k] !== undefined, `${operationId}: path parameter ${k}`);
      return encodeURIComponent(c.params[k]);
    });
    const qs = c.query ? `?${new URLSearchParams(c.query)}` : "";
    const headers: Record<string, string> = { ...c.headers };
    if (c.token) headers["Authorization"] = `Bearer ${c.token}`;
    if (c.app) headers["X-Parley-App"] = c.app;
    let body: BodyInit | undefined = c.raw;
    if (c.file) {
      const form = new FormData();
      form.append("file", new Blob([typeof c.file.bytes === "string" ? c.file.bytes : new Uint8Array(c.file.bytes)], { type: c.file.type }), c.file.name);
      body = form;
    } else if (c.body !== undefined) {
      body = JSON.stringify(c.body);
      headers["Content-Type"] = "application/json";
    }
    const res = await fetch(s.url + path + qs, { method: entry.method.toUpperCase(), headers, body });
    const raw = Buffer.from(await res.arrayBuffer());
    const what = `${operationId} (${entry.method.toUpperCase()} ${entry.path}) answered ${res.status}`;
    const described = entry.op.responses[String(res.status)];
    assert.ok(described, `${what}, a status the document does not list: ${raw.toString("utf8").slice(0, 300)}`);
    const response = resolve(described);
    const type = res.headers.get("content-type") ?? "";
    let parsed: unknown;
    if (!response["content"]) {
      assert.equal(raw.length, 0, `${what} with a body; the document says none`);
    } else {
      const [media, content] = Object.entries(response["content"] as Json).find(([m]) => mediaMatches(m, type)) ?? [];
      assert.ok(media, `${what} with Content-Type ${type}; the document says ${Object.keys(response["content"]).join(", ")}`);
      if (media === "application/json") {
        parsed = JSON.parse(raw.toString("utf8"));
        if (content.schema) {
          const pointer = content.schema["$ref"] ?? null;
          assert.ok(pointer, `${what}: inline response schemas are not expected`);
          const validate = ajv.getSchema(`${DOC_ID}${pointer}`) ?? ajv.compile({ $ref: `${DOC_ID}${pointer}` });
          assert.ok(
            validate(parsed),
            `${what}; the body does not match ${pointer}: ${JSON.stringify(validate.errors, null, 1)}\n${JSON.stringify(parsed).slice(0, 1500)}`,
          );
        }
      }
    }
    validated++;
    seen.set(operationId, [...(seen.get(operationId) ?? []), res.status]);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** `call`, also asserting the status. */
  async function expect(status: number, operationId: string, c: Call = {}): Promise<any> {
    const res = await call(operationId, c);
    assert.equal(res.status, status, `${operationId}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  test("real answers of every operation, successes and errors, match the document", async () => {
    const tenant = await s.createTenant("Docs", ["https://site.example"]);
    const app = tenant.id;
    const n = Math.random().toString(36).slice(2, 8);
    const register = async (name: string): Promise<AuthResponse> =>
      expect(201, "register", { app, body: { email: `${name}-${n}@example.com`, password: "correct horse battery", displayName: name } });

    // ---- ops
    await expect(200, "getHealth");
    await expect(200, "getOpenApi");
    await expect(200, "getAsyncApi");
    await expect(200, "getLiveness");
    await expect(200, "getReadiness");
    await expect(200, "getMetrics", { token: METRICS_TOKEN });
    await expect(401, "getMetrics");

    // ---- auth
    const alice = await register("Alice");
    const bob = await register("Bob");
    const carol = await register("Carol");
    const dave = await register("Dave");
    const erin = await register("Erin");
    await expect(400, "register", { app, body: { email: "not an email", password: "correct horse battery", displayName: "X" } });
    await expect(409, "register", { app, body: { email: `alice-${n}@example.com`, password: "correct horse battery", displayName: "Again" } });
    await expect(404, "register", { app: "app_does_not_exist", body: { email: `x-${n}@example.com`, password: "correct horse battery", displayName: "X" } });
    await expect(200, "login", { app, body: { email: `alice-${n}@example.com`, password: "correct horse battery" } });
    await expect(401, "login", { app, body: { email: `alice-${n}@example.com`, password: "wrong password" } });
    await expect(400, "login", { body: { email: `alice-${n}@example.com`, password: "correct horse battery" } });
    await expect(403, "login", { app, headers: { Origin: "https://evil.example" }, body: { email: `alice-${n}@example.com`, password: "x" } });
    const hostToken = jwt.sign({ sub: `host-${n}`, name: "Host User" }, tenant.secret, { algorithm: "HS256", expiresIn: 300 });
    await expect(200, "signInWithHostToken", { app, body: { token: hostToken } });
    await expect(401, "signInWithHostToken", {
      app,
      body: { token: jwt.sign({ sub: "x", name: "X" }, "a-different-secret-of-enough-length-0123456789", { algorithm: "HS256", expiresIn: 300 }) },
    });
    const session = await expect(200, "login", { app, body: { email: `erin-${n}@example.com`, password: "correct horse battery" } });
    const refreshed = await expect(200, "refresh", { app, body: { refreshToken: session.refreshToken } });
    await expect(401, "refresh", { app, body: { refreshToken: "rt_not_a_real_refresh_token" } });
    await expect(204, "logout", { app, body: { refreshToken: refreshed.refreshToken } });
    await expect(400, "logout", { app, body: {} });
    await expect(415, "logout", { app, raw: "refreshToken=x", headers: { "Content-Type": "text/plain" } });
    const frank = await register("Frank");
    await expect(401, "changePassword", { token: frank.accessToken, body: { currentPassword: "wrong password", newPassword: "another horse battery" } });
    await expect(200, "changePassword", { token: frank.accessToken, body: { currentPassword: "correct horse battery", newPassword: "another horse battery" } });

    // ---- users
    await expect(200, "getMe", { token: alice.accessToken });
    await expect(401, "getMe");
    await expect(401, "getMe", { token: "not.a.token" });
    await expect(200, "updateMe", { token: alice.accessToken, body: { bio: "Writes the docs", showLastSeen: true } });
    await expect(400, "updateMe", { token: alice.accessToken, body: {} });
    const png = encodePng(4, 4, () => [200, 40, 40, 255]);
    const withAvatar = await expect(200, "setAvatar", { token: alice.accessToken, file: { bytes: png, type: "image/png", name: "me.png" } });
    await expect(415, "setAvatar", { token: alice.accessToken, file: { bytes: "plain text", type: "text/plain", name: "me.txt" } });
    await expect(200, "searchUsers", { token: alice.accessToken, query: { q: "Bob", limit: "5" } });
    await expect(400, "searchUsers", { token: alice.accessToken, query: { limit: "1000" } });
    await expect(200, "getUser", { token: alice.accessToken, params: { id: bob.user.id } });
    await expect(404, "getUser", { token: alice.accessToken, params: { id: "u_missing" } });
    await expect(200, "getAvatar", { params: { name: String(withAvatar.avatarUrl).split("/").pop()! } });
    await expect(404, "getAvatar", { params: { name: "missing.png" } });

    // ---- contacts: alice+bob and alice+erin become contacts; carol declines; dave's is cancelled
    const toBob = await expect(201, "requestContact", { token: alice.accessToken, body: { userId: bob.user.id } });
    await expect(409, "requestContact", { token: alice.accessToken, body: { userId: bob.user.id } });
    await expect(400, "requestContact", { token: alice.accessToken, body: { userId: alice.user.id } });
    await expect(200, "acceptContactRequest", { token: bob.accessToken, params: { id: toBob.id } });
    await expect(409, "acceptContactRequest", { token: bob.accessToken, params: { id: toBob.id } });
    const toCarol = await expect(201, "requestContact", { token: alice.accessToken, body: { userId: carol.user.id } });
    await expect(200, "declineContactRequest", { token: carol.accessToken, params: { id: toCarol.id } });
    await expect(404, "declineContactRequest", { token: carol.accessToken, params: { id: "cr_missing" } });
    const toDave = await expect(201, "requestContact", { token: alice.accessToken, body: { userId: dave.user.id } });
    await expect(404, "cancelContactRequest", { token: dave.accessToken, params: { id: toDave.id } });
    await expect(200, "cancelContactRequest", { token: alice.accessToken, params: { id: toDave.id } });
    await expect(201, "requestContact", { token: erin.accessToken, body: { userId: alice.user.id } });
    await expect(200, "requestContact", { token: alice.accessToken, body: { userId: erin.user.id } });
    await expect(404, "acceptContactRequest", { token: alice.accessToken, params: { id: "cr_missing" } });
    await expect(200, "listContacts", { token: alice.accessToken });
    await expect(401, "listContacts");
    await expect(204, "removeContact", { token: alice.accessToken, params: { userId: erin.user.id } });
    await expect(400, "removeContact", { token: alice.accessToken, params: { userId: "x".repeat(65) } });
    await expect(204, "blockUser", { token: alice.accessToken, body: { userId: frank.user.id } });
    await expect(400, "blockUser", { token: alice.accessToken, body: { userId: alice.user.id } });
    await expect(204, "unblockUser", { token: alice.accessToken, params: { userId: frank.user.id } });
    await expect(400, "unblockUser", { token: alice.accessToken, params: { userId: "x".repeat(65) } });

    // ---- conversations
    const dm = (await expect(201, "createDirectConversation", { token: alice.accessToken, body: { userId: bob.user.id } })).conversation as Conversation;
    await expect(200, "createDirectConversation", { token: bob.accessToken, body: { userId: alice.user.id } });
    await expect(400, "createDirectConversation", { token: alice.accessToken, body: { userId: alice.user.id } });
    // Bob is a contact (added); Carol is not (invited).
    const group = (
      await expect(201, "createGroup", { token: alice.accessToken, body: { name: "Docs team", memberIds: [bob.user.id, carol.user.id], isPublic: true } })
    ).conversation as Conversation;
    await expect(400, "createGroup", { token: alice.accessToken, body: { memberIds: [] } });
    const invitations = await expect(200, "listInvitations", { token: carol.accessToken });
    assert.equal(invitations.items.length, 1, "Carol is invited, not added");
    await expect(400, "listInvitations", { token: carol.accessToken, query: { limit: "0" } });
    await expect(200, "acceptInvitation", { token: carol.accessToken, params: { id: invitations.items[0].id } });
    await expect(409, "acceptInvitation", { token: carol.accessToken, params: { id: invitations.items[0].id } });
    const other = (await expect(201, "createGroup", { token: alice.accessToken, body: { name: "Private", memberIds: [dave.user.id] } }))
      .conversation as Conversation;
    const daveInvites = await expect(200, "listInvitations", { token: dave.accessToken });
    await expect(204, "declineInvitation", { token: dave.accessToken, params: { id: daveInvites.items[0].id } });
    await expect(404, "declineInvitation", { token: dave.accessToken, params: { id: "inv_missing" } });
    await expect(200, "listConversations", { token: alice.accessToken, query: { limit: "10" } });
    await expect(400, "listConversations", { token: alice.accessToken, query: { limit: "0" } });
    await expect(200, "listPublicGroups", { token: dave.accessToken, query: { q: "Docs" } });
    await expect(400, "listPublicGroups", { token: dave.accessToken, query: { limit: "many" } });
    await expect(200, "getConversation", { token: alice.accessToken, params: { id: group.id } });
    await expect(404, "getConversation", { token: dave.accessToken, params: { id: other.id } });
    await expect(200, "updateConversation", { token: alice.accessToken, params: { id: group.id }, body: { name: "Docs people" } });
    await expect(400, "updateConversation", { token: alice.accessToken, params: { id: group.id }, body: {} });
    await expect(403, "updateConversation", { token: alice.accessToken, params: { id: dm.id }, body: { name: "A DM" } });
    await expect(200, "joinGroup", { token: dave.accessToken, params: { id: group.id } });
    await expect(404, "joinGroup", { token: dave.accessToken, params: { id: "c_missing" } });
    await expect(200, "muteConversation", { token: alice.accessToken, params: { id: group.id } });
    await expect(404, "muteConversation", { token: dave.accessToken, params: { id: other.id } });
    await expect(200, "unmuteConversation", { token: alice.accessToken, params: { id: group.id } });
    await expect(404, "unmuteConversation", { token: alice.accessToken, params: { id: "c_missing" } });
    await expect(200, "addMembers", { token: alice.accessToken, params: { id: other.id }, body: { userIds: [bob.user.id] } });
    await expect(400, "addMembers", { token: alice.accessToken, params: { id: other.id }, body: { userIds: [] } });
    await expect(200, "setMemberRole", { token: alice.accessToken, params: { id: group.id, userId: bob.user.id }, body: { role: "admin" } });
    await expect(400, "setMemberRole", { token: alice.accessToken, params: { id: group.id, userId: bob.user.id }, body: { role: "owner" } });
    await expect(204, "removeMember", { token: alice.accessToken, params: { id: group.id, userId: dave.user.id } });
    await expect(404, "removeMember", { token: alice.accessToken, params: { id: "c_missing", userId: dave.user.id } });

    // ---- web push: a public https endpoint is accepted (and unsubscribed before any message could push to it)
    const pushKey = await expect(200, "getPushKey", { token: carol.accessToken });
    await expect(401, "getPushKey");
    // Any P-256 point will do as the device key: the app's own public key is one.
    const device = { endpoint: "https://8.8.8.8/push/openapi", keys: { p256dh: pushKey.publicKey, auth: Buffer.alloc(16, 9).toString("base64url") } };
    await expect(201, "subscribePush", { token: carol.accessToken, body: device });
    await expect(400, "subscribePush", { token: carol.accessToken, body: { ...device, endpoint: "http://127.0.0.1/push" } });
    await expect(204, "unsubscribePush", { token: carol.accessToken, body: { endpoint: device.endpoint } });
    await expect(400, "unsubscribePush", { token: carol.accessToken, body: {} });

    // ---- AI agents (a server key): made, read, changed, removed; the endpoint an IP literal that is public
    {
      const key = await s.services.serverKeys.create(app, "agents");
      const sk = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
      const body = { sub: `agent-${n}`, name: "Helper", endpoint: "https://93.184.215.14/v1", model: "m", apiKey: "sk-1" };
      const made = await expect(201, "createAgent", { headers: sk, body });
      await expect(400, "createAgent", { headers: sk, body: { ...body, endpoint: "ftp://x" } });
      await expect(200, "listAgents", { headers: sk });
      await expect(401, "listAgents");
      await expect(200, "getAgent", { headers: sk, params: { id: made.id } });
      await expect(404, "getAgent", { headers: sk, params: { id: "agt_missing" } });
      await expect(200, "updateAgent", { headers: sk, params: { id: made.id }, body: { temperature: 0.2 } });
      await expect(400, "updateAgent", { headers: sk, params: { id: made.id }, body: { temperature: 9 } });
      // Hand-off: off by default (409), then to the moderators; a member of a DM with the agent asks for a person.
      const shop = (await s.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: made.userId } })).body.conversation.id;
      await expect(409, "requestHandoff", { token: alice.accessToken, params: { id: shop } });
      await expect(200, "getAgentSettings", { headers: sk });
      await expect(401, "getAgentSettings");
      await expect(200, "setAgentSettings", { headers: sk, body: { handoffTo: "moderators" } });
      await expect(400, "setAgentSettings", { headers: sk, body: { handoffTo: "nobody" } });
      await expect(200, "requestHandoff", { token: alice.accessToken, params: { id: shop } });
      // Translation and summaries: off (409), then by an agent whose model is the scripted one.
      models.scripts.set("openapi", { kind: "whole", text: "Hallo" });
      const said = (await s.api.post<Message>(`/conversations/${group.id}/messages`, { token: alice.accessToken, body: { text: "Hello" } })).body;
      const language = { language: "de" };
      await expect(409, "translateMessage", { token: alice.accessToken, params: { id: said.id }, body: language });
      await expect(409, "summarizeConversation", { token: alice.accessToken, params: { id: group.id }, body: language });
      const model = await expect(201, "createAgent", { headers: sk, body: { sub: `model-${n}`, name: "Model", endpoint: models.url, model: "openapi" } });
      await expect(200, "setAgentSettings", { headers: sk, body: { handoffTo: "moderators", translateAgentId: model.id, summarizeAgentId: model.id } });
      await expect(200, "translateMessage", { token: alice.accessToken, params: { id: said.id }, body: language });
      await expect(400, "translateMessage", { token: alice.accessToken, params: { id: said.id }, body: { language: "xx" } });
      await expect(404, "translateMessage", { token: alice.accessToken, params: { id: "999999999" }, body: language });
      await expect(200, "summarizeConversation", { token: alice.accessToken, params: { id: group.id }, body: language });
      await expect(404, "summarizeConversation", { token: alice.accessToken, params: { id: "c_missing" }, body: language });
      models.scripts.set("openapi", { kind: "status", status: 500 });
      await expect(503, "translateMessage", { token: alice.accessToken, params: { id: said.id }, body: { language: "fr" } });
      await expect(204, "deleteAgent", { headers: sk, params: { id: model.id } });
      await expect(204, "deleteAgent", { headers: sk, params: { id: made.id } });
      await expect(404, "deleteAgent", { headers: sk, params: { id: made.id } });
    }

    // ---- e-mail for unread messages: the app's settings and users' addresses (a server key), the caller's preference, unsubscribe
    {
      const key = await s.services.serverKeys.create(app, "email");
      const sk = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
      await expect(200, "getEmailSettings", { headers: sk });
      await expect(401, "getEmailSettings");
      await expect(200, "putEmailSettings", { headers: sk, body: { smtp: { host: "smtp.example.com", port: 587, password: "pw" }, includeText: true } });
      await expect(400, "putEmailSettings", { headers: sk, body: { smtp: { host: "smtp.example.com", port: 0 } } });
      await expect(204, "deleteEmailSettings", { headers: sk });
      await expect(401, "deleteEmailSettings");
      await expect(201, "serverUpsertUser", { headers: sk, body: { sub: `mail-${n}`, name: "Mail" } });
      await expect(200, "putEmailRecipient", { headers: sk, body: { sub: `mail-${n}`, email: `mail-${n}@example.com`, preference: "daily" } });
      await expect(404, "putEmailRecipient", { headers: sk, body: { sub: `nobody-${n}`, email: `x-${n}@example.com` } });
      await expect(200, "getMyEmailPreference", { token: carol.accessToken });
      await expect(401, "getMyEmailPreference");
      await expect(200, "putMyEmailPreference", { token: carol.accessToken, body: { preference: "every", locale: "fr" } });
      await expect(400, "putMyEmailPreference", { token: carol.accessToken, body: { preference: "sometimes" } });
      const token = new URL(s.services.email.unsubscribeUrl(app, carol.user.id)).searchParams.get("token")!;
      await expect(200, "confirmUnsubscribeEmail", { query: { token } });
      await expect(403, "confirmUnsubscribeEmail", { query: { token: `${token}x` } });
      await expect(200, "unsubscribeEmail", { query: { token } });
      await expect(403, "unsubscribeEmail", { query: { token: "forged.token" } });
    }

    // ---- scheduled sends and reminders (issue 55): the caller's own; the host's backend lists a user's and cancels
    {
      const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
      const sched = await expect(201, "scheduleMessage", { token: alice.accessToken, params: { id: group.id }, body: { text: "later", sendAt: inAnHour } });
      await expect(400, "scheduleMessage", { token: alice.accessToken, params: { id: group.id }, body: { text: "later", sendAt: "tomorrow" } });
      await expect(200, "listScheduledMessages", { token: alice.accessToken, query: { conversationId: group.id } });
      await expect(400, "listScheduledMessages", { token: alice.accessToken, query: { limit: "0" } });
      await expect(200, "editScheduledMessage", { token: alice.accessToken, params: { id: sched.id }, body: { text: "later still" } });
      await expect(404, "editScheduledMessage", { token: bob.accessToken, params: { id: sched.id }, body: { text: "mine now" } });
      await expect(200, "sendScheduledMessageNow", { token: alice.accessToken, params: { id: sched.id } });
      await expect(409, "sendScheduledMessageNow", { token: alice.accessToken, params: { id: sched.id } });
      await expect(204, "cancelScheduledMessage", { token: alice.accessToken, params: { id: sched.id } });
      await expect(404, "cancelScheduledMessage", { token: alice.accessToken, params: { id: sched.id } });
      const key = await s.services.serverKeys.create(app, "scheduled");
      const sk = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
      await expect(201, "serverUpsertUser", { headers: sk, body: { sub: `sched-${n}`, name: "Sched" } });
      await expect(200, "serverListScheduledMessages", { headers: sk, params: { sub: `sched-${n}` } });
      await expect(404, "serverListScheduledMessages", { headers: sk, params: { sub: `nobody-${n}` } });
      const hostCancels = await expect(201, "scheduleMessage", {
        token: alice.accessToken,
        params: { id: group.id },
        body: { text: "host cancels", sendAt: inAnHour },
      });
      await expect(204, "serverCancelScheduledMessage", { headers: sk, params: { id: hostCancels.id } });
      await expect(404, "serverCancelScheduledMessage", { headers: sk, params: { id: hostCancels.id } });
      const said = await expect(201, "sendMessage", { token: alice.accessToken, params: { id: group.id }, body: { text: "remind me" } });
      const reminder = await expect(201, "createReminder", { token: alice.accessToken, params: { id: said.id }, body: { remindAt: inAnHour } });
      await expect(404, "createReminder", { token: dave.accessToken, params: { id: said.id }, body: { remindAt: inAnHour } });
      await expect(200, "listReminders", { token: alice.accessToken });
      await expect(400, "listReminders", { token: alice.accessToken, query: { cursor: "not a cursor" } });
      await expect(204, "deleteReminder", { token: alice.accessToken, params: { id: reminder.id } });
      await expect(404, "deleteReminder", { token: alice.accessToken, params: { id: reminder.id } });
    }

    // ---- drafts (issue 55): the caller's own, of a conversation they are a member of
    await expect(200, "saveDraft", { token: alice.accessToken, params: { id: group.id }, body: { text: "half a tho", origin: "tab-1" } });
    await expect(400, "saveDraft", { token: alice.accessToken, params: { id: group.id }, body: { text: 5 } });
    await expect(404, "saveDraft", { token: dave.accessToken, params: { id: group.id }, body: { text: "not mine" } });
    await expect(200, "listDrafts", { token: alice.accessToken, query: { limit: "10" } });
    await expect(400, "listDrafts", { token: alice.accessToken, query: { cursor: "not a cursor" } });
    await expect(204, "deleteDraft", { token: alice.accessToken, params: { id: group.id }, query: { origin: "tab-1" } });
    await expect(404, "deleteDraft", { token: dave.accessToken, params: { id: group.id } });
    await expect(204, "saveDraft", { token: alice.accessToken, params: { id: group.id }, body: { text: "", replyTo: null } });

    // ---- uploads
    const upload = await expect(201, "upload", { token: alice.accessToken, file: { bytes: "the minutes", type: "text/plain", name: "minutes.txt" } });
    await expect(415, "upload", { token: alice.accessToken, body: { file: "not multipart" } });
    const opus = readFileSync(new URL("./fixtures/voice/chromium-2s.webm", import.meta.url));
    const voiceUp = await expect(201, "upload", { token: alice.accessToken, file: { bytes: opus, type: "audio/webm", name: "voice.webm" } });
    const peaks = Array.from({ length: 64 }, (_, i) => i * 4);
    await expect(200, "markVoice", { token: alice.accessToken, params: { id: voiceUp.id }, body: { peaks } });
    await expect(415, "markVoice", { token: alice.accessToken, params: { id: upload.id }, body: { peaks } });
    await expect(400, "markVoice", { token: alice.accessToken, params: { id: voiceUp.id }, body: { peaks: [1, 2, 3] } });
    await expect(200, "getVoiceSettings", { token: alice.accessToken });
    await expect(401, "getVoiceSettings");

    // ---- messages (and a realtime event seen live, checked against the AsyncAPI document)
    const first = (await expect(201, "sendMessage", {
      token: alice.accessToken,
      params: { id: group.id },
      body: { text: "Hello docs", attachmentIds: [upload.id, voiceUp.id], clientMessageId: `c-${n}` },
    })) as Message;
    await expect(200, "sendMessage", {
      token: alice.accessToken,
      params: { id: group.id },
      body: { text: "Hello docs", attachmentIds: [upload.id, voiceUp.id], clientMessageId: `c-${n}` },
    });
    await expect(400, "sendMessage", { token: alice.accessToken, params: { id: group.id }, body: { text: "   " } });
    await expect(404, "sendMessage", { token: dave.accessToken, params: { id: group.id }, body: { text: "not a member any more" } });
    await expect(200, "getUpload", { token: bob.accessToken, params: { id: upload.id } });
    await expect(404, "getUpload", { token: dave.accessToken, params: { id: upload.id } });
    await expect(200, "listMessages", { token: bob.accessToken, params: { id: group.id }, query: { limit: "10" } });
    await expect(400, "listMessages", { token: bob.accessToken, params: { id: group.id }, query: { before: "abc" } });
    const found = await expect(200, "searchMessages", { token: bob.accessToken, query: { q: "hello doc", limit: "5" } });
    assert.equal(found.items[0]?.message.id, first.id);
    await expect(400, "searchMessages", { token: bob.accessToken, query: { q: "" } });
    await expect(404, "searchMessages", { token: dave.accessToken, query: { q: "hello", conversationId: group.id } });
    // ---- threads and mentions (a reply mentioning Bob, Bob's follow and read mark)
    const reply = (await expect(201, "sendMessage", {
      token: alice.accessToken,
      params: { id: group.id },
      body: { text: "@Bob in a thread", threadId: first.id, mentions: [bob.user.id] },
    })) as Message;
    await expect(400, "sendMessage", { token: alice.accessToken, params: { id: group.id }, body: { text: "x", mentions: ["usr_nobody"] } });
    const threadPage = await expect(200, "getThread", { token: bob.accessToken, params: { id: first.id }, query: { limit: "5" } });
    assert.equal(threadPage.items[0]?.id, reply.id);
    await expect(400, "getThread", { token: bob.accessToken, params: { id: first.id }, query: { limit: "0" } });
    await expect(404, "getThread", { token: dave.accessToken, params: { id: first.id } });
    await expect(200, "followThread", { token: carol.accessToken, params: { id: first.id } });
    await expect(404, "followThread", { token: carol.accessToken, params: { id: reply.id } });
    await expect(200, "unfollowThread", { token: carol.accessToken, params: { id: first.id } });
    await expect(404, "unfollowThread", { token: dave.accessToken, params: { id: first.id } });
    await expect(200, "readThread", { token: bob.accessToken, params: { id: first.id }, body: { messageId: reply.id } });
    await expect(400, "readThread", { token: bob.accessToken, params: { id: first.id }, body: { messageId: first.id } });
    await expect(204, "markRead", { token: bob.accessToken, params: { id: group.id }, body: { messageId: first.id } });
    await expect(400, "markRead", { token: bob.accessToken, params: { id: group.id }, body: { messageId: "first" } });
    // ---- pins (Alice owns the group; Dave left it)
    await expect(200, "pinMessage", { token: alice.accessToken, params: { id: first.id } });
    await expect(404, "pinMessage", { token: dave.accessToken, params: { id: first.id } });
    await expect(200, "listPins", { token: bob.accessToken, params: { id: group.id } });
    await expect(404, "listPins", { token: dave.accessToken, params: { id: group.id } });
    await expect(204, "unpinMessage", { token: alice.accessToken, params: { id: first.id } });
    await expect(404, "unpinMessage", { token: dave.accessToken, params: { id: first.id } });
    // ---- link previews: an image as the unfurler stores it (any bytes will do for the route), and the sender's removal
    const previewKey = await s.services.previewFiles.put(Buffer.from("RIFF\x00\x00\x00\x00WEBPVP8 "));
    await expect(200, "getPreviewImage", { params: { key: previewKey } });
    await expect(404, "getPreviewImage", { params: { key: "0".repeat(64) } });
    await expect(204, "removePreview", { token: alice.accessToken, params: { id: first.id } });
    await expect(403, "removePreview", { token: bob.accessToken, params: { id: first.id } });
    // ---- polls
    const asked = (await expect(201, "createPoll", {
      token: alice.accessToken,
      params: { id: group.id },
      body: { question: "Tea or coffee?", options: ["Tea", "Coffee"] },
    })) as Message;
    await expect(400, "createPoll", { token: alice.accessToken, params: { id: group.id }, body: { question: "One?", options: ["only"] } });
    await expect(200, "votePoll", { token: bob.accessToken, params: { id: asked.id }, body: { options: ["1"] } });
    await expect(400, "votePoll", { token: bob.accessToken, params: { id: asked.id }, body: { options: ["0", "1"] } });
    await expect(200, "retractPollVote", { token: bob.accessToken, params: { id: asked.id } });
    await expect(404, "retractPollVote", { token: dave.accessToken, params: { id: asked.id } });
    await expect(403, "closePoll", { token: carol.accessToken, params: { id: asked.id } });
    await expect(200, "closePoll", { token: alice.accessToken, params: { id: asked.id } });
    await expect(200, "getMessage", { token: bob.accessToken, params: { id: first.id } });
    await expect(404, "getMessage", { token: dave.accessToken, params: { id: first.id } });
    await expect(200, "editMessage", { token: alice.accessToken, params: { id: first.id }, body: { text: "Hello, docs" } });
    await expect(403, "editMessage", { token: bob.accessToken, params: { id: first.id }, body: { text: "Not mine" } });
    await expect(200, "addReaction", { token: bob.accessToken, params: { id: first.id, emoji: "👍" } });
    await expect(400, "addReaction", { token: bob.accessToken, params: { id: first.id, emoji: "Not An Emoji" } });
    await expect(200, "removeReaction", { token: bob.accessToken, params: { id: first.id, emoji: "👍" } });
    await expect(404, "removeReaction", { token: bob.accessToken, params: { id: "999999999", emoji: "👍" } });
    await expect(204, "deleteMessage", { token: alice.accessToken, params: { id: first.id } });
    await expect(404, "deleteMessage", { token: alice.accessToken, params: { id: first.id } });

    // ---- calls: Gil rings Hal over the socket (signalling is there); the routes see it ringing
    const [gil, hal] = [await register("Gil"), await register("Hal")];
    const callDm = (await expect(201, "createDirectConversation", { token: gil.accessToken, body: { userId: hal.user.id } })).conversation as Conversation;
    await expect(200, "getIceServers", { token: hal.accessToken });
    await expect(401, "getIceServers");
    const gilSocket = await connect(s, gil.accessToken);
    const started = await request<{ id: string }>(gilSocket, "call.start", { conversationId: callDm.id, video: true });
    assert.ok(started.ok, JSON.stringify(started));
    const ringingId = started.data.id;
    const live = await expect(200, "listLiveCalls", { token: hal.accessToken });
    assert.deepEqual(
      live.calls.map((c: { id: string }) => c.id),
      [ringingId],
    );
    await expect(401, "listLiveCalls");
    await expect(200, "listCalls", { token: hal.accessToken, params: { id: callDm.id }, query: { limit: "5" } });
    await expect(404, "listCalls", { token: dave.accessToken, params: { id: callDm.id } });
    await expect(400, "listCalls", { token: gil.accessToken, params: { id: callDm.id }, query: { limit: "0" } });

    // ---- server API (a server key; users by sub)
    const key = await s.services.serverKeys.create(app, "docs");
    const sk = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    await expect(201, "serverUpsertUser", { headers: sk, body: { sub: `seller-${n}`, name: "Seller", data: { rating: 5 } } });
    await expect(200, "serverUpsertUser", { headers: sk, body: { sub: `seller-${n}`, name: "Seller Renamed" } });
    await expect(401, "serverUpsertUser", { body: { sub: `seller-${n}`, name: "No key" } });
    await expect(403, "serverUpsertUser", { headers: { ...sk, Origin: "https://site.example" }, body: { sub: "x", name: "X" } });
    await expect(413, "serverUpsertUser", { headers: sk, body: { sub: `seller-${n}`, name: "Big", data: { v: "x".repeat(5000) } } });
    await expect(201, "serverUpsertUser", { headers: sk, body: { sub: `buyer-${n}`, name: "Buyer" } });
    await expect(201, "serverIssueHostToken", { headers: sk, body: { sub: `buyer-${n}`, ttlSec: 60 } });
    await expect(404, "serverIssueHostToken", { headers: sk, body: { sub: `nobody-${n}` } });
    const order = { kind: "direct", users: [`buyer-${n}`, `seller-${n}`], key: `order-${n}`, data: { orderId: 123 } };
    const sconv = (await expect(201, "serverCreateConversation", { headers: sk, body: order })).conversation as Conversation;
    await expect(200, "serverCreateConversation", { headers: sk, body: order });
    await expect(404, "serverCreateConversation", { headers: sk, body: { kind: "group", users: [`ghost-${n}`] } });
    await expect(200, "serverListConversations", { headers: sk, query: { "filter[data.orderId]": "123" } });
    await expect(400, "serverListConversations", { headers: sk, query: { limit: "0" } });
    await expect(200, "serverGetConversation", { headers: sk, params: { id: sconv.id } });
    await expect(404, "serverGetConversation", { headers: sk, params: { id: group.id + "x" } });
    await expect(200, "serverUpdateConversation", { headers: sk, params: { id: sconv.id }, body: { data: { orderId: 124 } } });
    await expect(400, "serverUpdateConversation", { headers: sk, params: { id: sconv.id }, body: {} });
    const sgroup = (await expect(201, "serverCreateConversation", { headers: sk, body: { kind: "group", name: "Order room", users: [`seller-${n}`] } }))
      .conversation as Conversation;
    await expect(200, "serverAddMembers", { headers: sk, params: { id: sgroup.id }, body: { users: [`buyer-${n}`] } });
    await expect(404, "serverAddMembers", { headers: sk, params: { id: "cnv_missing" }, body: { users: [`buyer-${n}`] } });
    await expect(204, "serverRemoveMember", { headers: sk, params: { id: sgroup.id, sub: `buyer-${n}` } });
    await expect(404, "serverRemoveMember", { headers: sk, params: { id: sgroup.id, sub: `buyer-${n}` } });
    const system = (await expect(201, "serverSendMessage", {
      headers: sk,
      params: { id: sconv.id },
      body: { text: "Order shipped", clientMessageId: `ship-${n}`, data: { status: "shipped" } },
    })) as Message;
    assert.equal(system.senderId, null);
    await expect(200, "serverSendMessage", {
      headers: sk,
      params: { id: sconv.id },
      body: { text: "Order shipped", clientMessageId: `ship-${n}`, data: { status: "shipped" } },
    });
    await expect(400, "serverSendMessage", { headers: sk, params: { id: sconv.id }, body: { text: "" } });
    await expect(200, "serverListMessages", { headers: sk, params: { id: sconv.id }, query: { limit: "10" } });
    await expect(404, "serverListMessages", { headers: sk, params: { id: "cnv_missing" } });
    await expect(200, "serverEditMessage", { headers: sk, params: { id: system.id }, body: { text: "Order delivered" } });
    await expect(400, "serverEditMessage", { headers: sk, params: { id: system.id }, body: {} });
    await expect(200, "serverPinMessage", { headers: sk, params: { id: system.id } });
    await expect(200, "serverListPins", { headers: sk, params: { id: system.conversationId } });
    await expect(404, "serverListPins", { headers: sk, params: { id: "cnv_nope" } });
    await expect(204, "serverUnpinMessage", { headers: sk, params: { id: system.id } });
    await expect(404, "serverPinMessage", { headers: sk, params: { id: "999999999" } });
    await expect(404, "serverUnpinMessage", { headers: sk, params: { id: "999999999" } });
    const sysPoll = (await expect(201, "serverCreatePoll", {
      headers: sk,
      params: { id: system.conversationId },
      body: { question: "Site poll", options: ["a", "b"] },
    })) as Message;
    await expect(404, "serverCreatePoll", { headers: sk, params: { id: "cnv_nope" }, body: { question: "x", options: ["a", "b"] } });
    await expect(200, "serverClosePoll", { headers: sk, params: { id: sysPoll.id } });
    await expect(404, "serverClosePoll", { headers: sk, params: { id: system.id } });
    await expect(200, "serverListCalls", { headers: sk, params: { id: callDm.id } });
    await expect(404, "serverListCalls", { headers: sk, params: { id: "cnv_nope" } });
    const ended = await expect(200, "serverEndCall", { headers: sk, params: { id: ringingId } });
    assert.equal(ended.endReason, "cancelled");
    await expect(404, "serverEndCall", { headers: sk, params: { id: "call_missing" } });
    gilSocket.close();
    // Streamed messages (issue 54): a bot's reply by appends, then finished; another failed; an agent's state.
    const streamed = (await expect(201, "serverStartStream", { headers: sk, params: { id: sconv.id }, body: { from: `seller-${n}`, text: "Hi" } })) as Message;
    await expect(404, "serverStartStream", { headers: sk, params: { id: "cnv_missing" }, body: { from: `seller-${n}` } });
    await expect(200, "serverAppendStream", { headers: sk, params: { id: streamed.id }, body: { offset: 2, text: " there" } });
    await expect(409, "serverAppendStream", { headers: sk, params: { id: streamed.id }, body: { offset: 99, text: "!" } });
    await expect(200, "serverFinishStream", { headers: sk, params: { id: streamed.id }, body: {} });
    await expect(404, "serverFinishStream", { headers: sk, params: { id: system.id }, body: {} });
    const failing = (await expect(201, "serverStartStream", { headers: sk, params: { id: sconv.id }, body: { from: `seller-${n}` } })) as Message;
    await expect(400, "serverFailStream", { headers: sk, params: { id: failing.id }, body: {} });
    await expect(200, "serverFailStream", { headers: sk, params: { id: failing.id }, body: { error: "The model is down" } });
    await expect(204, "serverSetAiState", { headers: sk, params: { id: sconv.id }, body: { from: `seller-${n}`, state: "thinking" } });
    await expect(400, "serverSetAiState", { headers: sk, params: { id: sconv.id }, body: { from: `seller-${n}`, state: "napping" } });
    await expect(204, "serverDeleteMessage", { headers: sk, params: { id: system.id } });
    await expect(404, "serverDeleteMessage", { headers: sk, params: { id: system.id } });

    // ---- data rights: Gus exports, then deletes his account (Alice's sync then carries user.deleted)
    const gus = await register("Gus");
    const gusDm = (await expect(201, "createDirectConversation", { token: gus.accessToken, body: { userId: alice.user.id } })).conversation as Conversation;
    await expect(201, "sendMessage", { token: gus.accessToken, params: { id: gusDm.id }, body: { text: "bye" } });
    await expect(200, "exportMyData", { token: gus.accessToken });
    // The zip form answers application/zip, which the document must list (red team 4: it did not).
    await expect(200, "exportMyData", { token: gus.accessToken, query: { format: "zip" } });
    await expect(400, "exportMyData", { token: gus.accessToken, query: { format: "xml" } });
    await expect(401, "deleteMe", { token: gus.accessToken, body: { password: "wrong password" } });
    await expect(400, "deleteMe", { token: gus.accessToken, body: { password: "correct horse battery", extra: 1 } });
    await expect(204, "deleteMe", { token: gus.accessToken, body: { password: "correct horse battery" } });
    await expect(200, "serverExportUser", { headers: sk, params: { sub: `buyer-${n}` } });
    await expect(200, "serverExportUser", { headers: sk, params: { sub: `buyer-${n}` }, query: { format: "zip" } });
    await expect(404, "serverExportUser", { headers: sk, params: { sub: `ghost-${n}` } });
    await expect(204, "serverDeleteUser", { headers: sk, params: { sub: `buyer-${n}` } });
    await expect(404, "serverDeleteUser", { headers: sk, params: { sub: `buyer-${n}` } });

    // ---- sync: every event above, each checked against the document
    const head = await expect(200, "getSyncHead", { token: alice.accessToken });
    assert.ok(head.lastSeq > 0);
    await expect(401, "getSyncHead");
    const synced = await expect(200, "sync", { token: alice.accessToken, query: { since: "0", limit: "1000" } });
    const types = new Set(synced.events.map((e: { type: string }) => e.type));
    for (const t of [
      "message.new",
      "message.updated",
      "message.deleted",
      "reaction.updated",
      "conversation.created",
      "member.added",
      "member.updated",
      "contact.updated",
      "user.deleted",
    ])
      assert.ok(types.has(t), `sync has a ${t} event`);
    await expect(400, "sync", { token: alice.accessToken });
  });

  test("real answers of the webhook operations (server key) match the document", async () => {
    const tenant = await s.createTenant("Hooks", ["https://site.example"]);
    const key = await s.services.serverKeys.create(tenant.id);
    const headers = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    // A public address (not a documentation range such as TEST-NET-3, which the URL guard refuses):
    // accepted without WEBHOOK_ALLOW_PRIVATE; no message is sent while it is registered.
    const created = await expect(201, "createWebhook", {
      headers,
      body: { url: "https://93.184.215.14/hook", events: ["message.new", "notification.unread"] },
    });
    const id = created.endpoint.id as string;
    await expect(400, "createWebhook", { headers, body: { url: "http://127.0.0.1/hook", events: ["message.new"] } });
    await expect(401, "createWebhook", { body: { url: "https://93.184.215.14/hook", events: ["message.new"] } });
    await expect(200, "listWebhooks", { headers });
    await expect(403, "listWebhooks", { headers: { ...headers, Origin: "https://site.example" } });
    await expect(200, "setWebhookSettings", { headers, body: { unreadAfterSec: 120 } });
    await expect(400, "setWebhookSettings", { headers, body: { unreadAfterSec: -1 } });
    await expect(200, "listWebhookDeliveries", { headers, params: { id }, query: { status: "failed" } });
    await expect(404, "listWebhookDeliveries", { headers, params: { id: "whe_missing" } });
    await expect(200, "replayWebhook", { headers, params: { id }, body: { fromSeq: 0 } });
    await expect(400, "replayWebhook", { headers, params: { id }, body: { fromSeq: -5 } });
    await expect(204, "deleteWebhook", { headers, params: { id } });
    await expect(404, "deleteWebhook", { headers, params: { id } });
  });

  test("real answers of the moderation operations (moderators and server key) match the document", async () => {
    const tenant = await s.createTenant("Moderation", ["https://site.example"]);
    const key = await s.services.serverKeys.create(tenant.id);
    const sk = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    const n = Math.random().toString(36).slice(2, 8);
    const signIn = async (sub: string): Promise<AuthResponse> => {
      assert.equal((await s.api.post("/server/users", { headers: sk, body: { sub, name: sub } })).status, 201);
      const tok = await s.api.post("/server/tokens", { headers: sk, body: { sub } });
      return (await s.api.post<AuthResponse>("/auth/host-token", { app: tenant.id, body: { token: tok.body.hostToken } })).body;
    };
    const [mod, amy, ben] = [await signIn(`mod-${n}`), await signIn(`amy-${n}`), await signIn(`ben-${n}`)];
    const conv = (
      await s.api.post("/server/conversations", { headers: sk, body: { kind: "group", name: "Mods", users: [`mod-${n}`, `amy-${n}`, `ben-${n}`] } })
    ).body.conversation.id as string;
    const msg = (await s.api.post(`/conversations/${conv}/messages`, { token: ben.accessToken, body: { text: "report me" } })).body.id as string;
    const m = { token: mod.accessToken };

    await expect(204, "addModerator", { headers: sk, params: { sub: `mod-${n}` } });
    await expect(404, "addModerator", { headers: sk, params: { sub: `ghost-${n}` } });
    await expect(200, "listModerators", { headers: sk });
    await expect(401, "listModerators");
    const report = (await expect(201, "createReport", { token: amy.accessToken, body: { messageId: msg, reason: "spam", note: "n" } })).report;
    await expect(400, "createReport", { token: amy.accessToken, body: { reason: "nope" } });
    await expect(201, "createReport", { token: amy.accessToken, body: { userId: ben.user.id, reason: "other" } });

    for (const [prefix, who, user, other] of [
      ["", m, ben.user.id, amy.user.id],
      ["server", { headers: sk }, `ben-${n}`, `amy-${n}`],
    ] as const) {
      const id = (s: string) => (prefix ? prefix + s[0]!.toUpperCase() + s.slice(1) : s);
      const denied = prefix ? { headers: { ...sk, Origin: "https://site.example" } } : { token: amy.accessToken };
      await expect(200, id("moderationAudit"), { ...who, query: { limit: "5" } });
      await expect(403, id("moderationAudit"), denied);
      const reports = await expect(200, id("listReports"), { ...who, query: { status: "all" } });
      assert.ok(reports.items.length > 0);
      await expect(400, id("listReports"), { ...who, query: { status: "later" } });
      const open = reports.items.find((r: { status: string }) => r.status === "open");
      await expect(200, id("resolveReport"), { ...who, params: { id: open.id }, body: { status: "dismissed", note: "fine" } });
      await expect(409, id("resolveReport"), { ...who, params: { id: open.id }, body: { status: "resolved" } });
      await expect(200, id("muteMember"), { ...who, params: { id: conv, user }, body: { durationSec: 60, reason: "r" } });
      await expect(400, id("muteMember"), { ...who, params: { id: conv, user }, body: { durationSec: -1 } });
      await expect(204, id("unmuteMember"), { ...who, params: { id: conv, user }, body: { reason: "r" } });
      await expect(404, id("unmuteMember"), { ...who, params: { id: conv, user } });
      await expect(200, id("banFromConversation"), { ...who, params: { id: conv, user }, body: { reason: "r" } });
      await expect(404, id("banFromConversation"), { ...who, params: { id: "cnv_missing", user } });
      await expect(204, id("unbanFromConversation"), { ...who, params: { id: conv, user } });
      await expect(404, id("unbanFromConversation"), { ...who, params: { id: conv, user } });
      await expect(200, id("banFromApp"), { ...who, params: { user: other }, body: { reason: "r" } });
      await expect(404, id("banFromApp"), { ...who, params: { user: "usr_missing" }, body: {} });
      await expect(204, id("unbanFromApp"), { ...who, params: { user: other } });
      await expect(404, id("unbanFromApp"), { ...who, params: { user: other } });
      await expect(200, id("setSlowMode"), { ...who, params: { id: conv }, body: { seconds: 0 } });
      await expect(400, id("setSlowMode"), { ...who, params: { id: conv }, body: { seconds: 99999 } });
      await expect(200, id("setWordFilter"), { ...who, body: { words: [{ word: "heck", action: "mask" }] } });
      await expect(400, id("setWordFilter"), { ...who, body: { words: [{ word: "", action: "mask" }] } });
      await expect(200, id("getWordFilter"), who);
      await expect(403, id("getWordFilter"), denied);
      const doomed = (await s.api.post(`/conversations/${conv}/messages`, { token: mod.accessToken, body: { text: "delete me" } })).body.id;
      await expect(204, id("moderatorDeleteMessage"), { ...who, params: { id: doomed }, body: { reason: "r" } });
      await expect(404, id("moderatorDeleteMessage"), { ...who, params: { id: doomed } });
      // The banned user was removed: add them back for the second round.
      await s.api.post(`/server/conversations/${conv}/members`, { headers: sk, body: { users: [`ben-${n}`] } });
    }
    assert.ok(report.id);
    await expect(204, "removeModerator", { headers: sk, params: { sub: `mod-${n}` } });
    await expect(404, "removeModerator", { headers: sk, params: { sub: `ghost-${n}` } });
  });

  test("real answers of the console operations (session cookie, Origin, CSRF token) match the document", async () => {
    const n = Math.random().toString(36).slice(2, 8);
    const password = "correct horse console";
    /** A sign-up link's token, made as the CLI makes it. */
    const inviteToken = async (input: { email: string; role: "operator" | "viewer"; appId?: string }): Promise<string> =>
      (await s.services.consoleMembers.invite(CLI, input, s.url)).link.split("/signup/")[1]!;
    /** The session cookie an answer sets, as a Cookie header's pair. */
    const cookieOf = (a: Answer): string => {
      const set = a.headers.getSetCookie().find((c) => c.startsWith("parley_console="));
      assert.ok(set, "no parley_console cookie set");
      return set.split(";")[0]!;
    };
    /** What the console's page sends: the session cookie, its own Origin (the server's) and the CSRF token. */
    const browser = (cookie: string, csrf: string): { headers: Record<string, string> } => ({
      headers: { Cookie: cookie, Origin: s.url, "X-Parley-CSRF": csrf },
    });
    const page = { headers: { Origin: s.url } };

    // An operator: the link, sign-up (refused from another site, then once only), TOTP enrolment.
    const opToken = await inviteToken({ email: `op-${n}@ops.example`, role: "operator" });
    await expect(200, "getConsoleInvite", { params: { token: opToken } });
    await expect(404, "getConsoleInvite", { params: { token: "not-a-sign-up-link-token" } });
    await expect(403, "consoleSignUp", { headers: { Origin: "https://evil.example" }, body: { token: opToken, password } });
    const up = await call("consoleSignUp", { ...page, body: { token: opToken, password } });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.totpEnrolmentRequired, true);
    await expect(404, "consoleSignUp", { ...page, body: { token: opToken, password } });
    const op = browser(cookieOf(up), up.body.csrfToken);
    await expect(403, "setUpConsoleTotp", { headers: { ...op.headers, "X-Parley-CSRF": "not-the-token" } });
    const { secret } = await expect(200, "setUpConsoleTotp", op);
    await expect(400, "enableConsoleTotp", { ...op, body: { code: "abc" } });
    await expect(200, "enableConsoleTotp", { ...op, body: { code: totpCode(secret) } });
    await expect(409, "enableConsoleTotp", { ...op, body: { code: totpCode(secret) } });
    await expect(409, "setUpConsoleTotp", op);
    await expect(200, "getConsoleMe", op);
    await expect(401, "getConsoleMe");

    // A second sign-in (the next step's code: a step is accepted once), then its session ended.
    await expect(401, "consoleSignIn", { ...page, body: { email: `op-${n}@ops.example`, password: "wrong password" } });
    const second = await expect(200, "consoleSignIn", {
      ...page,
      body: { email: `op-${n}@ops.example`, password, code: totpCode(secret, Date.now() + 30_000) },
    });
    assert.equal(second.account.totpEnabled, true);
    const sessions = await expect(200, "listConsoleSessions", op);
    await expect(401, "listConsoleSessions", { headers: { Cookie: "parley_console=not-a-session" } });
    const other = sessions.items.find((x: { current: boolean }) => !x.current);
    assert.ok(other, "the second sign-in's session is listed");
    await expect(204, "endConsoleSession", { ...op, params: { sessionId: other.id } });
    await expect(404, "endConsoleSession", { ...op, params: { sessionId: other.id } });

    // Apps, invitations and keys.
    const created = await expect(201, "createConsoleApp", { ...op, body: { name: `Console ${n}`, allowedOrigins: ["https://site.example"] } });
    await expect(400, "createConsoleApp", { ...op, body: { name: "", allowedOrigins: [] } });
    const appId = created.app.id as string;
    await expect(200, "listConsoleApps", op);
    await expect(401, "listConsoleApps");
    await expect(200, "getConsoleApp", { ...op, params: { appId } });
    await expect(404, "getConsoleApp", { ...op, params: { appId: "app_missing" } });
    const invited = await expect(201, "createConsoleInvite", { ...op, body: { email: `viewer-${n}@site.example`, role: "viewer", appId } });
    await expect(404, "createConsoleInvite", { ...op, body: { email: `nobody-${n}@site.example`, role: "viewer", appId: "app_missing" } });
    // Members: the invited viewer signs up; another invitation to the same e-mail is accepted signed in.
    const member = await expect(201, "createConsoleInvite", { ...op, body: { email: `member-${n}@site.example`, role: "viewer", appId } });
    const inviteeUp = await call("consoleSignUp", { ...page, body: { token: member.link.split("/signup/")[1], password } });
    assert.equal(inviteeUp.status, 201, JSON.stringify(inviteeUp.body));
    const invitee = browser(cookieOf(inviteeUp), inviteeUp.body.csrfToken);
    const inviteeId = inviteeUp.body.account.id as string;
    const again = await expect(201, "createConsoleInvite", { ...op, body: { email: `member-${n}@site.example`, role: "moderator", appId } });
    const againToken = again.link.split("/signup/")[1];
    await expect(200, "acceptConsoleInvite", { ...invitee, params: { token: againToken } });
    await expect(404, "acceptConsoleInvite", { ...invitee, params: { token: againToken } });
    await expect(200, "listConsoleMembers", { ...op, params: { appId } });
    await expect(404, "listConsoleMembers", { ...op, params: { appId: "app_missing" } });
    await expect(200, "setConsoleMemberRole", { ...op, params: { appId, accountId: inviteeId }, body: { role: "admin" } });
    await expect(400, "setConsoleMemberRole", { ...op, params: { appId, accountId: inviteeId }, body: { role: "operator" } });
    const pendingInvite = await expect(201, "createConsoleInvite", { ...op, body: { email: `later-${n}@site.example`, role: "viewer", appId } });
    assert.ok(pendingInvite.link);
    const members = await expect(200, "listConsoleMembers", { ...op, params: { appId } });
    const later = members.invites.find((i: { email: string }) => i.email === `later-${n}@site.example`).id;
    await expect(204, "revokeConsoleInvite", { ...op, params: { appId, inviteId: later } });
    await expect(404, "revokeConsoleInvite", { ...op, params: { appId, inviteId: later } });
    await expect(204, "removeConsoleMember", { ...op, params: { appId, accountId: inviteeId } });
    await expect(404, "removeConsoleMember", { ...op, params: { appId, accountId: inviteeId } });
    // Every console account (operators): the invitee made operator and back, then deleted.
    const accounts = await expect(200, "listConsoleAccounts", { ...op, query: { q: `member-${n}@` } });
    assert.deepEqual(
      accounts.items.map((a: { id: string }) => a.id),
      [inviteeId],
    );
    await expect(400, "listConsoleAccounts", { ...op, query: { limit: "0" } });
    await expect(200, "setConsoleOperator", { ...op, params: { accountId: inviteeId }, body: { operator: true } });
    await expect(200, "setConsoleOperator", { ...op, params: { accountId: inviteeId }, body: { operator: false } });
    await expect(404, "setConsoleOperator", { ...op, params: { accountId: "cac_missing" }, body: { operator: true } });
    await expect(400, "deleteConsoleAccount", { ...op, params: { accountId: inviteeId }, body: { confirm: "someone else" } });
    await expect(204, "deleteConsoleAccount", { ...op, params: { accountId: inviteeId }, body: { confirm: `member-${n}@site.example` } });
    const key = await expect(201, "createConsoleKey", { ...op, params: { appId }, body: { name: "backend" } });
    await expect(404, "createConsoleKey", { ...op, params: { appId: "app_missing" }, body: {} });
    await expect(200, "listConsoleKeys", { ...op, params: { appId } });
    await expect(404, "listConsoleKeys", { ...op, params: { appId: "app_missing" } });
    await expect(204, "revokeConsoleKey", { ...op, params: { appId, keyId: key.key.id } });
    await expect(404, "revokeConsoleKey", { ...op, params: { appId, keyId: "key_missing" } });

    // Webhooks. The app has no live key now, so the test delivery waits for one: nothing is sent.
    const hook = await expect(201, "createConsoleWebhook", {
      ...op,
      params: { appId },
      body: { url: "https://93.184.215.14/console-hook", events: ["message.new"] },
    });
    await expect(400, "createConsoleWebhook", { ...op, params: { appId }, body: { url: "http://127.0.0.1/hook", events: ["message.new"] } });
    const webhookId = hook.endpoint.id as string;
    await expect(200, "listConsoleWebhooks", { ...op, params: { appId } });
    await expect(404, "listConsoleWebhooks", { ...op, params: { appId: "app_missing" } });
    await expect(200, "setConsoleWebhookSettings", { ...op, params: { appId }, body: { unreadAfterSec: 120 } });
    await expect(400, "setConsoleWebhookSettings", { ...op, params: { appId }, body: { unreadAfterSec: -1 } });
    // AI agents (issue 54): the server API's bodies under the console's roles.
    const consoleAgent = await expect(201, "createConsoleAgent", {
      ...op,
      params: { appId },
      body: { sub: `console-agent-${n}`, name: "Helper", endpoint: "https://93.184.215.14/v1", model: "m" },
    });
    await expect(400, "createConsoleAgent", { ...op, params: { appId }, body: { sub: "x", name: "x", endpoint: "ftp://x", model: "m" } });
    await expect(200, "listConsoleAgents", { ...op, params: { appId } });
    await expect(404, "listConsoleAgents", { ...op, params: { appId: "app_missing" } });
    await expect(200, "updateConsoleAgent", { ...op, params: { appId, agentId: consoleAgent.id }, body: { enabled: false } });
    await expect(400, "updateConsoleAgent", { ...op, params: { appId, agentId: consoleAgent.id }, body: { maxTokens: 0 } });
    await expect(200, "getConsoleAgentSettings", { ...op, params: { appId } });
    await expect(404, "getConsoleAgentSettings", { ...op, params: { appId: "app_missing" } });
    await expect(200, "setConsoleAgentSettings", { ...op, params: { appId }, body: { handoffTo: "off" } });
    await expect(400, "setConsoleAgentSettings", { ...op, params: { appId }, body: { handoffTo: "users", handoffUserIds: ["usr_missing"] } });
    await expect(204, "deleteConsoleAgent", { ...op, params: { appId, agentId: consoleAgent.id } });
    await expect(404, "deleteConsoleAgent", { ...op, params: { appId, agentId: consoleAgent.id } });
    // E-mail settings (issue 55): the server API's body under the console's roles.
    await expect(200, "putConsoleEmailSettings", { ...op, params: { appId }, body: { smtp: { host: "smtp.example.com", port: 587, password: "pw" } } });
    await expect(400, "putConsoleEmailSettings", { ...op, params: { appId }, body: { smtp: { host: "smtp.example.com", port: 0 } } });
    await expect(200, "getConsoleEmailSettings", { ...op, params: { appId } });
    await expect(404, "getConsoleEmailSettings", { ...op, params: { appId: "app_missing" } });
    await expect(204, "deleteConsoleEmailSettings", { ...op, params: { appId } });
    await expect(404, "deleteConsoleEmailSettings", { ...op, params: { appId: "app_missing" } });
    const tested = await expect(202, "testConsoleWebhook", { ...op, params: { appId, webhookId } });
    await expect(404, "testConsoleWebhook", { ...op, params: { appId, webhookId: "whe_missing" } });
    await expect(200, "listConsoleWebhookDeliveries", { ...op, params: { appId, webhookId }, query: { status: "pending" } });
    await expect(400, "listConsoleWebhookDeliveries", { ...op, params: { appId, webhookId }, query: { limit: "0" } });
    await expect(200, "getConsoleWebhookDelivery", { ...op, params: { appId, webhookId, deliveryId: tested.deliveryId } });
    await expect(404, "getConsoleWebhookDelivery", { ...op, params: { appId, webhookId, deliveryId: "whd_missing" } });
    await expect(200, "replayConsoleWebhook", { ...op, params: { appId, webhookId }, body: { fromSeq: 0 } });
    await expect(400, "replayConsoleWebhook", { ...op, params: { appId, webhookId }, body: { fromSeq: -1 } });

    // Moderation: chat users in a group (of an app with the default group policy) report messages; the operator works the queue.
    const { id: modApp } = await s.createTenant("Console moderation");
    const [amy, ben, cat] = [await s.api.register(modApp), await s.api.register(modApp), await s.api.register(modApp)];
    const group = await s.api.post("/conversations", { token: amy.accessToken, body: { name: "Room", memberIds: [ben.user.id, cat.user.id] } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const room = group.body.conversation.id as string;
    // (GROUP_DIRECT_ADD is off here: the others accept their invitations.)
    for (const who of [ben, cat]) {
      const invitations = await s.api.get("/conversations/invitations", { token: who.accessToken });
      const invitation = invitations.body.items.find((i: { conversationId: string }) => i.conversationId === room);
      assert.equal((await s.api.post(`/conversations/invitations/${invitation.id}/accept`, { token: who.accessToken })).status, 200);
    }
    const say = async (who: AuthResponse, text: string): Promise<string> => {
      const r = await s.api.post(`/conversations/${room}/messages`, { token: who.accessToken, body: { text } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return (r.body.message ?? r.body).id as string;
    };
    const reportOf = async (who: AuthResponse, messageId: string): Promise<string> => {
      const r = await s.api.post("/reports", { token: who.accessToken, body: { messageId, reason: "spam" } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.report.id as string;
    };
    const [m1, m2, m3] = [await say(ben, "one"), await say(cat, "two"), await say(ben, "three")];
    const [r1, r2, r3] = [await reportOf(amy, m1), await reportOf(amy, m2), await reportOf(cat, m3)];
    const mod = (more: Record<string, string> = {}) => ({ ...op, params: { appId: modApp, ...more } });
    await expect(200, "listConsoleReports", mod());
    await expect(400, "listConsoleReports", { ...mod(), query: { status: "closed" } });
    await expect(200, "getConsoleReport", mod({ reportId: r1 }));
    await expect(404, "getConsoleReport", mod({ reportId: "rep_missing" }));
    await expect(200, "resolveConsoleReport", { ...mod({ reportId: r1 }), body: { note: "handled" } });
    await expect(404, "resolveConsoleReport", { ...mod({ reportId: "rep_missing" }), body: {} });
    await expect(200, "dismissConsoleReport", { ...mod({ reportId: r2 }), body: {} });
    await expect(409, "dismissConsoleReport", { ...mod({ reportId: r2 }), body: {} });
    await expect(204, "deleteConsoleMessage", { ...mod({ messageId: m3 }), body: { reportId: r3 } });
    await expect(404, "deleteConsoleMessage", { ...mod({ messageId: m3 }), body: {} });
    await expect(200, "muteConsoleUser", { ...mod({ userId: cat.user.id }), body: { minutes: 10, conversationId: room } });
    await expect(400, "muteConsoleUser", { ...mod({ userId: cat.user.id }), body: { minutes: 7, conversationId: room } });
    await expect(200, "banConsoleUser", { ...mod({ userId: ben.user.id }), body: { scope: "app", reason: "spam" } });
    await expect(400, "banConsoleUser", { ...mod({ userId: ben.user.id }), body: { scope: "planet", reason: "spam" } });
    const bans = await expect(200, "listConsoleBans", mod());
    await expect(400, "listConsoleBans", { ...mod(), query: { limit: "0" } });
    await expect(204, "liftConsoleBan", mod({ banId: bans.items[0].id }));
    await expect(404, "liftConsoleBan", mod({ banId: bans.items[0].id }));
    const mutes = await expect(200, "listConsoleMutes", mod());
    await expect(404, "listConsoleMutes", { ...op, params: { appId: "app_missing" } });
    await expect(204, "liftConsoleMute", { ...mod({ muteId: mutes.items[0].id }), body: { reason: "served" } });
    await expect(404, "liftConsoleMute", mod({ muteId: mutes.items[0].id }));

    // The rules: word filter (and its test box), slow mode, the chat's moderators.
    const words = [{ word: "spamword", action: "block" }];
    await expect(200, "getConsoleWordFilter", mod());
    await expect(404, "getConsoleWordFilter", { ...op, params: { appId: "app_missing" } });
    await expect(200, "setConsoleWordFilter", { ...mod(), body: { words } });
    await expect(400, "setConsoleWordFilter", { ...mod(), body: { words: [...words, ...words] } });
    await expect(200, "testConsoleWordFilter", { ...mod(), body: { words, text: "a spamword" } });
    await expect(400, "testConsoleWordFilter", { ...mod(), body: { words, text: 5 } });
    await expect(200, "setConsoleSlowMode", { ...mod({ conversationId: room }), body: { seconds: 0 } });
    await expect(400, "setConsoleSlowMode", { ...mod({ conversationId: room }), body: { seconds: -1 } });
    await expect(204, "setConsoleChatModerator", { ...mod({ userId: amy.user.id }), body: { moderator: true } });
    await expect(404, "setConsoleChatModerator", { ...mod({ userId: "usr_missing" }), body: { moderator: true } });
    await expect(200, "listConsoleChatModerators", mod());
    await expect(404, "listConsoleChatModerators", { ...op, params: { appId: "app_missing" } });

    // App settings and lifecycle, and the app's users (console-apps.routes.ts, console-users.routes.ts).
    await expect(200, "getConsoleAppSettings", mod());
    await expect(404, "getConsoleAppSettings", { ...op, params: { appId: "app_missing" } });
    await expect(200, "updateConsoleAppSettings", { ...mod(), body: { groupMaxMembers: 50, filterNames: false } });
    await expect(400, "updateConsoleAppSettings", { ...mod(), body: { allowedOrigins: ["not an origin"] } });
    await expect(200, "rotateConsoleAppSecret", { ...mod(), body: { graceSec: 60 } });
    await expect(400, "rotateConsoleAppSecret", { ...mod(), body: { graceSec: -1 } });
    await expect(200, "disableConsoleApp", mod());
    await expect(404, "disableConsoleApp", { ...op, params: { appId: "app_missing" } });
    await expect(200, "enableConsoleApp", mod());
    await expect(404, "enableConsoleApp", { ...op, params: { appId: "app_missing" } });
    await expect(200, "listConsoleUsers", { ...mod(), query: { q: "" } });
    await expect(400, "listConsoleUsers", { ...mod(), query: { limit: "0" } });
    await expect(200, "getConsoleUser", mod({ userId: amy.user.id }));
    await expect(404, "getConsoleUser", mod({ userId: "usr_missing" }));
    await expect(200, "exportConsoleUser", mod({ userId: amy.user.id }));
    await expect(404, "exportConsoleUser", mod({ userId: "usr_missing" }));
    const leaving = await s.api.register(modApp);
    await expect(400, "deleteConsoleUser", { ...mod({ userId: leaving.user.id }), body: { confirm: "not them" } });
    await expect(204, "deleteConsoleUser", { ...mod({ userId: leaving.user.id }), body: { confirm: leaving.user.id } });
    const doomed = await expect(201, "createConsoleApp", { ...op, body: { name: `Doomed ${n}`, allowedOrigins: [] } });
    await expect(400, "deleteConsoleApp", { ...op, params: { appId: doomed.app.id }, body: { confirm: "not its name" } });
    await expect(204, "deleteConsoleApp", { ...op, params: { appId: doomed.app.id }, body: { confirm: `Doomed ${n}` } });

    // Usage, health and the audit log (console-usage.routes.ts).
    await expect(200, "getConsoleAppUsage", { ...op, params: { appId: modApp }, query: { days: "7" } });
    await expect(400, "getConsoleAppUsage", { ...op, params: { appId: modApp }, query: { days: "8" } });
    await expect(200, "getConsoleUsage", { ...op, query: { days: "90" } });
    await expect(401, "getConsoleUsage");
    await expect(200, "getConsoleHealth", op);
    await expect(401, "getConsoleHealth");
    await expect(200, "listConsoleAppAudit", { ...op, params: { appId }, query: { action: "key.created", limit: "1" } });
    await expect(404, "listConsoleAppAudit", { ...op, params: { appId: "app_missing" } });
    await expect(200, "listConsoleAudit", { ...op, query: { app: appId } });
    await expect(400, "listConsoleAudit", { ...op, query: { from: "2025-02-30" } });

    // A viewer (no TOTP required) turns TOTP on, then off; an operator may not turn it off.
    const viewerToken = (invited.link as string).split("/signup/")[1]!;
    const vUp = await call("consoleSignUp", { ...page, body: { token: viewerToken, password } });
    assert.equal(vUp.status, 201, JSON.stringify(vUp.body));
    const viewer = browser(cookieOf(vUp), vUp.body.csrfToken);
    await expect(403, "createConsoleKey", { ...viewer, params: { appId }, body: {} });
    await expect(403, "deleteConsoleWebhook", { ...viewer, params: { appId, webhookId } });
    await expect(204, "deleteConsoleWebhook", { ...op, params: { appId, webhookId } });
    await expect(404, "deleteConsoleWebhook", { ...op, params: { appId, webhookId } });
    const vSecret = (await expect(200, "setUpConsoleTotp", viewer)).secret as string;
    await expect(200, "enableConsoleTotp", { ...viewer, body: { code: totpCode(vSecret) } });
    await expect(403, "disableConsoleTotp", { ...op, body: { code: "123456" } });
    await expect(204, "disableConsoleTotp", { ...viewer, body: { code: totpCode(vSecret, Date.now() + 30_000) } });

    // Signing out ends the session: its cookie is no longer one.
    await expect(204, "consoleSignOut", op);
    await expect(401, "consoleSignOut", op);
  });

  test("the response schemas refuse what the protocol does not allow", () => {
    const message = ajv.getSchema(`${DOC_ID}#/components/schemas/Message`)!;
    const valid = {
      id: "1",
      conversationId: "c",
      senderId: "u",
      text: "hi",
      attachments: [],
      replyToId: null,
      clientMessageId: null,
      reactions: [],
      createdAt: "2026-11-22T10:00:00.000Z",
      editedAt: null,
      deletedAt: null,
    };
    assert.equal(message(valid), true, JSON.stringify(message.errors));
    assert.equal(message({ ...valid, extra: 1 }), false, "an undeclared field");
    assert.equal(message({ ...valid, text: undefined }), false, "a missing field");
    assert.equal(message({ ...valid, createdAt: "yesterday" }), false, "a timestamp that is not ISO-8601");
    const e404 = ajv.getSchema(`${DOC_ID}#/components/schemas/Error404`)!;
    assert.equal(e404({ error: { code: "not_found", message: "No such route" } }), true);
    assert.equal(e404({ error: { code: "forbidden", message: "A 403's code" } }), false, "a code of another status");
  });

  test("every operation had a success and an error answer validated", () => {
    const missing: string[] = [];
    for (const id of ops.keys()) {
      const statuses = seen.get(id) ?? [];
      if (!statuses.some((x) => x < 300)) missing.push(`${id}: no success`);
      if (!NO_CLIENT_ERROR.has(id) && !statuses.some((x) => x >= 400)) missing.push(`${id}: no error`);
    }
    assert.deepEqual(missing, []);
  });

  test("socket events and acks match the AsyncAPI document", async () => {
    const tenant = await s.createTenant("Sockets");
    const [a, b] = [await s.api.register(tenant.id), await s.api.register(tenant.id)];
    const conv = (await s.api.post("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } })).body.conversation as Conversation;
    const ajv7 = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv7);
    ajv7.addSchema(asyncDoc, "asyncapi.json");
    const payloadOf = (event: string): string => {
      const [key] = Object.entries(asyncDoc["components"].messages as Json).find(([, m]) => m.name === event) ?? [];
      assert.ok(key, `AsyncAPI has no message named ${event}`);
      return `asyncapi.json${asyncDoc["components"].messages[key].payload.$ref}`;
    };
    const check = (ref: string, payload: unknown, what: string) => {
      const validate = ajv7.getSchema(ref) ?? ajv7.compile({ $ref: ref });
      assert.ok(validate(payload), `${what}: ${JSON.stringify(validate.errors, null, 1)}\n${JSON.stringify(payload).slice(0, 800)}`);
      socketValidated++;
    };
    const sb = await connect(s, b.accessToken);
    const rb = new Recorder(sb);
    const sa = await connect(s, a.accessToken);
    const ra = new Recorder(sa);
    try {
      const ack = await request<Message>(sa, "message.send", { conversationId: conv.id, text: "live" });
      check("asyncapi.json#/components/schemas/MessageAck", ack, "message.send ack");
      const bad = await request<Message>(sa, "message.send", { conversationId: conv.id, text: "" });
      assert.equal(bad.ok, false);
      check("asyncapi.json#/components/schemas/MessageAck", bad, "message.send error ack");
      await rb.wait("message.new");
      check("asyncapi.json#/components/schemas/EmptyAck", await request(sa, "typing", { conversationId: conv.id }), "typing ack");
      await rb.wait("typing");
      const msg = ack.ok ? ack.data : undefined;
      check("asyncapi.json#/components/schemas/EmptyAck", await request(sb, "read", { conversationId: conv.id, messageId: msg!.id }), "read ack");
      await ra.wait("read.updated");
      // A bot's streamed reply and its state (issue 54), to Carl (a host's user): message.delta, ai.state, his message.stop.
      const key = await s.services.serverKeys.create(tenant.id, "streams");
      const headers = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
      for (const sub of ["bot", "carl"]) await s.api.post("/server/users", { headers, body: { sub, name: sub } });
      const hostToken = (await s.api.post("/server/tokens", { headers, body: { sub: "carl" } })).body.hostToken as string;
      const carl = (await s.api.post("/auth/host-token", { app: tenant.id, body: { token: hostToken } })).body as AuthResponse;
      const room = (await s.api.post("/server/conversations", { headers, body: { kind: "direct", users: ["bot", "carl"] } })).body.conversation as Conversation;
      const sc = await connect(s, carl.accessToken);
      const rc = new Recorder(sc);
      try {
        const reply = (await s.api.post(`/server/conversations/${room.id}/streams`, { headers, body: { from: "bot", text: "Hel" } })).body as Message;
        await s.api.put(`/server/conversations/${room.id}/ai-state`, { headers, body: { from: "bot", state: "generating" } });
        await s.api.post(`/server/messages/${reply.id}/stream/append`, { headers, body: { offset: 3, text: "lo" } });
        await rc.wait("message.delta", (d) => d.offset === 3);
        await rc.wait("ai.state");
        check("asyncapi.json#/components/schemas/MessageAck", await request(sc, "message.stop", { messageId: reply.id }), "message.stop ack");
        await rc.wait("message.new", (e) => e.data.message.id === reply.id);
        for (const e of rc.events) check(payloadOf(e.name), e.payload, e.name);
      } finally {
        sc.close();
      }
      // A draft saved and deleted (issue 55): draft.updated to a's own socket, ephemeral.
      await s.api.put(`/conversations/${conv.id}/draft`, { token: a.accessToken, body: { text: "draft", origin: "o1" } });
      await ra.wait("draft.updated", (e) => e.draft !== null);
      await s.api.del(`/conversations/${conv.id}/draft`, { token: a.accessToken });
      await ra.wait("draft.updated", (e) => e.draft === null);
      // Everything either socket received, whatever it was (presence included), by its event name.
      for (const e of [...ra.events, ...rb.events]) check(payloadOf(e.name), e.payload, e.name);
    } finally {
      sa.close();
      sb.close();
    }
  });
});
