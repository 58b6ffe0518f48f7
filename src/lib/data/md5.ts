/** MD5 as hex, for checksums (not for security). Node: node:crypto; the browser side is md5.browser.ts. */
import { createHash } from 'node:crypto';

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}
