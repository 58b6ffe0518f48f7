import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { md5, type FetchLike } from '../src/lib/data/download.js';
import {
  CLASS_NAMES,
  describeDataLocation,
  loadFashionMnist,
  locateFashionMnist,
  readFashionMnistSplit,
  SOURCE_CLASSES,
  TARGET_PAIR,
} from '../src/lib/data/fashion-mnist.js';
import { encodeIdx, parseIdx, readIdx, writeIdx } from '../src/lib/data/idx.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'data-idx-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes a tiny valid Fashion-MNIST-like folder: n images of 2×3 per split. */
function writeTinySet(dir: string, n = 4, labelsCount = n): void {
  for (const [img, lab] of [
    ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
    ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
  ] as const) {
    writeIdx(path.join(dir, img), [n, 2, 3], Uint8Array.from({ length: n * 6 }, (_, i) => i % 256));
    writeIdx(path.join(dir, lab), [labelsCount], Uint8Array.from({ length: labelsCount }, (_, i) => i % 10));
  }
}

describe('IDX reader', () => {
  it('round-trips gzip and raw files', () => {
    const data = Uint8Array.from({ length: 24 }, (_, i) => i * 3);
    writeIdx(path.join(tmp, 'a.gz'), [2, 3, 4], data);
    writeIdx(path.join(tmp, 'a.raw'), [2, 3, 4], data);
    for (const f of ['a.gz', 'a.raw']) {
      const got = readIdx(path.join(tmp, f));
      expect(got.dims).toEqual([2, 3, 4]);
      expect(Array.from(got.data)).toEqual(Array.from(data));
    }
  });

  it('rejects a corrupted magic number, naming the file and the bytes', () => {
    const bytes = encodeIdx([2], Uint8Array.of(1, 2));
    bytes[0] = 0x12;
    const f = path.join(tmp, 'bad-magic');
    writeFileSync(f, bytes);
    expect(() => readIdx(f)).toThrow(new RegExp(`${f}: bad magic number: expected 0x00 0x00 <type> <rank>, got 0x12 0x00 0x08 0x01`));
  });

  it('rejects a non-uint8 type', () => {
    const bytes = encodeIdx([2], Uint8Array.of(1, 2));
    bytes[2] = 0x0d;
    expect(() => parseIdx(bytes, 'x.idx')).toThrow(/x.idx: expected data type 0x08 \(uint8\), got 0x0d \(float32\)/);
  });

  it('rejects a truncated payload and a too-long one, with expected and actual bytes', () => {
    const bytes = encodeIdx([3, 2, 2], new Uint8Array(12));
    const f = path.join(tmp, 'short.gz');
    writeFileSync(f, zlib.gzipSync(bytes.subarray(0, bytes.length - 5)));
    expect(() => readIdx(f)).toThrow(new RegExp(`${f}: payload truncated: dims \\[3, 2, 2\\] need 12 bytes, got 7 bytes`));
    const long = new Uint8Array(bytes.length + 3);
    long.set(bytes);
    expect(() => parseIdx(long, 'long.idx')).toThrow(/long.idx: payload too long: dims \[3, 2, 2\] need 12 bytes, got 15 bytes/);
  });

  it('rejects a truncated header and a non-gzip .gz file', () => {
    expect(() => parseIdx(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), 'h.idx')).toThrow(/h.idx: truncated header: rank 3 needs 16/);
    const f = path.join(tmp, 'plain.gz');
    writeFileSync(f, encodeIdx([1], Uint8Array.of(7)));
    expect(() => readIdx(f)).toThrow(/plain.gz: expected gzip data .* gunzip failed/);
    expect(() => readIdx(path.join(tmp, 'nope.gz'))).toThrow(/nope.gz: cannot read it \(ENOENT\)/);
  });

  it('checks rank/dims of images and labels, and that their counts agree', () => {
    writeTinySet(tmp);
    expect(readFashionMnistSplit(tmp, 'train')).toMatchObject({ count: 4, rows: 2, cols: 3 });
    // wrong dims: labels written with rank 2
    writeIdx(path.join(tmp, 'train-labels-idx1-ubyte.gz'), [2, 2], new Uint8Array(4));
    expect(() => readFashionMnistSplit(tmp, 'train')).toThrow(/train-labels-idx1-ubyte.gz: expected labels with dims \[N\], got \[2, 2\]/);
    // count mismatch
    writeIdx(path.join(tmp, 'train-labels-idx1-ubyte.gz'), [5], new Uint8Array(5));
    expect(() => readFashionMnistSplit(tmp, 'train')).toThrow(/counts differ: .*train-images-idx3-ubyte.gz has 4 images, .*train-labels-idx1-ubyte.gz has 5 labels/);
    // images of the wrong rank
    writeIdx(path.join(tmp, 't10k-images-idx3-ubyte.gz'), [4, 6], new Uint8Array(24));
    expect(() => readFashionMnistSplit(tmp, 'test')).toThrow(/expected images with dims \[N, N, N\], got \[4, 6\]/);
    // a label out of range
    writeIdx(path.join(tmp, 't10k-images-idx3-ubyte.gz'), [1, 1, 1], new Uint8Array(1));
    writeIdx(path.join(tmp, 't10k-labels-idx1-ubyte.gz'), [1], Uint8Array.of(12));
    expect(() => readFashionMnistSplit(tmp, 'test')).toThrow(/expected labels 0..9, got 12 at index 0/);
  });
});

describe('Fashion-MNIST constants', () => {
  it('names 10 classes, the Dress/Coat pair and the 8 source classes', () => {
    expect(CLASS_NAMES).toHaveLength(10);
    expect(TARGET_PAIR.classes.map((c) => CLASS_NAMES[c])).toEqual(['Dress', 'Coat']);
    expect(SOURCE_CLASSES).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
  });
});

describe('locateFashionMnist', () => {
  let cache: string;
  let debian: string;
  let explicit: string;
  const noFetch: FetchLike = () => Promise.reject(new Error('fetch must not be called'));
  beforeEach(() => {
    cache = path.join(tmp, 'cache');
    debian = path.join(tmp, 'debian');
    explicit = path.join(tmp, 'explicit');
    for (const d of [cache, debian, explicit]) mkdirSync(d);
  });
  const opts = (extra: object = {}) => ({ cacheDir: cache, debianDir: debian, env: {}, fetch: noFetch, ...extra });

  it('looks in: explicit dir (argument, then FASHION_MNIST_DIR), cache, Debian folder', async () => {
    writeTinySet(explicit);
    writeTinySet(cache);
    writeTinySet(debian);
    expect(await locateFashionMnist(opts({ dir: explicit }))).toEqual({ dir: explicit, source: 'explicit' });
    expect(await locateFashionMnist(opts({ env: { FASHION_MNIST_DIR: explicit } }))).toEqual({ dir: explicit, source: 'explicit' });
    expect(await locateFashionMnist(opts({ dir: explicit, env: { FASHION_MNIST_DIR: '/nowhere' } }))).toMatchObject({ source: 'explicit', dir: explicit });
    expect(await locateFashionMnist(opts())).toEqual({ dir: cache, source: 'cache' });
    rmSync(path.join(cache, 'train-images-idx3-ubyte.gz')); // an incomplete cache is skipped
    expect(await locateFashionMnist(opts())).toEqual({ dir: debian, source: 'debian' });
    const loaded = await loadFashionMnist('test', opts());
    expect(loaded).toMatchObject({ count: 4, rows: 2, cols: 3 });
    expect(describeDataLocation(opts())).toMatch(/^Fashion-MNIST: full set in .*debian \(Debian package dataset-fashion-mnist\); bundled Dress\/Coat subset in data\/fashion-mnist-dress-coat$/);
  });

  it('uses FASHION_MNIST_DIR from process.env by default', async () => {
    writeTinySet(explicit);
    const saved = process.env.FASHION_MNIST_DIR;
    process.env.FASHION_MNIST_DIR = explicit;
    try {
      expect(await locateFashionMnist({ cacheDir: cache, debianDir: debian, fetch: noFetch })).toEqual({ dir: explicit, source: 'explicit' });
    } finally {
      if (saved === undefined) delete process.env.FASHION_MNIST_DIR;
      else process.env.FASHION_MNIST_DIR = saved;
    }
  });

  it('errors on a missing or incomplete explicit dir, naming it', async () => {
    const missing = path.join(tmp, 'missing');
    await expect(locateFashionMnist(opts({ dir: missing }))).rejects.toThrow(`dir argument: expected an existing folder, got "${missing}"`);
    await expect(locateFashionMnist(opts({ env: { FASHION_MNIST_DIR: missing } }))).rejects.toThrow(`FASHION_MNIST_DIR: expected an existing folder, got "${missing}"`);
    writeTinySet(debian);
    await expect(locateFashionMnist(opts({ dir: explicit }))).rejects.toThrow(/explicit": expected the four IDX files .*missing: train-images-idx3-ubyte, /);
    expect(describeDataLocation(opts({ dir: missing }))).toMatch(/full set: .*missing/);
  });

  it('refuses when nothing is found and downloading is off, saying what to do', async () => {
    await expect(locateFashionMnist(opts({ allowDownload: false }))).rejects.toThrow(
      /not found .*downloading is off.*apt-get install dataset-fashion-mnist.*FASHION_MNIST_DIR/,
    );
    expect(describeDataLocation(opts())).toMatch(/full set not found locally/);
  });

  it('reports a failed download (network blocked) with what to do', async () => {
    const urls: string[] = [];
    const offline: FetchLike = (url) => {
      urls.push(url);
      return Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }));
    };
    await expect(locateFashionMnist(opts({ fetch: offline }))).rejects.toThrow(
      /download http:\/\/fashion-mnist\.s3-website\.eu-central-1\.amazonaws\.com\/train-images-idx3-ubyte\.gz failed: fetch failed \(ENOTFOUND\).*apt-get install dataset-fashion-mnist.*FASHION_MNIST_DIR/,
    );
    expect(urls).toHaveLength(1);
    const http404: FetchLike = async () => ({ ok: false, status: 404, statusText: 'Not Found', arrayBuffer: async () => new ArrayBuffer(0) });
    await expect(locateFashionMnist(opts({ fetch: http404 }))).rejects.toThrow(/failed: HTTP 404 Not Found/);
  });

  it('rejects a download whose MD5 differs from the published one and keeps nothing', async () => {
    const junk: FetchLike = async () => ({ ok: true, status: 200, arrayBuffer: async () => new Uint8Array([1, 2, 3]).buffer });
    await expect(locateFashionMnist(opts({ fetch: junk }))).rejects.toThrow(
      /train-images-idx3-ubyte\.gz: MD5 checksum mismatch: expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d, got 5289df737df57326fcdd22597afb1fac \(3 bytes\); the file was not kept/,
    );
    expect(readdirSync(cache)).toEqual([]);
  });

  it('downloads into the cache when the checksums match (injected fetch and checksums)', async () => {
    const src = path.join(tmp, 'src');
    mkdirSync(src);
    writeTinySet(src);
    const files = Object.fromEntries(
      readdirSync(src).map((f) => [f, new Uint8Array(readFileSync(path.join(src, f)))]),
    ) as Record<string, Uint8Array>;
    const checksums = Object.fromEntries(Object.entries(files).map(([f, b]) => [f, md5(b)]));
    const served: string[] = [];
    const fake: FetchLike = async (url) => {
      const name = url.split('/').pop()!;
      served.push(name);
      const b = files[name]!;
      return { ok: true, status: 200, arrayBuffer: async () => b.slice().buffer };
    };
    const cacheDir = path.join(tmp, 'new-cache');
    const loc = await locateFashionMnist(opts({ cacheDir, fetch: fake, checksums, mirror: 'http://mirror.test/fm/' }));
    expect(loc).toEqual({ dir: cacheDir, source: 'download' });
    expect(served.sort()).toEqual(Object.keys(files).sort());
    expect(readdirSync(cacheDir).sort()).toEqual(Object.keys(files).sort());
    expect(await locateFashionMnist(opts({ cacheDir, fetch: noFetch }))).toEqual({ dir: cacheDir, source: 'cache' });
  });
});
