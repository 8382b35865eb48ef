// A stable, file-name-safe fingerprint of a short text: FNV-1a 64 over its UTF-8 bytes. It names
// cache files and keeps access key ids out of cache keys; it is not a cryptographic hash and guards
// no secret (those are never hashed into names). Pure JavaScript on purpose: loading node:crypto
// and hashing costs ~4 ms, more than the rest of a warm `token` run's own work.

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** 16 lowercase hex digits. */
export function fingerprint(text: string): string {
  let hash = OFFSET;
  for (const byte of Buffer.from(text, "utf8")) hash = ((hash ^ BigInt(byte)) * PRIME) & MASK;
  return hash.toString(16).padStart(16, "0");
}
