/**
 * The course site's side of src/lib/files.ts (chosen for it by live/plugins.ts, as vitest.config.ts
 * chooses src/lib/files.browser.ts for `--browser`): same exports, for a static site. The repository
 * files the live experiments read (the bundled IDX subset, the pretrained resnet-mini) are copied into
 * the built site under repo/ at build time (served from the repository by the dev server), listed in
 * __SITE_REPO_FILES__; reads are synchronous XHRs, as in files.browser.ts, so the same synchronous
 * loaders (loadBundledPair) run unchanged. A .gz file is stored as NAME.gz.bin so that no web server
 * decompresses it on the way (its checksum is of the gzip bytes). Writes stay in the page's memory
 * (src/lib/files-memory.ts, shared with files.browser.ts).
 */
import { bytesOfResponseText, madeDirs, written } from '../../../src/lib/files-memory.js';

export { gunzipBytes, makeTempDir, removeDir, renameFile, sha256Hex, writeFileBytes } from '../../../src/lib/files-memory.js';

declare const __SITE_REPO_FILES__: string[];

/** The repository root as the site sees it: a virtual folder. */
export const REPO_ROOT = '/repo';

const files = new Set(__SITE_REPO_FILES__.map((f) => `${REPO_ROOT}/${f}`));
const dirs = new Set<string>();
for (const f of files) for (let d = f.slice(0, f.lastIndexOf('/')); d.length > 0; d = d.slice(0, d.lastIndexOf('/'))) dirs.add(d);


interface XhrLike {
  open(method: string, url: string, async: boolean): void;
  overrideMimeType(mime: string): void;
  send(): void;
  status: number;
  responseText: string;
}
const Xhr = (globalThis as unknown as { XMLHttpRequest: new () => XhrLike }).XMLHttpRequest;

/** The URL of a repository file in the site (import.meta.env.BASE_URL: the site's base, "/" by default). */
export function siteUrl(p: string): string {
  const rel = p.slice(REPO_ROOT.length + 1);
  return `${(import.meta as ImportMeta & { env: { BASE_URL: string } }).env.BASE_URL}repo/${rel}${rel.endsWith('.gz') ? '.bin' : ''}`;
}

export function pathFromUrl(url: URL): string {
  return REPO_ROOT + decodeURIComponent(url.pathname);
}

export function fileExists(p: string): boolean {
  return written.has(p) || madeDirs.has(p) || files.has(p) || dirs.has(p);
}

export function isDirectory(p: string): boolean {
  return madeDirs.has(p) || dirs.has(p);
}

export function readFileBytes(p: string): Uint8Array {
  const mine = written.get(p);
  if (mine) return mine.slice();
  if (!files.has(p)) throw new Error(`ENOENT: ${p} is not one of the repository files the site carries (docs/.vitepress/live/plugins.ts)`);
  const xhr = new Xhr();
  xhr.open('GET', siteUrl(p), false);
  xhr.overrideMimeType('text/plain; charset=x-user-defined'); // bytes as chars 0..255
  xhr.send();
  if (xhr.status !== 200) throw new Error(`ENOENT: cannot read ${p} (the site answered ${xhr.status} for ${siteUrl(p)})`);
  return bytesOfResponseText(xhr.responseText);
}

export function readTextFile(p: string): string {
  return new TextDecoder().decode(readFileBytes(p));
}
