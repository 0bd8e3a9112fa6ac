import { z } from "zod";

/** App ids appear in S3 keys and table keys: lower-case, url-safe, bounded. */
export const APP_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const AppId = z
  .string()
  .regex(APP_ID_PATTERN, "app ids are lower-case letters, digits, '.', '_' or '-', 1-100 chars");

export const App = z.object({
  appId: AppId,
  name: z.string(),
  /** Owning team; unowned apps surface in digests. */
  team: z.string().optional(),
  criticality: z.enum(["critical", "high", "medium", "low"]).optional(),
  exposure: z.enum(["internet", "internal"]).optional(),
  data: z.enum(["none", "internal", "pii", "pci", "phi"]).optional(),
  environment: z.enum(["production", "staging", "development"]).optional(),
  controls: z.array(z.string()).default([]),
  /** Discovered from an upload and not yet classified by a person. */
  unclassified: z.boolean(),
  repos: z.array(z.string()).default([]),
  createdAt: z.string(),
  lastScanAt: z.string().optional(),
  /** The CODEOWNERS of the app's latest tracked scan that sent one: later scans without one use it. */
  codeownersKey: z.string().optional(),
  codeownersAt: z.string().optional(),
});
export type App = z.infer<typeof App>;
