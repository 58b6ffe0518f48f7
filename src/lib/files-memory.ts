/**
 * What the two browser sides of src/lib/files.ts share (./files.browser.ts for `--browser`, and the course
 * site's docs/.vitepress/live/files.site.ts): a browser has no disk, so writes (a model saved, then loaded again)
 * stay in the page's memory; gzip, SHA-256, and the bytes of a synchronous XHR read as "x-user-defined" text.
 * Each side keeps its own reads of repository files (a dev-server endpoint, or files copied into the site).
 */
import { gunzipSync } from 'fflate';

/** Files and folders written in this page: they shadow the repository's. */
export const written = new Map<string, Uint8Array>();
export const madeDirs = new Set<string>();

/** The bytes of a response read with overrideMimeType('text/plain; charset=x-user-defined'): chars 0..255. */
export function bytesOfResponseText(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < out.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function gunzipBytes(bytes: Uint8Array): Uint8Array {
  return gunzipSync(bytes);
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice().buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function writeFileBytes(p: string, bytes: Uint8Array | string): void {
  written.set(p, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes.slice());
  madeDirs.add(p.slice(0, p.lastIndexOf('/')));
}

export function renameFile(from: string, to: string): void {
  const b = written.get(from);
  if (!b) throw new Error(`ENOENT: rename ${from} → ${to}: no such file`);
  written.delete(from);
  written.set(to, b);
}

let temp = 0;
export function makeTempDir(prefix: string): string {
  const dir = `/browser-memory/${prefix}${++temp}`;
  madeDirs.add(dir);
  return dir;
}

export function removeDir(p: string): void {
  for (const k of [...written.keys()]) if (k === p || k.startsWith(p + '/')) written.delete(k);
  for (const d of [...madeDirs]) if (d === p || d.startsWith(p + '/')) madeDirs.delete(d);
}
