import type { DomainDeps } from "../shared/domain.js";

/** TODO(helper): Conversations domain service — the only place that queries conversations tables. */
export class ConversationsService {
  constructor(private readonly deps: DomainDeps) {}
}
