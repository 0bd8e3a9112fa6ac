import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * Time-sortable ids (ULID layout: 10 chars of milliseconds, 16 of randomness, Crockford base32),
 * so scans list in upload order without a separate sort key.
 */
export function newSortableId(now: number = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = (CROCKFORD[t % 32] ?? "0") + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = "";
  for (const b of bytes) random += CROCKFORD[b % 32];
  return time + random;
}
