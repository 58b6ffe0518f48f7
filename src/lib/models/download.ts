/**
 * Downloads a file with an MD5 check, failing fast and clearly when there is no network.
 * Streams to `<dest>.part`, hashes on the fly, renames only when the checksum matches.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface DownloadOptions {
  /** Give up when no response headers came within this time. Default 15 s. */
  connectTimeoutMs?: number;
  /** Give up when no bytes came for this long during the transfer. Default 60 s. */
  stallTimeoutMs?: number;
  log?: (line: string) => void;
}

const NETWORK_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT'];

function describeFetchError(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return 'a timeout';
  const code = err.cause?.code;
  if (code && NETWORK_CODES.includes(code)) return `${code} (${err.cause?.message ?? 'network error'}) — is this machine offline?`;
  return err.cause?.message ?? err.message ?? String(e);
}

/** Downloads `url` to `dest` and checks its MD5; throws naming the URL, the expected and what came. */
export async function downloadVerified(url: string, dest: string, md5: string, opts: DownloadOptions = {}): Promise<void> {
  const { connectTimeoutMs = 15_000, stallTimeoutMs = 60_000, log = () => {} } = opts;
  await mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const ctrl = new AbortController();
  let timer = setTimeout(() => ctrl.abort(), connectTimeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { signal: ctrl.signal, redirect: 'follow' });
  } catch (e) {
    clearTimeout(timer);
    throw new Error(`download ${url}: expected an HTTP response within ${connectTimeoutMs / 1000} s, got ${describeFetchError(e)}`);
  }
  if (!res.ok || !res.body) {
    clearTimeout(timer);
    throw new Error(`download ${url}: expected HTTP 200, got ${res.status} ${res.statusText}`);
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const hash = createHash('md5');
  const out = createWriteStream(part);
  let got = 0;
  let shown = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      clearTimeout(timer);
      timer = setTimeout(() => ctrl.abort(), stallTimeoutMs);
      hash.update(chunk);
      got += chunk.byteLength;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      const pct = total ? Math.floor((100 * got) / total) : 0;
      if (pct >= shown + 10) {
        shown = pct - (pct % 10);
        log(`  ${shown}% (${(got / 2 ** 20).toFixed(1)} of ${(total / 2 ** 20).toFixed(1)} MiB)`);
      }
    }
  } catch (e) {
    out.destroy();
    await rm(part, { force: true });
    throw new Error(`download ${url}: expected ${total || 'all'} bytes, got ${got} then ${describeFetchError(e)}`);
  } finally {
    clearTimeout(timer);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const digest = hash.digest('hex');
  if (total && got !== total) {
    await rm(part, { force: true });
    throw new Error(`download ${url}: expected ${total} bytes (content-length), got ${got}`);
  }
  if (digest !== md5) {
    await rm(part, { force: true });
    throw new Error(`download ${url}: expected md5 ${md5}, got ${digest} (${got} bytes) — a damaged or different file; not kept`);
  }
  if (existsSync(dest)) await rm(dest);
  await rename(part, dest);
}
