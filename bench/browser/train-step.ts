/**
 * The training step in Chromium (headless, or headed on the course's virtual display) on WebGL and WebGPU: images/s of the bench's raw workload
 * (./train-page.ts) on each backend, next to the same step in Node.
 *
 * The page is bundled once with Vite (src/lib/tf.ts swapped for ./tf-page.ts), served with the bundled pool
 * from node:http on 127.0.0.1 (a secure context: WebGPU needs one) and opened in a fresh browser per backend
 * (in Chromium 156 a WebGL2 context cannot be created once WebGPU ran on SwiftShader in the same browser).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, type Plugin } from 'vite';
import { launchOptions, type FoundBrowser } from '../../src/course/browser-probe.js';
import type { BrowserMode } from '../../src/course/display.js';
import type { PageResult } from './train-page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const nodeTf = path.join(repoRoot, 'src/lib/tf.ts');

export type PageBackend = 'webgl' | 'webgpu';

export interface BrowserStepResult {
  backend: PageBackend;
  /** The page's numbers, or why there are none. */
  result?: PageResult;
  error?: string;
  /** Wall seconds of the whole page (load, backend start, data, warm-up, timed steps). */
  pageSeconds: number;
}

/** Resolves every import of src/lib/tf.ts (Node's backend module) to ./tf-page.ts. */
function swapTf(): Plugin {
  return {
    name: 'bench-swap-tf',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      const r = await this.resolve(source, importer, { ...options, skipSelf: true });
      return r && r.id === nodeTf ? path.join(here, 'tf-page.ts') : null;
    },
  };
}

/** The page's JavaScript, bundled in memory: file name → code. */
export async function bundlePage(): Promise<Map<string, string>> {
  const out = await build({
    configFile: false,
    root: repoRoot,
    logLevel: 'error',
    publicDir: false,
    plugins: [swapTf()],
    build: {
      write: false,
      target: 'es2022',
      minify: false,
      modulePreload: false,
      reportCompressedSize: false,
      rollupOptions: { input: path.join(here, 'train-page.ts'), output: { entryFileNames: 'bench.js', format: 'es' } },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : []));
  const files = new Map<string, string>();
  for (const o of outputs) if (o.type === 'chunk') files.set(o.fileName, o.code);
  if (!files.has('bench.js')) throw new Error(`bench page bundle: no bench.js among ${[...files.keys()].join(', ') || 'no chunks'}`);
  return files;
}

/** Serves the page, its chunks and /pool.bin on 127.0.0.1 (a random free port). */
export async function servePage(files: Map<string, string>, pool: Buffer): Promise<{ origin: string; close: () => Promise<void> }> {
  const html = '<!doctype html><meta charset="utf-8"><title>bench: training step</title><script type="module" src="/bench.js"></script>';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const name = url.pathname.slice(1);
    if (url.pathname === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else if (name === 'pool.bin') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(pool);
    else if (files.has(name)) res.writeHead(200, { 'content-type': 'text/javascript' }).end(files.get(name));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The pool as the page reads it: float32 images [N, 28, 28, 1], then int32 labels [N]. */
export function poolBuffer(images: Float32Array, labels: Int32Array): Buffer {
  return Buffer.concat([
    Buffer.from(images.buffer, images.byteOffset, images.byteLength),
    Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength),
  ]);
}

export interface BrowserStepOptions {
  backends: PageBackend[];
  steps: number;
  warmup: number;
  batchSize: number;
  /** Per backend: the page must report within this time. */
  timeoutMs: number;
  log?: (line: string) => void;
  /** Each step's line from the page, as it happens (steps on SwiftShader take seconds). */
  progress?: (line: string) => void;
  /** Headless, or headed on a display (src/course/display.ts's browserMode). */
  mode?: BrowserMode;
}

/** Runs the page once per backend, each in a fresh browser. */
export async function browserTrainStep(
  found: FoundBrowser,
  pool: { images: Float32Array; labels: Int32Array },
  o: BrowserStepOptions,
): Promise<BrowserStepResult[]> {
  const files = await bundlePage();
  const server = await servePage(files, poolBuffer(pool.images, pool.labels));
  const results: BrowserStepResult[] = [];
  try {
    for (const backend of o.backends) {
      const t0 = performance.now();
      const browser = await chromium.launch(launchOptions(found, 15_000, o.mode));
      try {
        const page = await browser.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        page.on('console', (m) => {
          if (m.text().startsWith('bench-progress: ')) o.progress?.(`  (${backend}) ${m.text().slice(16)}`);
        });
        const q = new URLSearchParams({ backend, steps: String(o.steps), warmup: String(o.warmup), batch: String(o.batchSize), n: String(pool.labels.length) });
        await page.goto(`${server.origin}/?${q}`);
        const handle = await page.waitForFunction(() => (globalThis as unknown as { __benchResult?: unknown }).__benchResult, undefined, {
          timeout: o.timeoutMs,
          polling: 500,
        });
        const r = (await handle.jsonValue()) as PageResult | { error: string };
        const pageSeconds = (performance.now() - t0) / 1000;
        if ('error' in r) results.push({ backend, error: r.error, pageSeconds });
        else results.push({ backend, result: r, pageSeconds });
        if (pageErrors.length) o.log?.(`  (${backend}) page errors: ${pageErrors.join(' | ').slice(0, 300)}`);
      } catch (e) {
        const msg = (e as Error).message.split('\n')[0]!;
        results.push({ backend, error: /Timeout/i.test(msg) ? `no result within ${o.timeoutMs / 1000} s` : msg, pageSeconds: (performance.now() - t0) / 1000 });
      } finally {
        await browser.close().catch(() => undefined);
      }
      const last = results[results.length - 1]!;
      o.log?.(`  (${backend}) ${last.result ? `${last.result.imagesPerSec.toFixed(1)} img/s on ${last.result.adapter}` : `failed: ${last.error}`} (${last.pageSeconds.toFixed(1)} s)`);
    }
  } finally {
    await server.close();
  }
  return results;
}
