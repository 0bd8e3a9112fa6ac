import type { SecretRef } from "#shared/domain/finding";
import { redactSecret } from "#shared/domain/secret";

/**
 * The secret ref for a tool that reports a leaked secret only as the source line that holds it
 * (Horusec, Checkmarx One): the secret cannot be cut out, so the salted hash is of the whole line
 * (a re-scan reproduces it) and the preview shows nothing of it. The line itself is never kept.
 */
export function lineSecretRef(
  line: string | undefined,
  salt: string,
  verified?: boolean,
): SecretRef | undefined {
  const trimmed = line?.trim();
  if (!trimmed) return undefined;
  return { ...redactSecret(trimmed, salt, verified), preview: "REDACTED" };
}
