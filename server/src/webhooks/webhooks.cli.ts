import type { DataSource } from "typeorm";
import { WEBHOOK_EVENT_TYPES } from "@parley/sdk/protocol";
import type { WebhooksConfig } from "../config/outbound.js";
import { UnitOfWork } from "../db/unit-of-work.js";
import { EventLog } from "../events/event-log.js";
import { AppError } from "../shared/errors.js";
import { parse } from "../shared/validate.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { createWebhookBody, deliveriesQuery, replayBody, settingsBody } from "./webhooks.schema.js";
import { WebhooksService } from "./webhooks.service.js";

export const WEBHOOK_USAGE = `  app:webhook add        --id app_... --url https://... --event message.new [--event ...] [--json]
                         (events: ${WEBHOOK_EVENT_TYPES.join(", ")})
  app:webhook list       --id app_... [--json]
  app:webhook remove     --id app_... --endpoint whe_...
  app:webhook replay     --id app_... --endpoint whe_... --from-seq N   (queue again every subscribed event with seq >= N)
  app:webhook deliveries --id app_... --endpoint whe_... [--status failed|pending|delivered] [--json]
  app:webhook settings   --id app_... --unread-after 300   (seconds before notification.unread)
  (--app app_... works wherever --id app_... does, as in app:key)`;

export interface WebhookCliInput {
  db: DataSource;
  config: Readonly<WebhooksConfig>;
  apps: AppsService;
  action: string | undefined;
  appId: string;
  values: { url?: string; event?: string[]; endpoint?: string; "from-seq"?: string; status?: string; "unread-after"?: string; json?: boolean };
}

/**
 * `npm run app:webhook -- <action> ...`: the same operations as `/v1/server/webhooks`, through the
 * same service and schemas, for the operator (the caller is the app, as `server: "cli"`).
 */
export async function webhookCli({ db, config, apps, action, appId, values }: WebhookCliInput): Promise<number> {
  await apps.lookup(appId);
  const webhooks = new WebhooksService({ db, uow: new UnitOfWork(db, new EventLog(db)) }, config);
  const caller = { appId, server: "cli" };
  const out = (json: unknown, text: string): void => void (values.json ? process.stdout.write(JSON.stringify(json) + "\n") : console.log(text));
  const endpoint = (): string => {
    if (!values.endpoint) throw new AppError("validation_failed", "--endpoint is required (app:webhook list shows the ids)");
    return values.endpoint;
  };
  switch (action) {
    case "add": {
      const e = await webhooks.create(caller, parse(createWebhookBody, { url: values.url, events: values.event }));
      out(e, `Added endpoint ${e.id}\n  url:    ${e.url}\n  events: ${e.events.join(", ")}`);
      return 0;
    }
    case "list": {
      const list = await webhooks.list(caller);
      out(list, list.length ? list.map((e) => `${e.id}  ${e.url}  ${e.events.join(",")}`).join("\n") : "No webhook endpoints");
      return 0;
    }
    case "remove":
      await webhooks.remove(caller, endpoint());
      console.log(`Removed endpoint ${values.endpoint}`);
      return 0;
    case "replay": {
      const { fromSeq } = parse(replayBody, { fromSeq: Number(values["from-seq"]) });
      const queued = await webhooks.replay(caller, endpoint(), fromSeq);
      out({ queued }, `Queued ${queued} deliveries again (from seq ${fromSeq})`);
      return 0;
    }
    case "deliveries": {
      const q = parse(deliveriesQuery, { status: values.status, limit: 100 });
      const { items } = await webhooks.deliveries(caller, endpoint(), { status: q.status, limit: q.limit });
      out(
        items,
        items.length
          ? items.map((d) => `${d.id}  seq ${d.seq}  ${d.type}  ${d.status}  attempts ${d.attempts}${d.lastError ? `  ${d.lastError}` : ""}`).join("\n")
          : "No deliveries",
      );
      return 0;
    }
    case "settings": {
      const s = await webhooks.setSettings(caller, parse(settingsBody, { unreadAfterSec: Number(values["unread-after"]) }));
      out(s, `notification.unread after ${s.unreadAfterSec} s`);
      return 0;
    }
    default:
      throw new AppError("validation_failed", `app:webhook needs an action: add, list, remove, replay, deliveries or settings (got ${action ?? "none"})`);
  }
}
