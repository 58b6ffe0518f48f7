/**
 * Downloading the full Fashion-MNIST from the official mirror into the project cache, verifying the
 * MD5 checksums published in the Fashion-MNIST README. `fetch` is injectable so tests need no network.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { md5 } from './md5.js';

export const FASHION_MNIST_MIRROR = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/** The four gzip files and their published MD5 checksums (of the .gz files). */
export const FASHION_MNIST_MD5: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};

/** The part of the fetch API used here. */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; statusText?: string; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface DownloadOptions {
  fetch?: FetchLike;
  mirror?: string;
  /** File name → expected MD5; defaults to the published ones. */
  checksums?: Readonly<Record<string, string>>;
  /** Per-file timeout; default 120 s. */
  timeoutMs?: number;
  log?: (message: string) => void;
}

export { md5 };

/**
 * Downloads every file not already in `dir` with the right checksum. Files are written as
 * `<name>.part` and renamed only once their MD5 matches; a mismatching download is not kept.
 */
export async function downloadFashionMnist(dir: string, opts: DownloadOptions = {}): Promise<void> {
  const doFetch: FetchLike = opts.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const mirror = opts.mirror ?? FASHION_MNIST_MIRROR;
  const checksums = opts.checksums ?? FASHION_MNIST_MD5;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  mkdirSync(dir, { recursive: true });
  for (const [name, expected] of Object.entries(checksums)) {
    const target = path.join(dir, name);
    if (existsSync(target) && md5(readFileSync(target)) === expected) continue;
    const url = new URL(name, mirror).href;
    opts.log?.(`downloading ${url}`);
    let bytes: Uint8Array;
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const cause = err.cause?.code ?? err.cause?.message;
      throw new Error(`download ${url} failed: ${err.message}${cause ? ` (${cause})` : ''}`);
    }
    const got = md5(bytes);
    if (got !== expected) {
      throw new Error(
        `download ${url}: MD5 checksum mismatch: expected ${expected}, got ${got} (${bytes.length} bytes); the file was not kept`,
      );
    }
    const part = target + '.part';
    writeFileSync(part, bytes);
    try {
      renameSync(part, target);
    } catch (e) {
      rmSync(part, { force: true });
      throw e;
    }
  }
}
