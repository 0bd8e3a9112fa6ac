import { resolve } from "node:path";
import { assemblyTemplates, BUNDLE_BUDGET_BYTES, bundleSizes } from "./bundle-sizes.ts";

/**
 * Checks the Lambda bundles of an existing cloud assembly against the 1 MB budget, without
 * synthesizing again: `npx cdk synth --quiet && npx tsx infra/check-bundles.ts [cdk.out]`.
 * Exits 1 when a bundle is over budget or there is no bundle at all.
 */
const dir = resolve(process.argv[2] ?? "cdk.out");
let over = 0;
let count = 0;
for (const [stack, template] of Object.entries(assemblyTemplates(dir))) {
  for (const b of bundleSizes(dir, template)) {
    count++;
    const ok = b.bytes <= BUNDLE_BUDGET_BYTES;
    if (!ok) over++;
    const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`.padStart(10);
    console.log(`${ok ? "ok  " : "OVER"} ${kb(b.bytes)} (map ${kb(b.mapBytes)})  ${stack}: ${b.path}`);
  }
}
if (count === 0) {
  console.error(`no Lambda bundles found in ${dir}: run \`npx cdk synth\` first`);
  process.exit(1);
}
console.log(
  `bundles: ${count - over} within budget, ${over} over (budget ${BUNDLE_BUDGET_BYTES} bytes each)`,
);
process.exit(over ? 1 : 0);
