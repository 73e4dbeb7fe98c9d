import type { DataSource } from "typeorm";
import type { PushConfig } from "../config/outbound.js";
import { UnitOfWork } from "../db/unit-of-work.js";
import { EventLog } from "../events/event-log.js";
import { AppError } from "../shared/errors.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { PushService } from "./push.service.js";

export const PUSH_USAGE = `  app:push show      --id app_... [--json]   the VAPID public key, whether pushes carry text, devices subscribed
  app:push rotate    --id app_... [--json]   new VAPID keys; every device subscribes again (its subscription is dropped)
  app:push settings  --id app_... --text on|off   pushes carry the message's text (off: "New message from Ada" only)`;

export interface PushCliInput {
  db: DataSource;
  config: Readonly<PushConfig>;
  apps: AppsService;
  action: string | undefined;
  appId: string;
  values: { text?: string; json?: boolean };
}

/** `npm run app:push -- <action> --id app_...`: an app's web push keys and text opt-in, through the push service. */
export async function pushCli({ db, config, apps, action, appId, values }: PushCliInput): Promise<number> {
  await apps.lookup(appId);
  const push = new PushService({ db, uow: new UnitOfWork(db, new EventLog(db)) }, config);
  const out = (json: unknown, text: string): void => void (values.json ? process.stdout.write(JSON.stringify(json) + "\n") : console.log(text));
  switch (action) {
    case "show": {
      const s = await push.show(appId);
      out(
        s,
        `Web push of app ${appId}\n  public key:    ${s.publicKey}\n  message text:  ${s.includeText ? "on" : "off"}\n  subscriptions: ${s.subscriptions}${s.rotatedAt ? `\n  rotated:       ${s.rotatedAt}` : ""}`,
      );
      return 0;
    }
    case "rotate": {
      const r = await push.rotate(appId);
      out(
        r,
        `New VAPID keys for app ${appId}\n  public key: ${r.publicKey}\n  ${r.removed} subscription(s) dropped: each device subscribes again with the new key`,
      );
      return 0;
    }
    case "settings": {
      if (values.text !== "on" && values.text !== "off") throw new AppError("validation_failed", "--text on or --text off is required");
      await push.setIncludeText(appId, values.text === "on");
      out({ includeText: values.text === "on" }, `Pushes of app ${appId} ${values.text === "on" ? "carry the message's text" : "carry a title only"}`);
      return 0;
    }
    default:
      throw new AppError("validation_failed", `app:push needs an action: show, rotate or settings (got ${action ?? "none"})`);
  }
}
