import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { callerOf, pathParam, type Ctx } from "../request/context.js";
import { empty, type Route } from "../request/route.js";
import { ref } from "../shared/schema.js";
import { notFound } from "../shared/errors.js";
import type { PreviewFiles } from "./preview-files.js";
import type { PreviewsService } from "./previews.service.js";

export interface PreviewsRoutesDeps {
  previews: PreviewsService;
  files: PreviewFiles;
}

/**
 * A preview's image, public by its unguessable key (the sha256 of its bytes) so a reader's
 * `<img src>` loads it without a token and the linked site is never contacted by the browser;
 * and the sender's removal of their message's preview.
 */
export function previewsRoutes({ previews, files }: PreviewsRoutesDeps): Route[] {
  return [
    {
      method: "get",
      path: "/v1/previews/:key",
      operationId: "getPreviewImage",
      tag: "messages",
      summary: "A link preview's image, re-encoded by the server as WebP (public by unguessable key; immutable)",
      auth: "none",
      params: { key: ref },
      ok: { 200: { media: "image/webp", description: "The image" } },
      errors: [404],
      handle: async (ctx: Ctx) => {
        const file = files.fileOf(pathParam(ctx, "key"));
        if (!file || !(await stat(file).catch(() => null))?.isFile()) throw notFound("Preview image");
        ctx.type = "image/webp";
        ctx.set("Cache-Control", "public, max-age=31536000, immutable");
        ctx.set("X-Content-Type-Options", "nosniff");
        // Host pages of any origin show it in the widget.
        ctx.set("Cross-Origin-Resource-Policy", "cross-origin");
        ctx.body = createReadStream(file);
      },
    },
    {
      method: "delete",
      path: "/v1/messages/:id/preview",
      operationId: "removePreview",
      tag: "messages",
      summary: "Remove a message's link preview for good (its sender only; idempotent); members get message.updated",
      auth: "bearer",
      params: { id: ref },
      ok: { 204: empty("Removed (or there was none)") },
      errors: [403, 404],
      handle: async (ctx: Ctx) => {
        await previews.remove(callerOf(ctx), pathParam(ctx, "id"));
        ctx.status = 204;
      },
    },
  ];
}
