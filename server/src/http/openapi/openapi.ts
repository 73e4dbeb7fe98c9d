import { z } from "zod";
import { APP_HEADER, APP_QUERY, ERROR_STATUS, type ErrorCode } from "@parley/sdk/protocol";
import { componentSchemas, inlineSchema, merged, refinements, withoutProperties, type JsonSchema } from "./json-schema.js";
import { errorStatuses, TAGS, type Answer, type Auth, type Operation } from "../../request/route.js";
import { errorBodyFor } from "./error-responses.js";
import { eventSchemas } from "./event-responses.js";
import { responseSchemas } from "./responses.js";

/** `/v1/conversations/:id` -> `/v1/conversations/{id}`. */
export const openApiPath = (koaPath: string): string => koaPath.replace(/:(\w+)/g, "{$1}");

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorName = (status: number) => `Error${status}`;
const codesOf = (status: number) => (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((c) => ERROR_STATUS[c] === status);

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  none: [],
  // The app id names a tenant, it proves nothing: parameters (APP_PARAMETERS), not a security
  // scheme, whose absence tools would expect as a 401 where the server rightly answers 400.
  app: [],
  bearer: [{ bearerAuth: [] }],
  server: [{ serverKey: [] }],
  // Open when METRICS_PUBLIC=1, else the METRICS_TOKEN bearer.
  metrics: [{ metricsToken: [] }, {}],
  console: [{ consoleSession: [] }],
};

function answer(a: Answer): Record<string, unknown> {
  if ("json" in a) {
    const other = Object.fromEntries((a.orMedia ?? []).map((m) => [m, { schema: { type: "string", contentMediaType: m } }]));
    return { description: a.description, content: { "application/json": { schema: ref(a.json) }, ...other } };
  }
  if ("media" in a) return { description: a.description, content: { [a.media]: {} } };
  return { description: a.description };
}

/** `components.responses.Error<status>`: each error status once, referred to by every operation. */
function errorAnswer(status: number): Record<string, unknown> {
  const retry = status === 429 || status === 503;
  return {
    description: `Error: ${codesOf(status)
      .map((c) => `\`${c}\``)
      .join(", ")}`,
    ...(retry ? { headers: { "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" } } } } : {}),
    content: { "application/json": { schema: ref(errorName(status)) } },
  };
}

/** What an `app` route is told its app by: one of the two (else 400). */
const APP_PARAMETERS = [
  {
    name: APP_HEADER,
    in: "header",
    required: false,
    description: `The app (host site) id, for calls made before sign-in. Not a secret. This or \`${APP_QUERY}\` is required (400 without).`,
    schema: { type: "string", minLength: 1, maxLength: 64 },
  },
  {
    name: APP_QUERY,
    in: "query",
    required: false,
    description: `The app id, where a request cannot carry the ${APP_HEADER} header.`,
    schema: { type: "string", minLength: 1, maxLength: 64 },
  },
];

function operation(op: Operation): Record<string, unknown> {
  const parameters = [
    ...Object.entries(op.params ?? {}).map(([name, schema]) => ({ name, in: "path", required: true, schema: inlineSchema(schema, "input", "draft-2020-12") })),
    ...(op.query ? queryParameters(op.query, op.fromPath ?? []) : []),
    ...(op.auth === "app" ? APP_PARAMETERS : []),
  ];
  // A rule across the query's fields (a refinement of its object) is no parameter's: the operation says it.
  const queryRules = op.query ? refinements(op.query) : [];
  let requestBody: Record<string, unknown> | undefined;
  if (op.body && "multipart" in op.body) {
    requestBody = {
      required: true,
      content: {
        "multipart/form-data": {
          schema: {
            type: "object",
            properties: { file: { type: "string", contentMediaType: "application/octet-stream", description: op.body.multipart } },
            required: ["file"],
          },
        },
      },
    };
  } else if (op.body) {
    requestBody = { required: true, content: { "application/json": { schema: ref(op.body.name) } } };
  }
  const responses: Record<string, unknown> = {};
  for (const [status, a] of Object.entries(op.ok)) responses[status] = answer(a!);
  for (const status of errorStatuses(op)) responses[String(status)] ??= { $ref: `#/components/responses/${errorName(status)}` };
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(queryRules.length ? { description: `Also checked: ${queryRules.join("; ")}.`, "x-parley-rules": queryRules } : {}),
    security: SECURITY[op.auth],
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    // Served by a read replica when the server has them (a little behind, never behind the caller's own writes).
    ...(op.replica ? { "x-parley-reads": "replica" } : {}),
  };
}

/** Each property of the query's schema as one parameter (bar those the route takes from the path). */
function queryParameters(query: z.ZodObject, fromPath: string[]): Record<string, unknown>[] {
  const json = withoutProperties(inlineSchema(query, "input", "draft-2020-12"), fromPath);
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries((json.properties as Record<string, JsonSchema> | undefined) ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: required.has(name),
    schema,
  }));
}

/** The JSON request bodies as components: each command's schema as clients send it, without what the path gives. */
function requestSchemas(operations: readonly Operation[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const op of operations) {
    if (!op.body || !("schema" in op.body)) continue;
    const schema = withoutProperties(inlineSchema(op.body.schema, "input", "draft-2020-12"), op.fromPath ?? []);
    const known = out[op.body.name];
    if (known && JSON.stringify(known) !== JSON.stringify(schema)) throw new Error(`${op.operationId}: two request schemas named ${op.body.name}`);
    out[op.body.name] = schema;
  }
  return out;
}

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the declared routes (request/route.ts), the
 * request schemas the routes validate with and the response mirrors of the protocol (responses.ts).
 */
export function openApiDocument(version: string, routes: readonly Operation[]): Record<string, unknown> {
  const statuses = [...new Set(routes.flatMap(errorStatuses))].sort((a, b) => a - b);
  const answers: Record<string, z.ZodType> = { ...responseSchemas, ...eventSchemas };
  for (const s of statuses) answers[errorName(s)] = errorBodyFor(s);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of routes) {
    const item = (paths[openApiPath(op.path)] ??= {});
    if (item[op.method]) throw new Error(`Two operations for ${op.method.toUpperCase()} ${op.path}`);
    item[op.method] = operation(op);
  }

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    // The server that serves this document: every path is absolute from its root.
    servers: [{ url: "/", description: "This Parley server" }],
    info: {
      title: "Parley API",
      version,
      description: [
        "The REST API of a Parley chat server. Generated at start from the zod schemas the routes validate requests with and from mirrors of the wire types in `@parley/sdk/protocol`; `server/test/openapi.test.ts` checks real answers of every route against it.",
        "",
        'Errors always have the body `{ "error": { "code", "message", "details"?, "requestId"? } }`; each status lists the codes it carries. Lists are pages: `{ items, nextCursor }`, passed back as `?cursor=`. Resources of another app answer 404 exactly like missing ones.',
        "",
        "Realtime events (Socket.IO) are described by the AsyncAPI document at `/v1/asyncapi.json`.",
      ].join("\n"),
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: merged(componentSchemas(answers, "output", "draft-2020-12"), requestSchemas(routes)),
      responses: Object.fromEntries(statuses.map((s) => [errorName(s), errorAnswer(s)])),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The access token of a session (`accessToken` of an AuthResponse)." },
        metricsToken: { type: "http", scheme: "bearer", description: "METRICS_TOKEN, when the server sets one." },
        consoleSession: {
          type: "apiKey",
          in: "cookie",
          name: "parley_console",
          description:
            "The console's HttpOnly session cookie (set by consoleSignIn). A change also needs the same Origin and the session's CSRF token in X-Parley-CSRF.",
        },
        serverKey: {
          type: "http",
          scheme: "basic",
          description:
            "A server key of the app (`npm run app:key -- create`): user name the key id, password its secret. For the host's backend only: a request with an Origin is refused.",
        },
      },
    },
  };
}
