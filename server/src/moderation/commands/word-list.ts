import type { FilterWord, WordFilter } from "@parley/sdk/protocol";
import type { Caller } from "../../shared/caller.js";
import type { ModerationDeps } from "../deps.js";
import { WordFilterEntity } from "../moderation.entities.js";
import { requireModerator } from "../policy.js";
import { storedWordFilter } from "../word-filter.js";
import { audit } from "./common.js";

/**
 * Replaces the app's word list, and sets whether names pass it (left out: as it was); this node
 * applies it at once, the others within the gate's cache time.
 */
export async function setWordFilter(
  deps: Pick<ModerationDeps, "uow" | "gate">,
  caller: Caller,
  input: { words: FilterWord[]; names?: boolean | undefined; reason?: string | undefined },
): Promise<WordFilter> {
  await requireModerator(deps, caller);
  const { appId } = caller;
  const words = input.words.map((w) => ({ word: w.word.normalize("NFC"), action: w.action }));
  const names = await deps.uow.run(async ({ m }) => {
    const names = input.names ?? (await deps.gate.wordFilterOf(appId, m)).names;
    const stored = storedWordFilter({ words, names });
    await m.delete(WordFilterEntity, { appId });
    if (stored !== null) await m.insert(WordFilterEntity, { appId, words: stored, updatedAt: Date.now() });
    await audit(m, caller, {
      action: "word_filter.set",
      reason: input.reason,
      details: { block: words.filter((w) => w.action === "block").length, mask: words.filter((w) => w.action === "mask").length, names },
    });
    return names;
  });
  deps.gate.invalidateFilter(appId);
  return { words, names };
}
