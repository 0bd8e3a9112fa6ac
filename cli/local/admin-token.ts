import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newTokenSecret } from "#shared/usecases/tokens";

export const ADMIN_TOKEN_FILE = "admin-token";

/**
 * The local stack's bootstrap admin token: made once and kept in `<dataDir>/admin-token` (mode
 * 0600), so it survives restarts and the CLI finds it there without anyone copying it around.
 */
export function adminTokenOf(dataDir: string): string {
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = readAdminToken(dataDir);
  if (existing) {
    chmodSync(file, 0o600);
    return existing;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = newTokenSecret();
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  return token;
}

export function readAdminToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(join(dataDir, ADMIN_TOKEN_FILE), "utf8").trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}
