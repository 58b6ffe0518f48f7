/**
 * The browser side of src/lib/files.ts (chosen by vitest.config.ts in browser mode). Reads go to the
 * Vite dev server that serves the repository: GET /__kata_files/stat|read?path=<absolute path>
 * (vitest.config.ts, kataFilesEndpoint: files inside the repository only, raw bytes, never a
 * Content-Encoding). The requests are synchronous (XMLHttpRequest in the test page), as the Node reads
 * are, so the same synchronous loaders (loadBundledPair) run unchanged. gzip: fflate.
 *
 * Writes (a model saved, then loaded again) stay in this page's memory: a browser has no disk for the
 * tests to write to; the bytes take the same path through io.ts as on Node (./files-memory.ts, shared with the site).
 */
import { bytesOfResponseText, madeDirs, written } from './files-memory.js';

export { gunzipBytes, makeTempDir, removeDir, renameFile, sha256Hex, writeFileBytes } from './files-memory.js';

declare const __KATA_REPO_ROOT__: string;

/** The repository root on the machine that serves it (vitest.config.ts defines it). */
export const REPO_ROOT: string = __KATA_REPO_ROOT__;

interface XhrLike {
  open(method: string, url: string, async: boolean): void;
  overrideMimeType(mime: string): void;
  send(): void;
  status: number;
  responseText: string;
}
const Xhr = (globalThis as unknown as { XMLHttpRequest: new () => XhrLike }).XMLHttpRequest;

function request(kind: 'stat' | 'read', p: string): { status: number; text: string } {
  const xhr = new Xhr();
  xhr.open('GET', `/__kata_files/${kind}?path=${encodeURIComponent(p)}`, false);
  if (kind === 'read') xhr.overrideMimeType('text/plain; charset=x-user-defined'); // bytes as chars 0..255
  xhr.send();
  return { status: xhr.status, text: xhr.responseText };
}

function stat(p: string): { exists: boolean; directory: boolean } {
  if (written.has(p)) return { exists: true, directory: false };
  if (madeDirs.has(p)) return { exists: true, directory: true };
  const r = request('stat', p);
  if (r.status !== 200) throw new Error(`${p}: the dev server answered ${r.status} (${r.text.slice(0, 120)})`);
  return JSON.parse(r.text) as { exists: boolean; directory: boolean };
}

/**
 * The repository path of a module-relative URL: the dev server serves the repository at its root
 * (http://host/katas/…) and other allowed files under /@fs/<absolute path>.
 */
export function pathFromUrl(url: URL): string {
  const p = decodeURIComponent(url.pathname);
  return p.startsWith('/@fs/') ? p.slice('/@fs'.length) : REPO_ROOT + p;
}

export function fileExists(p: string): boolean {
  return stat(p).exists;
}

export function isDirectory(p: string): boolean {
  return stat(p).directory;
}

export function readFileBytes(p: string): Uint8Array {
  const mine = written.get(p);
  if (mine) return mine.slice();
  const r = request('read', p);
  if (r.status !== 200) throw new Error(`${r.text.split(':')[0] || 'ENOENT'}: cannot read ${p} (dev server: ${r.status})`);
  return bytesOfResponseText(r.text);
}

export function readTextFile(p: string): string {
  return new TextDecoder().decode(readFileBytes(p));
}
