import type { DomainDeps } from "../shared/domain.js";

/** TODO(helper): Messages domain service — the only place that queries messages tables. */
export class MessagesService {
  constructor(private readonly deps: DomainDeps) {}
}
