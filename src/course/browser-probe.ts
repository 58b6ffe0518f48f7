/**
 * What GPU a headless Chromium/Chrome offers tfjs: the WebGPU adapter (tfjs-backend-webgpu) and the WebGL2
 * renderer (tfjs's webgl backend), and whether either is a real GPU or a software renderer (SwiftShader).
 *
 * One launch, one page, about a second; a timeout and one clear line when the browser does not answer.
 * WebGPU needs a secure context, so the page is served (by Playwright's request routing, no server)
 * at http://localhost/, which browsers treat as secure.
 */
import { chromium, type Browser } from 'playwright-core';
import { browserArgs, findBrowser, isSoftwareRenderer } from './browser.js';
import { ciOptIn, describeMode, type BrowserMode } from './display.js';

/** An installed browser as the kata runner's finder reports it (src/course/browser.ts). */
export type FoundBrowser = ReturnType<typeof findBrowser>;

/**
 * Playwright launch options for `found`: the course's flags (Playwright adds a fresh profile dir); headless
 * unless `mode` (src/course/display.ts's browserMode) puts the browser on an X display.
 */
export function launchOptions(found: FoundBrowser, timeoutMs = 15_000, mode: BrowserMode = { kind: 'headless', why: '' }) {
  const headed = mode.kind === 'headed';
  return {
    executablePath: found.path,
    headless: !headed,
    args: browserArgs({ headed, ci: ciOptIn() }),
    timeout: timeoutMs,
    ...(headed ? { env: { ...process.env, DISPLAY: mode.display } } : {}),
  };
}

/** GPUAdapterInfo's fields (Chrome 114+), as strings; "" where the browser does not say. */
export interface WebGpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a fallback (software) adapter, e.g. SwiftShader. */
  isFallbackAdapter: boolean;
}

export interface WebGlRenderer {
  /** 2 for a WebGL2 context (what tfjs's webgl backend prefers), 1 for WebGL1 only. */
  version: 1 | 2;
  /** UNMASKED_RENDERER_WEBGL where WEBGL_debug_renderer_info exists, else RENDERER. */
  renderer: string;
  vendor: string;
}

export interface BrowserProbe {
  browser: FoundBrowser;
  /** The browser's version, e.g. "156.0.8078.114". */
  version: string;
  webgpu: WebGpuAdapter | null;
  /** Why there is no adapter ("navigator.gpu is undefined", "requestAdapter() returned null", an error), or "". */
  webgpuNote: string;
  /**
   * tfjs's synchronous read-back path (dataSync on WebGPU: a GPU buffer copied into a WebGPU canvas, drawn
   * on a 2D canvas, read with getImageData), done on 1024 known pixels: 'correct', 'zeros' (what headless
   * Chromium without a GPU gives), 'wrong', or the error; undefined without an adapter.
   */
  webgpuSyncRead?: 'correct' | 'zeros' | 'wrong' | string;
  /** How the browser ran: "headless" or "headed on virtual display :0 (Xvfb)" (display.ts's describeMode). */
  mode: string;
  webgl: WebGlRenderer | null;
  webglNote: string;
  /** Milliseconds from launch to the answer. */
  ms: number;
}

/** The page a probe (or any caller that needs WebGPU's secure context without a server) opens. */
export const PROBE_URL = 'http://localhost/__kata_probe__';

export function isSoftwareAdapter(a: WebGpuAdapter): boolean {
  return a.isFallbackAdapter || isSoftwareRenderer(`${a.vendor} ${a.architecture} ${a.device} ${a.description}`);
}

/** "google swiftshader (software rendering)", "nvidia ampere — NVIDIA GeForce RTX 3060 (GPU)". */
export function describeAdapter(a: WebGpuAdapter): string {
  const head = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const tail = [a.device, a.description].filter(Boolean).join(', ');
  return `${head}${tail ? ` — ${tail}` : ''} (${isSoftwareAdapter(a) ? 'software rendering' : 'GPU'})`;
}

/** "WebGL2: ANGLE (…SwiftShader driver) (software rendering)". */
export function describeRenderer(g: WebGlRenderer): string {
  return `WebGL${g.version}: ${g.renderer} (${isSoftwareRenderer(g.renderer) ? 'software rendering' : 'GPU'})`;
}

interface PageAnswer {
  webgpu: WebGpuAdapter | null;
  webgpuNote: string;
  webgpuSyncRead?: string;
  webgl: WebGlRenderer | null;
  webglNote: string;
}

/** Runs in the page. Self-contained: Playwright serialises it. */
async function inPage(adapterTimeoutMs: number): Promise<PageAnswer> {
  const out: PageAnswer = { webgpu: null, webgpuNote: '', webgl: null, webglNote: '' };
  // Minimal shapes of the WebGPU API (lib "dom" is not in this project's tsconfig).
  type Info = { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  type Gpu = { requestAdapter(): Promise<{ info?: Info; isFallbackAdapter?: boolean; requestDevice(): Promise<Any> } | null> };
  type Gl = {
    RENDERER: number;
    VENDOR: number;
    getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number; UNMASKED_VENDOR_WEBGL: number } | null;
    getParameter(p: number): unknown;
  };
  type Canvas = { getContext(kind: 'webgl2' | 'webgl'): Gl | null };
  const g = globalThis as unknown as { navigator: { gpu?: Gpu }; isSecureContext: boolean; document: { createElement(t: 'canvas'): Canvas } };
  // WebGL first: measured in Chromium 156, no WebGL2 context can be created once WebGPU ran on SwiftShader.
  const canvas = g.document.createElement('canvas');
  let version: 1 | 2 = 2;
  let gl = canvas.getContext('webgl2');
  if (!gl) {
    version = 1;
    gl = canvas.getContext('webgl');
  }
  if (!gl) out.webglNote = 'no WebGL context (WebGL disabled, or no GPU and no SwiftShader)';
  else {
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    out.webgl = {
      version,
      renderer: String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)),
      vendor: String(ext ? gl.getParameter(ext.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR)),
    };
  }
  const gpu = g.navigator.gpu;
  if (!gpu) out.webgpuNote = g.isSecureContext ? 'navigator.gpu is undefined (WebGPU disabled in this browser)' : 'not a secure context';
  else {
    try {
      const a = await Promise.race([
        gpu.requestAdapter(),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), adapterTimeoutMs)),
      ]);
      if (a === 'timeout') out.webgpuNote = `requestAdapter() gave no answer within ${adapterTimeoutMs} ms`;
      else if (!a) out.webgpuNote = 'requestAdapter() returned null (no usable GPU adapter)';
      else {
        const i = a.info ?? {};
        out.webgpu = {
          vendor: i.vendor ?? '',
          architecture: i.architecture ?? '',
          device: i.device ?? '',
          description: i.description ?? '',
          isFallbackAdapter: Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter),
        };
        // tfjs-backend-webgpu 4.22's readSync, on known bytes: buffer → WebGPU canvas (bgra8unorm, opaque) → 2D canvas.
        try {
          const w = g as unknown as Record<string, Any>;
          const dev = await a.requestDevice();
          const W = 256;
          const H = 4;
          const bytes = new Uint8Array(W * H * 4);
          for (let k = 0; k < bytes.length; k++) bytes[k] = k % 4 === 3 ? 255 : (k * 7 + 3) % 256;
          const buf = dev.createBuffer({ size: bytes.length, usage: w.GPUBufferUsage.COPY_SRC | w.GPUBufferUsage.STORAGE, mappedAtCreation: true });
          new Uint8Array(buf.getMappedRange()).set(bytes);
          buf.unmap();
          const gpuCanvas = new w.OffscreenCanvas(W, H);
          const ctx = gpuCanvas.getContext('webgpu');
          ctx.configure({ device: dev, format: 'bgra8unorm', usage: w.GPUTextureUsage.COPY_DST, alphaMode: 'opaque' });
          const enc = dev.createCommandEncoder();
          enc.copyBufferToTexture({ buffer: buf, bytesPerRow: W * 4 }, { texture: ctx.getCurrentTexture() }, { width: W, height: H });
          dev.queue.submit([enc.finish()]);
          const host = new w.OffscreenCanvas(W, H).getContext('2d', { willReadFrequently: true });
          host.drawImage(gpuCanvas, 0, 0);
          const got: Uint8ClampedArray = host.getImageData(0, 0, W, H).data;
          let wrong = 0;
          let zero = 0;
          for (let k = 0; k < bytes.length; k += 4) {
            if (got[k] !== bytes[k + 2] || got[k + 1] !== bytes[k + 1] || got[k + 2] !== bytes[k]) wrong++;
            if (got[k] === 0 && got[k + 1] === 0 && got[k + 2] === 0) zero++;
          }
          out.webgpuSyncRead = wrong === 0 ? 'correct' : zero === W * H ? 'zeros' : 'wrong';
          dev.destroy();
        } catch (e) {
          out.webgpuSyncRead = `error: ${String(e)}`;
        }
      }
    } catch (e) {
      out.webgpuNote = `requestAdapter() threw: ${String(e)}`;
    }
  }
  return out;
}

/** Opens a page at PROBE_URL (a secure context) with an empty document, or `html` if given. */
export async function openSecurePage(browser: Browser, html = '<!doctype html><title>kata probe</title>') {
  const page = await browser.newPage();
  await page.route(PROBE_URL, (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.goto(PROBE_URL);
  return page;
}

/**
 * Launches `found` (headless, or as `mode` says), asks for a WebGPU adapter and a WebGL context, closes it.
 * Rejects with one line when the launch fails or nothing answers within `timeoutMs`.
 */
export async function probeBrowser(found: FoundBrowser, opts: { timeoutMs?: number; mode?: BrowserMode } = {}): Promise<BrowserProbe> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const t0 = Date.now();
  let browser: Browser | undefined;
  let timer: NodeJS.Timeout | undefined;
  let over = false;
  const work = (async () => {
    try {
      browser = await chromium.launch(launchOptions(found, timeoutMs, opts.mode));
    } catch (e) {
      throw new Error(`cannot start ${found.path}: ${(e as Error).message.split('\n')[0]}`);
    }
    if (over) {
      // the timeout won while the launch was still under way: do not leave this browser running
      await browser.close().catch(() => undefined);
      throw new Error('probe timed out');
    }
    const version = browser.version();
    const page = await openSecurePage(browser);
    const answer = await page.evaluate(inPage, Math.max(1000, Math.floor(timeoutMs / 2)));
    return { browser: found, version, ...answer, mode: opts.mode ? describeMode(opts.mode) : 'headless', ms: Date.now() - t0 };
  })();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`browser probe: ${found.path} gave no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    over = true;
    clearTimeout(timer);
    work.catch(() => undefined); // the loser of the race must not become an unhandled rejection
    await (browser as Browser | undefined)?.close().catch(() => undefined);
  }
}
