import path from "node:path";
import Koa from "koa";
import { HttpMethodEnum, koaBody } from "koa-body";
import { LIMITS } from "@parley/sdk/protocol";
import { assetsRoutes } from "../assets/assets.routes.js";
import { authRoutes } from "../auth/auth.routes.js";
import { demoRoutes } from "../demo/demo.routes.js";
import type { Services } from "../services.js";
import { usersRoutes } from "../users/users.routes.js";
import { serverApiRoutes } from "../server-api/server-api.routes.js";
import { streamingRoutes } from "../server-api/streaming.routes.js";
import { contactsRoutes } from "../contacts/contacts.routes.js";
import { conversationsRoutes } from "../conversations/conversations.routes.js";
import { syncRoutes } from "../events/sync.routes.js";
import { messagesRoutes } from "../messages/messages.routes.js";
import { mountRoutes, type Guards, type Route } from "../request/route.js";
import { uploadsRoutes } from "../uploads/uploads.routes.js";
import { healthRoutes } from "../ops/health.js";
import { Metrics, metricsRoutes } from "../ops/metrics.js";
import { AppError, fromHttpError } from "../shared/errors.js";
import type { State } from "../request/context.js";
import {
  appFromHeader,
  clientAddress,
  cors,
  errorsAndLogging,
  marksWrites,
  replicaReads,
  actionQuotaGuard,
  requireAuth,
  requireJsonBody,
  requireServerKey,
} from "./middleware.js";
import { apiDescriptionRoutes } from "./openapi/index.js";
import { webhooksRoutes } from "../webhooks/webhooks.routes.js";
import { dataRightsRoutes } from "../data-rights/data-rights.routes.js";
import { searchRoutes } from "../search/search.routes.js";
import { threadsRoutes } from "../threads/threads.routes.js";
import { pinsRoutes } from "../pins/pins.routes.js";
import { pollsRoutes } from "../polls/polls.routes.js";
import { callsRoutes } from "../calls/calls.routes.js";
import { previewsRoutes } from "../previews/previews.routes.js";
import { serverDataRightsRoutes } from "../data-rights/server-data-rights.routes.js";
import { moderationRoutes } from "../moderation/moderation.routes.js";
import { serverModerationRoutes } from "../moderation/server-moderation.routes.js";
import { pushRoutes } from "../push/push.routes.js";
import { emailRoutes } from "../email/email.routes.js";
import { scheduledRoutes } from "../scheduled/scheduled.routes.js";
import { draftsRoutes } from "../drafts/drafts.routes.js";
import { consoleRoutes } from "../console/console.routes.js";
import { consoleModerationRoutes } from "../console/console-moderation.routes.js";
import { consoleAppsRoutes } from "../console/console-apps.routes.js";
import { consoleAccountsRoutes } from "../console/console-accounts.routes.js";
import { consoleMembersRoutes } from "../console/console-members.routes.js";
import { consoleUsersRoutes } from "../console/console-users.routes.js";
import { consoleUsageRoutes } from "../console/console-usage.routes.js";
import { consoleEmailRoutes } from "../console/console-email.routes.js";
import { agentsRoutes } from "../agents/agents.routes.js";
import { consoleAgentsRoutes } from "../console/console-agents.routes.js";
import { requireConsole } from "../console/console.guard.js";

export const API_PREFIX = "/v1";

export interface AppOptions {
  /** With a demo app: serve examples/ at /examples/ wired to it. */
  demoAppId?: string;
}

/** Builds the Koa application from its services. No globals: tests build their own. */
export function createApp(services: Services, opts: AppOptions = {}): Koa<State> {
  const { config, logger, apps, tokens } = services;
  const app = new Koa<State>({ proxy: config.trustProxy.mode !== "off" });
  // An app-banned user's access tokens stop working at once (moderation/gate.ts says why per request).
  const auth = requireAuth(apps, tokens, (appId, userId) => services.moderationGate.appBanOf(appId, userId));

  // Every route, declared once in its domain's routes file (request/route.ts): mounted below behind
  // the guard of its auth kind, and described by the OpenAPI document.
  const guards: Guards = {
    none: [],
    app: [appFromHeader(apps)],
    bearer: [auth],
    server: [requireServerKey(apps, services.serverKeys)],
    metrics: [],
    console: [requireConsole(services.console)],
  };
  const metrics = config.metrics.enabled ? new Metrics(services) : undefined;
  const declared: Route[] = [
    ...authRoutes({ auth: services.auth, limiters: services.limiters }),
    ...usersRoutes({
      users: services.users,
      storage: services.storage,
      avatarBase: `${API_PREFIX}/avatars`,
      isModerator: (appId, userId) => services.moderationGate.isModerator(appId, userId),
      aiFeatures: (appId) => services.aiTexts.features(appId),
    }),
    ...conversationsRoutes({ conversations: services.conversations }),
    ...messagesRoutes({ messages: services.messages }),
    ...threadsRoutes({ threads: services.threads }),
    ...pinsRoutes({ pins: services.pins }),
    ...pollsRoutes({ polls: services.polls }),
    ...callsRoutes({ calls: services.calls }),
    ...previewsRoutes({ previews: services.previews, files: services.previewFiles }),
    ...contactsRoutes({ contacts: services.contacts }),
    ...uploadsRoutes({ uploads: services.uploads, storage: services.storage }),
    ...syncRoutes({ events: services.events }),
    ...searchRoutes({ search: services.search }),
    ...dataRightsRoutes({ dataRights: services.dataRights, auth: services.auth }),
    ...moderationRoutes({ moderation: services.moderation }),
    ...pushRoutes({ push: services.push }),
    ...emailRoutes({ email: services.email, limiters: services.limiters }),
    ...scheduledRoutes({ scheduled: services.scheduled, reminders: services.reminders }),
    ...draftsRoutes({ drafts: services.drafts }),
    // The host's backend: /v1/server/…, with a server key.
    ...serverApiRoutes({ server: services.serverApi }),
    ...streamingRoutes({ streams: services.streams }),
    ...webhooksRoutes({ webhooks: services.webhooks }),
    ...agentsRoutes({ agents: services.agents, handoff: services.handoff, aiTexts: services.aiTexts }),
    ...serverDataRightsRoutes({ dataRights: services.dataRights }),
    ...serverModerationRoutes({ moderation: services.moderation, users: services.users }),
    // The console's API: /v1/console/…, with a session cookie.
    ...consoleRoutes({ console: services.console, limiters: services.limiters }),
    ...consoleModerationRoutes({ moderation: services.consoleModeration }),
    ...consoleAppsRoutes({ apps: services.consoleApps }),
    ...consoleMembersRoutes({ members: services.consoleMembers, console: services.console, limiters: services.limiters }),
    ...consoleUsersRoutes({ users: services.consoleUsers }),
    ...consoleAccountsRoutes({ accounts: services.consoleAccounts }),
    ...consoleUsageRoutes({ usage: services.consoleUsage }),
    ...consoleEmailRoutes({ access: services.consoleAccess, email: services.email }),
    ...consoleAgentsRoutes({ access: services.consoleAccess, agents: services.agents, handoff: services.handoff }),
    // Operators: /livez and /readyz always; /metrics only when configured (METRICS_TOKEN / METRICS_PUBLIC).
    ...healthRoutes(services),
    ...metricsRoutes(metrics, config.metrics.token),
  ];
  declared.push(...apiDescriptionRoutes(services.version, declared));
  const routes = mountRoutes(declared, guards, {
    reads: services.replicas && replicaReads(services.replicas),
    actions: actionQuotaGuard(services.actionQuota),
  });

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
  app.use(assetsRoutes({ widget: config.widgetDir, sdk: path.join(config.repoRoot, "sdk/dist"), console: config.consoleDir }).routes());
  // With read replicas: a caller's writes send their next reads to the primary until a replica has them.
  if (services.replicas) app.use(marksWrites(services.replicas));
  app.use(routes.routes());
  // Not thrown: the router then sets `Allow` (RFC 9110) on a 405 or 501, and errorsAndLogging
  // gives the bodiless answer the one error body.
  app.use(routes.allowedMethods());
  return app;
}
