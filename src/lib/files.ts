/**
 * The one file loader for everything the katas' tests read from disk (bundled IDX data, pretrained
 * weights, fixtures) and the few files they write (a model saved and loaded again). This is its Node
 * side; src/lib/files.browser.ts is the browser side (vitest.config.ts picks it in browser mode),
 * which asks the Vite dev server that serves the repository. Same functions, same errors.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

/** The repository root (this file lives in src/lib/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The path of a module-relative URL, e.g. pathFromUrl(new URL('./fixture.json', import.meta.url)). */
export function pathFromUrl(url: URL): string {
  return fileURLToPath(url);
}

export function fileExists(p: string): boolean {
  return existsSync(p);
}

export function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A file's bytes; throws an Error whose message carries the system code (ENOENT, EISDIR, ...). */
export function readFileBytes(p: string): Uint8Array {
  return readFileSync(p);
}

export function readTextFile(p: string): string {
  return readFileSync(p, 'utf8');
}

/** Decompresses gzip bytes (throws on data that is not gzip). */
export function gunzipBytes(bytes: Uint8Array): Uint8Array {
  return zlib.gunzipSync(bytes);
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return createHash('sha256').update(bytes).digest('hex');
}

export function writeFileBytes(p: string, bytes: Uint8Array | string): void {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, bytes);
}

export function renameFile(from: string, to: string): void {
  renameSync(from, to);
}

/** A new empty folder under the system's temp dir. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(p: string): void {
  rmSync(p, { recursive: true, force: true });
}
