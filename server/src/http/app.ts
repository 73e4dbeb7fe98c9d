import path from "node:path";
import Koa from "koa";
import Router from "@koa/router";
import { HttpMethodEnum, koaBody } from "koa-body";
import { LIMITS, type HealthResponse } from "@parley/sdk/protocol";
import { assetsRoutes } from "../assets/assets.routes.js";
import { databaseErrorCode } from "../db/db-errors.js";
import { authRoutes } from "../auth/auth.routes.js";
import { demoRoutes } from "../demo/demo.routes.js";
import type { Services } from "../services.js";
import { usersRoutes } from "../users/users.routes.js";
import { serverApiRoutes } from "../server-api/server-api.routes.js";
import { contactsRoutes } from "../contacts/contacts.routes.js";
import { conversationsRoutes } from "../conversations/conversations.routes.js";
import { syncRoutes } from "../events/sync.routes.js";
import { messagesRoutes } from "../messages/messages.routes.js";
import { uploadsRoutes } from "../uploads/uploads.routes.js";
import { healthRoutes } from "../ops/health.js";
import { Metrics } from "../ops/metrics.js";
import { AppError, fromHttpError } from "../shared/errors.js";
import type { State } from "./context.js";
import { clientAddress, cors, errorsAndLogging, requireAuth, requireJsonBody, requireServerKey } from "./middleware.js";
import { apiDescriptionRoutes } from "./openapi/index.js";
import { webhooksRoutes } from "../webhooks/webhooks.routes.js";
import { dataRightsRoutes } from "../data-rights/data-rights.routes.js";
import { searchRoutes } from "../search/search.routes.js";
import { threadsRoutes } from "../threads/threads.routes.js";
import { serverDataRightsRoutes } from "../data-rights/server-data-rights.routes.js";
import { moderationRoutes } from "../moderation/moderation.routes.js";
import { serverModerationRoutes } from "../moderation/server-moderation.routes.js";

export const API_PREFIX = "/v1";
/** Healthz waits at most this long for `SELECT 1`: a hung database is a down one. */
const HEALTH_DB_TIMEOUT_MS = 2000;

export interface AppOptions {
  /** With a demo app: serve examples/ at /examples/ wired to it. */
  demoAppId?: string;
}

/** Builds the Koa application from its services. No globals: tests build their own. */
export function createApp(services: Services, opts: AppOptions = {}): Koa<State> {
  const { config, logger, apps, tokens } = services;
  const app = new Koa<State>({ proxy: config.trustProxy.mode !== "off" });
  // An app-banned user's access tokens stop working at once (moderation/gate.ts says why per request).
  const auth = requireAuth(apps, tokens, (appId, userId) => services.moderationGate.isAppBanned(appId, userId));

  const api = new Router<State>({ prefix: API_PREFIX });
  api.get("/healthz", async (ctx) => {
    // Reads answering is not enough: a full disk (or a lost commit) fails every write while
    // SELECT 1 still works. The database is reported down from a failed write until one commits.
    const writes = services.tx.writesFailing;
    if (writes) logger.warn({ dbError: writes.code, failingForMs: Date.now() - writes.since }, "healthz: database writes are failing");
    const db = writes ? "down" : await databaseAnswers(services, HEALTH_DB_TIMEOUT_MS);
    // Redis down (several nodes) degrades but does not fail the node: it still serves REST and
    // its own sockets, so a load balancer should keep it; the field tells operators why.
    const redis = services.redis ? (services.redis.healthy ? ("ok" as const) : ("down" as const)) : undefined;
    ctx.status = db === "ok" ? 200 : 503;
    ctx.body = {
      status: db === "ok" && redis !== "down" ? "ok" : "degraded",
      db,
      ...(writes ? { dbWrites: "failing" as const } : {}),
      ...(redis ? { redis } : {}),
      version: services.version,
    } satisfies HealthResponse & { dbWrites?: "failing"; redis?: "ok" | "down" };
  });

  const routers = [
    authRoutes({ apps, auth: services.auth, limiters: services.limiters }),
    usersRoutes({
      users: services.users,
      storage: services.storage,
      requireAuth: auth,
      avatarBase: `${API_PREFIX}/avatars`,
      isModerator: (appId, userId) => services.moderationGate.isModerator(appId, userId),
    }),
    conversationsRoutes({ conversations: services.conversations, policy: services.groupPolicy, requireAuth: auth }),
    messagesRoutes({ messages: services.messages, requireAuth: auth }),
    contactsRoutes({ contacts: services.contacts, requireAuth: auth }),
    uploadsRoutes({ uploads: services.uploads, storage: services.storage, requireAuth: auth }),
    syncRoutes({ events: services.events, requireAuth: auth }),
    dataRightsRoutes({ dataRights: services.dataRights, auth: services.auth, requireAuth: auth }),
    moderationRoutes({ moderation: services.moderation, requireAuth: auth }),
    searchRoutes({ search: services.search, requireAuth: auth }),
    threadsRoutes({ threads: services.threads, requireAuth: auth }),
  ];
  for (const r of routers) api.use(r.routes(), r.allowedMethods({ throw: true }));

  // The host's backend: /v1/server/…, authenticated with a server key (http/middleware.ts).
  // Each router gets `requireServerKey` and mounts itself under `/server`.
  const serverKey = requireServerKey(apps, services.serverKeys);
  const serverRouters: Router<State>[] = [
    // (server API routers are listed here)
    serverApiRoutes({ server: services.serverApi, serverKey }),
    webhooksRoutes({ webhooks: services.webhooks, requireServerKey: serverKey }),
    serverDataRightsRoutes({ dataRights: services.dataRights, serverKey }),
    serverModerationRoutes({ moderation: services.moderation, users: services.users, serverKey }),
  ];
  for (const r of serverRouters) api.use(r.routes(), r.allowedMethods({ throw: true }));

  // Operators: /livez and /readyz always; /metrics only when configured (METRICS_TOKEN / METRICS_PUBLIC).
  const metrics = config.metrics.enabled ? new Metrics(services) : undefined;
  if (metrics) app.use(metrics.middleware());
  app.use(errorsAndLogging(logger));
  app.use(clientAddress(config.trustProxy));
  app.use(cors(apps));
  app.use(requireJsonBody);
  // Multipart is parsed only by the upload routes themselves, so it is off here.
  app.use(
    koaBody({
      json: true,
      multipart: false,
      urlencoded: false,
      text: false,
      jsonLimit: LIMITS.jsonBodyMaxBytes,
      // DELETE too: `DELETE /v1/me { password }` confirms with a body.
      parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
      // Bodies that fail to inflate (bad gzip/deflate/br) carry no HTTP status of their own.
      onError: (err) => {
        throw fromHttpError(err) ?? new AppError("invalid_json", "Malformed request body");
      },
    }),
  );
  if (opts.demoAppId) app.use(demoRoutes(path.join(config.repoRoot, "examples"), opts.demoAppId).routes());
  app.use(assetsRoutes({ widget: config.widgetDir, sdk: path.join(config.repoRoot, "sdk/dist") }).routes());
  app.use(healthRoutes(services).routes());
  if (metrics) app.use(metrics.routes(config.metrics.token).routes());
  app.use(apiDescriptionRoutes({ prefix: API_PREFIX, version: services.version }).routes());
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: true }));
  return app;
}

/** "ok" when `SELECT 1` answers within `ms`; "down" when it fails or takes longer. */
async function databaseAnswers(services: Services, ms: number): Promise<"ok" | "down"> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"down">((resolve) => (timer = setTimeout(() => resolve("down"), ms)));
  const query = services.db.query("SELECT 1").then(
    () => "ok" as const,
    (err: unknown) => (services.logger.warn({ dbError: databaseErrorCode(err) }, "healthz: database check failed"), "down" as const),
  );
  try {
    return await Promise.race([query, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
