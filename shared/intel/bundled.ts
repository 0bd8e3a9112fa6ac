import { type KevCatalog, parseKevCatalog } from "#shared/domain/intel";
import snapshot from "./kev-snapshot.json" with { type: "json" };

/**
 * The dated KEV snapshot shipped in the package (regenerate with `aspm kev-snapshot`): the offline
 * default, so `aspm dev`, the demo and tests score known exploitation without the network. Only
 * the intel job imports this module, so the ~80 KB stays out of the other functions' bundles.
 */
export function bundledKev(): KevCatalog {
  return parseKevCatalog(snapshot);
}

/** The snapshot as shipped (parse it with parseKevCatalog), for the intel job's source. */
export function bundledKevSnapshot(): unknown {
  return snapshot;
}
