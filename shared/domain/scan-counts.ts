import { z } from "zod";

/** What one processed scan did to the findings of its scope. */
export const ScanCounts = z.object({
  observations: z.number().int().nonnegative(),
  unique: z.number().int().nonnegative(),
  new: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  resolved: z.number().int().nonnegative(),
  reopened: z.number().int().nonnegative(),
  /** Findings the scope held before this scan (tracked scans that applied): what `resolved` is out of. */
  scopeBefore: z.number().int().nonnegative().optional(),
});
export type ScanCounts = z.infer<typeof ScanCounts>;

export function emptyCounts(): ScanCounts {
  return { observations: 0, unique: 0, new: 0, unchanged: 0, updated: 0, resolved: 0, reopened: 0 };
}
