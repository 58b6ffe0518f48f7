/**
 * MD5 as hex in the browser (`npm run kata N -- --browser`, the course site): Web Crypto has no MD5, so the
 * audited pure-JS one of @noble/hashes. Same results as md5.ts (node:crypto); about 10 ms for the bundled files.
 */
import { md5 as nobleMd5 } from '@noble/hashes/legacy';
import { bytesToHex } from '@noble/hashes/utils';

export function md5(bytes: Uint8Array): string {
  return bytesToHex(nobleMd5(bytes));
}
