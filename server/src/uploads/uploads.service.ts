import type { DomainDeps } from "../shared/domain.js";

/** TODO(helper): Uploads domain service — the only place that queries uploads tables. */
export class UploadsService {
  constructor(private readonly deps: DomainDeps) {}
}
