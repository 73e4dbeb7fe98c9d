import type { DomainDeps } from "../shared/domain.js";

/** TODO(helper): Contacts domain service — the only place that queries contacts tables. */
export class ContactsService {
  constructor(private readonly deps: DomainDeps) {}
}
