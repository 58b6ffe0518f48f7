/**
 * The course site in a real browser (issue 23, items 1 and 2): `npm run site:build` as the README types it
 * (skipped when docs/.vitepress/dist was built from the same inputs: a hash of everything the site reads),
 * then the built site served from 127.0.0.1 and opened in the installed Chromium (playwright-core, as
 * test/kata-ui-page.test.ts does):
 *  - every page the site promises exists; the HTML loads nothing remote (an http(s) address only as a link the
 *    Markdown itself has);
 *  - every lesson page and the key pages render with their figures (each <img> loaded, naturalWidth > 0; each
 *    diagram an inline SVG with its boxes), request nothing outside 127.0.0.1, and no internal link is dead;
 *  - on kata 03's page the live experiment's button trains both loaders in the browser (tfjs WebGPU, else
 *    WebGL: on this machine SwiftShader, software rendering) and draws both curves for 2 epochs.
 * Without an installed Chromium/Chrome the browser checks are skipped with the reason, and fail under CI=true.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchOptions } from '../src/course/browser-probe.js';
import { browserFor } from './support/ui-runner.js';

/** The page's DOM inside page.evaluate: this project's lib has no DOM types (Node first); the members used, typed here. */
interface DomEl {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomEl | null;
  querySelectorAll(selector: string): ArrayLike<DomEl> & Iterable<DomEl>;
  complete?: boolean;
  naturalWidth?: number;
  src?: string;
  href?: string;
}
declare const document: DomEl;

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'docs', '.vitepress', 'dist');
const HASH_FILE = path.join(dist, '.inputs-sha256');

const lessons = readdirSync(path.join(root, 'katas'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
  .map((d) => d.name)
  .sort();
const KEY_PAGES = [
  'index.html',
  'docs/site/before-you-start.html',
  'docs/site/instructor-day.html',
  'docs/outline.html',
  'docs/instructor-guide.html',
  'docs/results.html',
  'docs/gpu.html',
  'docs/performance.html',
];
const LESSON_PAGES = lessons.map((d) => `katas/${d}/README.html`);

// ---------- build once per set of inputs ----------

/** Every file the site is built from: its config and pages, the Markdown it reads, the code and data the live experiment bundles. */
function inputFiles(): string[] {
  const out: string[] = [];
  const skip = new Set([dist, path.join(root, 'docs', '.vitepress', 'cache')]);
  const walk = (dir: string): void => {
    if (!existsSync(dir) || skip.has(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  for (const d of ['docs', 'katas', 'solutions', 'src/lib', 'data', 'models']) walk(path.join(root, d));
  out.push(path.join(root, 'package-lock.json'));
  return out.sort();
}

function inputsHash(): string {
  const h = createHash('sha256');
  for (const f of inputFiles()) h.update(path.relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

let buildSeconds: number | undefined;

function buildSite(): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'site:build'], { cwd: root, env, detached: true });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 540_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// ---------- a static server for the built site ----------

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
let server: http.Server | undefined;
let base = '';

function serve(): Promise<string> {
  server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(dist, p);
    if (!file.startsWith(dist + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`)));
}


let browser: Browser | undefined;

beforeAll(async () => {
  const hash = inputsHash();
  const cached = existsSync(HASH_FILE) && readFileSync(HASH_FILE, 'utf8') === hash && existsSync(path.join(dist, 'index.html'));
  if (!cached) {
    const t0 = Date.now();
    const r = await buildSite();
    buildSeconds = (Date.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`npm run site:build: exit ${r.code}:\n${r.out.slice(-3000)}`);
    writeFileSync(HASH_FILE, hash);
  }
  console.log(cached ? 'site: built from the same inputs already (docs/.vitepress/dist)' : `site: npm run site:build took ${buildSeconds!.toFixed(1)} s`);
  base = await serve();
}, 600_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

// ---------- the built files ----------

function htmlFiles(dir = dist): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...htmlFiles(p));
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out;
}

describe('npm run site:build', () => {
  it('writes a page for every lesson and every key page, and the files the live experiment reads', () => {
    for (const page of [...KEY_PAGES, ...LESSON_PAGES]) expect(existsSync(path.join(dist, page)), page).toBe(true);
    for (const f of ['repo/data/fashion-mnist-dress-coat/train-images-idx3-ubyte.gz.bin', 'repo/models/resnet-mini-fashion8/model.json', 'repo/docs/figures/kata-03-curves.svg']) {
      expect(existsSync(path.join(dist, f)), f).toBe(true);
    }
    // The bundled IDX files are byte-identical copies (their checksums are of the gzip bytes).
    expect(readFileSync(path.join(dist, 'repo/data/fashion-mnist-dress-coat/train-labels-idx1-ubyte.gz.bin'))).toEqual(
      readFileSync(path.join(root, 'data/fashion-mnist-dress-coat/train-labels-idx1-ubyte.gz')),
    );
  });

  it('is offline: no remote script, style, font or image; an http(s) address only as a link the Markdown has', () => {
    const markdown = [...LESSONS_MD(), ...['outline', 'instructor-guide', 'results', 'gpu', 'performance', 'architecture', 'pytorch-to-tfjs'].map((d) => `docs/${d}.md`)]
      .map((f) => readFileSync(path.join(root, f), 'utf8'))
      .join('\n');
    const remote: string[] = [];
    for (const file of htmlFiles()) {
      const html = readFileSync(file, 'utf8');
      for (const m of html.matchAll(/<(\w+)\b[^>]*?\s(src|href|srcset|content)="(https?:\/\/[^"]*)"/g)) {
        const [, tag, attr, url] = m;
        const asLink = tag === 'a' && attr === 'href' && markdown.includes(url!);
        if (!asLink) remote.push(`${path.relative(dist, file)}: <${tag} ${attr}="${url}">`);
      }
      for (const m of html.matchAll(/url\(\s*['"]?(https?:[^)'"]+)/g)) remote.push(`${path.relative(dist, file)}: url(${m[1]})`);
    }
    const css = readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.css'));
    for (const f of css) {
      for (const m of readFileSync(path.join(dist, 'assets', f), 'utf8').matchAll(/(?:url\(\s*['"]?|@import\s+['"])(https?:[^)'"]+)/g)) remote.push(`assets/${f}: ${m[1]}`);
    }
    expect(remote).toEqual([]);
  });
});

function LESSONS_MD(): string[] {
  return lessons.map((d) => `katas/${d}/README.md`);
}

// ---------- in Chromium ----------

describe('the course site in Chromium', () => {
  const links = new Map<string, string>(); // internal link (no hash) → the page it was found on
  const anchors = new Map<string, string>(); // internal link with its #hash → the page

  it('renders every lesson page and the key pages with their figures, requesting nothing outside 127.0.0.1', async (ctx) => {
    const found = browserFor(ctx, 'the site check');
    browser = await chromium.launch(launchOptions(found, 30_000));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', ''].includes(u.hostname) && !u.protocol.startsWith('data')) problems.push(`remote request ${r.url()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));

    for (const file of [...KEY_PAGES, ...LESSON_PAGES]) {
      const res = await page.goto(`${base}/${file}`, { waitUntil: 'networkidle' });
      expect(res?.status(), file).toBe(200);
      await page.waitForSelector('.VPContent', { timeout: 30_000 });
      const facts = await page.evaluate(() => {
        const imgs = [...document.querySelectorAll('.VPContent img')];
        const diagrams = [...document.querySelectorAll('.VPContent [data-figure="diagram"] svg')];
        const hrefs = [...document.querySelectorAll('a[href]')].map((a) => a.href ?? '');
        return {
          title: document.querySelector('.VPContent h1')?.textContent ?? '',
          imgs: imgs.map((i) => ({ src: i.src ?? '', ok: !!i.complete && (i.naturalWidth ?? 0) > 0 })),
          diagrams: diagrams.map((s) => s.querySelectorAll('rect').length),
          figureImages: document.querySelectorAll('.VPContent [data-figure="image"] img').length,
          hrefs,
        };
      });
      if (file !== 'index.html') expect(facts.title, file).not.toBe('');
      for (const img of facts.imgs) expect(img.ok, `${file}: <img src="${img.src}"> did not load`).toBe(true);
      if (file.startsWith('katas/')) {
        expect(facts.diagrams.length, `${file}: its diagram`).toBe(1);
        expect(facts.diagrams[0], `${file}: the diagram's boxes`).toBeGreaterThanOrEqual(4);
      }
      if (/katas\/0[39]-/.test(file)) expect(facts.figureImages, `${file}: its experiment's figure`).toBeGreaterThanOrEqual(1);
      if (file === 'docs/results.html') expect(facts.imgs.length, 'results: the learning curve').toBeGreaterThanOrEqual(1);
      if (file === 'docs/site/instructor-day.html') {
        expect(facts.diagrams.length, 'the system diagram').toBe(1);
        expect(await page.locator('.VPContent table tr').count(), 'the agenda included from docs/outline.md').toBeGreaterThanOrEqual(12);
      }
      for (const h of facts.hrefs) {
        const u = new URL(h);
        if (u.origin !== base) continue;
        const key = u.pathname;
        if (!links.has(key)) links.set(key, file);
        if (u.hash) anchors.set(key + u.hash, file);
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('has no dead internal link (pages, files, and #anchors on other pages)', async (ctx) => {
    if (links.size === 0) ctx.skip('the pages were not opened');
    expect(links.size).toBeGreaterThan(20);
    const dead: string[] = [];
    for (const [link, from] of links) {
      const r = await fetch(`${base}${link}`);
      if (r.status !== 200) dead.push(`${link} (on ${from}): ${r.status}`);
    }
    for (const [link, from] of anchors) {
      const [p, hash] = link.split('#');
      const file = path.join(dist, p!.endsWith('/') ? `${p}index.html` : p!);
      if (!existsSync(file) || !file.endsWith('.html')) continue;
      const id = decodeURIComponent(hash!);
      if (!readFileSync(file, 'utf8').includes(`id="${id}"`)) dead.push(`${link} (on ${from}): no id "${id}"`);
    }
    expect(dead).toEqual([]);
  });

  it('kata 03: the live experiment trains both loaders in the browser and draws both curves, 2 epochs', async (ctx) => {
    if (!browser) ctx.skip('no browser');
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/katas/03-diverging-accuracy/README.html?epochs=2&perClass=10`, { waitUntil: 'networkidle' });
    const t0 = Date.now();
    await page.click('[data-live-run]');
    await page.waitForFunction(
      () => document.querySelector('[data-live-chart="fixed"]')?.getAttribute('data-epochs') === '2' || !!document.querySelector('[data-live-error]'),
      null,
      { timeout: 420_000, polling: 500 },
    );
    const seconds = (Date.now() - t0) / 1000;
    const facts = await page.evaluate(() => ({
      error: document.querySelector('[data-live-error]')?.textContent ?? '',
      backend: document.querySelector('[data-live-backend]')?.textContent ?? '',
      charts: ['seed', 'fixed'].map((arm) => {
        const c = document.querySelector(`[data-live-chart="${arm}"]`)!;
        const points = (s: string) => (c.querySelector(`path[data-series="${s}"]`)?.getAttribute('d') ?? '').split(/[ML]/).filter((p: string) => p.trim()).length;
        const rows = [...c.querySelectorAll('[data-live-table] tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent)));
        return { arm, epochs: Number(c.getAttribute('data-epochs')), accuracy: points('accuracy'), loss: points('loss'), rows };
      }),
    }));
    console.log(`site: kata 03 live, 2 epochs × 2 loaders, 10 images per class: ${seconds.toFixed(1)} s; ${facts.backend}`);
    for (const c of facts.charts) console.log(`  ${c.arm}: ${c.rows.map((r) => `epoch ${r[0]} loss ${r[1]} accuracy ${r[3]}`).join('; ')}`);
    expect(facts.error).toBe('');
    expect(errors).toEqual([]);
    expect(facts.backend).toMatch(/^backend: (webgpu|webgl) \(adapter: .+\)/);
    for (const c of facts.charts) {
      expect(c, c.arm).toMatchObject({ epochs: 2, accuracy: 2, loss: 2 });
      for (const r of c.rows) {
        expect(r[3], `${c.arm}: accuracy`).toBeGreaterThanOrEqual(0);
        expect(r[3], `${c.arm}: accuracy`).toBeLessThanOrEqual(1);
        expect(Number.isFinite(r[1]), `${c.arm}: training loss`).toBe(true);
      }
    }
    await page.close();
  }, 480_000);
});
