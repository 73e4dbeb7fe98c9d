import type { Draft, Page } from "@parley/sdk/protocol";
import { callerOf, parseCommand, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { deleteDraft, listDrafts, saveDraft } from "./drafts.schema.js";
import type { DraftsService } from "./drafts.service.js";

export interface DraftsRoutesDeps {
  drafts: DraftsService;
}

/**
 * Drafts that follow the user (issue 55): the signed-in user's own, one per conversation they are a
 * member of (a non-member, or another app's user, gets the 404 of a missing conversation). Each
 * write takes a point of the actions quota, per user and per app (request/route.ts); the SDK
 * debounces saves. A change reaches the user's sockets as `draft.updated`, nothing else.
 */
export function draftsRoutes({ drafts }: DraftsRoutesDeps): Route[] {
  // Paths written out in full: routes-table.test.ts reads them from this file.
  return [
    {
      method: "put",
      path: "/v1/conversations/:id/draft",
      operationId: "saveDraft",
      tag: "messages",
      summary:
        "Save the caller's draft of a conversation (its unsent text and reply target), in place of the one before; `draft.updated` (with `origin`) goes to every device of the caller. A blank `text` with no `replyTo` deletes the draft: 204",
      auth: "bearer",
      params: { id: saveDraft.shape.conversationId },
      body: { name: "SaveDraftRequest", schema: saveDraft },
      fromPath: ["conversationId"],
      ok: { 200: json("Draft", "Saved"), 204: empty("Blank: deleted") },
      errors: [404],
      handle: async (ctx) => {
        const draft = await drafts.save(callerOf(ctx), parseCommand(saveDraft, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation"));
        if (draft) ctx.body = draft satisfies Draft;
        else ctx.status = 204;
      },
    },
    {
      method: "delete",
      path: "/v1/conversations/:id/draft",
      operationId: "deleteDraft",
      tag: "messages",
      summary: "Delete the caller's draft of a conversation (none there: 204 too); `draft.updated` with `draft: null` goes to every device of the caller",
      auth: "bearer",
      params: { id: deleteDraft.shape.conversationId },
      query: deleteDraft.omit({ conversationId: true }),
      ok: { 204: empty("Deleted, or there was none") },
      errors: [404],
      handle: async (ctx) => {
        await drafts.delete(callerOf(ctx), parseCommand(deleteDraft, ctx.query, { conversationId: pathParam(ctx, "id") }, "Conversation"));
        ctx.status = 204;
      },
    },
    {
      method: "get",
      path: "/v1/drafts",
      operationId: "listDrafts",
      tag: "messages",
      summary: "The caller's drafts, newest first: only of conversations they are a member of",
      auth: "bearer",
      query: listDrafts,
      ok: { 200: json("PageOfDraft", "A page") },
      handle: async (ctx) => {
        ctx.body = (await drafts.list(callerOf(ctx), parseCommand(listDrafts, ctx.query, {}, "Draft"))) satisfies Page<Draft>;
      },
    },
  ];
}
