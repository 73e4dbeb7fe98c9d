import type { ConsoleApp, ConsoleAppSettings, ConsoleRotateSecretResponse } from "@parley/sdk/protocol";
import type { DataSource } from "typeorm";
import type { ModerationService } from "../moderation/moderation.service.js";
import { invalidField } from "../shared/validate.js";
import { iso, isoOrNull } from "../shared/time.js";
import { deleteAppWithData } from "../tenancy/app-deletion.js";
import type { AppEntity } from "../tenancy/app.entity.js";
import type { AppsService } from "../tenancy/apps.service.js";
import type { DiskStorage } from "../uploads/storage.js";
import type { ConsoleAccess } from "./access.js";
import { roleOn, type ConsoleCaller } from "./caller.js";
import type { UpdateSettingsInput } from "./console-apps.schema.js";

export interface ConsoleAppsDeps {
  access: ConsoleAccess;
  /** The apps table's owner: the same methods the CLI's `app:*` commands call. */
  apps: AppsService;
  /** For deleteAppWithData (tenancy/app-deletion.ts), as `app:delete` runs it. */
  db: DataSource;
  storage: DiskStorage;
  /** The word filter's `names` switch: the moderation default among the settings. */
  moderation: Pick<ModerationService, "wordFilter" | "setWordFilter">;
  /** The server's GROUP_DIRECT_ADD and GROUP_MAX_MEMBERS: what an app's unset group settings mean. */
  groupDefaults: { directAdd: boolean; maxMembers: number };
  /** The server's VOICE_MAX_SECONDS: what an app's unset voice maximum means. */
  voiceMaxSeconds: number;
  /** The server's PRESENCE_GROUP_MAX: what an app's unset presence group size means. */
  presenceGroupMax: number;
}

/**
 * An app's settings, lifecycle and secret in the console: what `app:update`, `app:disable`,
 * `app:enable`, `app:rotate-secret` and `app:delete` do, through the same services, under the
 * console's roles, each change a console audit row.
 *
 * - read (viewers, admins, owners, operators): the settings;
 * - configure (admins, owners, operators): change them, disable and enable, rotate the secret;
 * - delete: owners and operators only (`manage_members`, the owner's own capability): deleting
 *   an app is the one act that cannot be undone, so it stays with whoever answers for the app.
 *   The typed confirmation is the app's name.
 */
export class ConsoleApps {
  constructor(private readonly deps: ConsoleAppsDeps) {}

  async settings(c: ConsoleCaller, appId: string): Promise<ConsoleAppSettings> {
    const app = await this.deps.access.appFor(c, appId, "read");
    return this.present(c, app);
  }

  /**
   * Changes what the input names. The app's own columns in one update (AppsService.update, which
   * judges each origin at its field); the names switch through the moderation service, with the
   * app's word list as it is. Nothing named, nothing changed (and no audit row).
   */
  async update(c: ConsoleCaller, appId: string, input: UpdateSettingsInput): Promise<ConsoleAppSettings> {
    let app = await this.deps.access.appFor(c, appId, "configure");
    const { filterNames, ...own } = input;
    const changed = Object.keys(input).filter((k) => input[k as keyof UpdateSettingsInput] !== undefined);
    if (Object.values(own).some((v) => v !== undefined)) app = await this.deps.apps.update(app.id, own);
    if (filterNames !== undefined) {
      const mod = this.deps.access.actingAs(c, app);
      const filter = await this.deps.moderation.wordFilter(mod);
      if (filter.names !== filterNames) await this.deps.moderation.setWordFilter(mod, { words: filter.words, names: filterNames, reason: "console settings" });
    }
    if (changed.length > 0) await this.deps.access.record(c, "app.updated", app.id, changed.join(",").slice(0, 128));
    return this.present(c, app);
  }

  /** Disables (every request and socket of the app refused, data kept) or enables it again. */
  async setDisabled(c: ConsoleCaller, appId: string, disabled: boolean): Promise<ConsoleApp> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const saved = await this.deps.apps.setDisabled(app.id, disabled);
    await this.deps.access.record(c, disabled ? "app.disabled" : "app.enabled", app.id, null);
    return presentApp(c, saved);
  }

  /** A new secret, shown this once; the old one verifies host tokens for `graceSec` more. */
  async rotateSecret(c: ConsoleCaller, appId: string, graceSec: number): Promise<ConsoleRotateSecretResponse> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const saved = await this.deps.apps.rotateSecret(app.id, graceSec * 1000);
    await this.deps.access.record(c, "app.secret_rotated", app.id, `grace ${graceSec}s`);
    return { app: presentApp(c, saved), secret: saved.secret, previousSecretValidUntil: isoOrNull(saved.previousSecretUntil) };
  }

  /**
   * Deletes the app with all its rows and files, as `app:delete` does (disabled first, then each
   * table emptied; run again, it finishes an interrupted deletion). The audit row is written after
   * it, naming the app: deleteAppWithData empties every table with an app id, console_audit too.
   */
  async remove(c: ConsoleCaller, appId: string, confirm: string): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "manage_members");
    if (confirm.trim() !== app.name.trim()) throw invalidField("confirm", `Type the app's name, ${app.name}, to delete it`, "confirm_mismatch");
    await deleteAppWithData(this.deps.db, this.deps.apps, this.deps.storage, app.id);
    await this.deps.access.record(c, "app.deleted", app.id, app.name.slice(0, 128));
  }

  private async present(c: ConsoleCaller, app: AppEntity): Promise<ConsoleAppSettings> {
    const filter = await this.deps.moderation.wordFilter(this.deps.access.actingAs(c, app));
    const graceLeft = app.previousSecret !== null && app.previousSecretUntil !== null && app.previousSecretUntil > Date.now();
    return {
      app: presentApp(c, app),
      groupDirectAdd: app.groupDirectAdd === null ? null : Boolean(app.groupDirectAdd),
      groupMaxMembers: app.groupMaxMembers === null ? null : Number(app.groupMaxMembers),
      presenceGroupMax: app.presenceGroupMax === null || app.presenceGroupMax === undefined ? null : Number(app.presenceGroupMax),
      exactEmailSearch: Boolean(app.exactEmailSearch),
      voiceMaxSeconds: app.voiceMaxSeconds === null ? null : Number(app.voiceMaxSeconds),
      filterNames: filter.names,
      filterWords: filter.words.length,
      linkPreviews: app.linkPreviews === undefined ? true : Boolean(app.linkPreviews),
      previewAllow: app.previewAllow ?? [],
      previewDeny: app.previewDeny ?? [],
      defaults: {
        groupDirectAdd: this.deps.groupDefaults.directAdd,
        groupMaxMembers: this.deps.groupDefaults.maxMembers,
        voiceMaxSeconds: this.deps.voiceMaxSeconds,
        presenceGroupMax: this.deps.presenceGroupMax,
      },
      previousSecretValidUntil: graceLeft ? iso(app.previousSecretUntil!) : null,
    };
  }
}

/** An app as the console lists it, with the caller's role on it (as ConsoleService shows it). */
export function presentApp(c: ConsoleCaller, a: AppEntity): ConsoleApp {
  return { id: a.id, name: a.name, allowedOrigins: a.allowedOrigins, disabled: a.disabledAt != null, createdAt: iso(a.createdAt), role: roleOn(c, a.id)! };
}
