/**
 * The browser side of src/lib/tf.ts: chosen instead of it by vitest.config.ts in browser mode
 * (KATA_BROWSER=1, `npm run kata N -- --browser`), so every file that imports `tf` from tf.ts gets
 * this one in the browser. Same exports as far as the katas use them: `tf`, `backend`, `backendLine`.
 *
 * Order: a forced backend (`--backend webgl|webgpu`, passed in by the config as __KATA_BACKEND__)
 * → WebGPU where the browser gives an adapter → WebGL. The backend line names the adapter (the GPU,
 * or SwiftShader when the browser renders in software) and is sent to the runner's terminal.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { commands } from 'vitest/browser';

export { tf };

declare const __KATA_BACKEND__: string;

export type BrowserBackendName = 'webgpu' | 'webgl';
export interface BackendInfo {
  name: BrowserBackendName;
  provider: string;
  /** The adapter: GPU vendor/architecture/description, or the WebGL renderer string. */
  detail: string;
  reason: string;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}
interface GpuLike {
  requestAdapter(): Promise<{ info?: AdapterInfoLike; requestAdapterInfo?: () => Promise<AdapterInfoLike> } | null>;
}

/** The WebGPU adapter's name, or undefined when the browser has none (no navigator.gpu, or no adapter). */
async function webgpuAdapter(): Promise<string | undefined> {
  const gpu = (globalThis as unknown as { navigator: { gpu?: GpuLike } }).navigator.gpu;
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return undefined;
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  const words = [info.vendor, info.architecture, info.device, info.description].filter((w): w is string => !!w && w.trim() !== '');
  return [...new Set(words)].join(' ') || 'unnamed adapter';
}

/** The WebGL renderer string (WEBGL_debug_renderer_info), e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device ...))". */
function webglRenderer(): string | undefined {
  // The DOM types are not in this project's lib (Node first); the few members used here, typed locally.
  interface Gl {
    RENDERER: number;
    getExtension(name: string): { UNMASKED_RENDERER_WEBGL?: number; loseContext?: () => void } | null;
    getParameter(p: number): unknown;
  }
  const doc = (globalThis as unknown as { document: { createElement(t: 'canvas'): { getContext(k: 'webgl2'): Gl | null } } }).document;
  const gl = doc.createElement('canvas').getContext('webgl2');
  if (!gl) return undefined;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const name = ext?.UNMASKED_RENDERER_WEBGL !== undefined ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  gl.getExtension('WEBGL_lose_context')?.loseContext?.();
  return String(name);
}

async function use(name: BrowserBackendName): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && (await tf.ready(), tf.getBackend() === name);
  } catch {
    return false;
  }
}

/**
 * The katas read results synchronously (dataSync: accuracy returns a number). tfjs's WebGPU backend
 * does that through a canvas copy, which returns zeros on some adapters (measured: SwiftShader in
 * headless Chromium 156). A sum computed on the GPU (4096 elements: above the size that tfjs-webgpu
 * computes on the CPU) must read back exactly: integers below 2^24 add exactly in float32.
 */
function syncReadWorks(): boolean {
  const n = 4096;
  const got = tf.tidy(() => tf.sum(tf.add(tf.range(0, n), 1)).dataSync()[0]);
  return got === (n * (n + 1)) / 2;
}

export async function chooseBackend(forced = typeof __KATA_BACKEND__ === 'string' ? __KATA_BACKEND__ : ''): Promise<BackendInfo> {
  if (forced !== '' && forced !== 'webgl' && forced !== 'webgpu') {
    throw new Error(`backend override: expected webgl or webgpu in the browser (from --backend or KATA_BACKEND), got "${forced}"`);
  }
  // Asked first: measured in Chromium 156, a WebGL2 context cannot be created any more once WebGPU ran on SwiftShader.
  const renderer = forced === 'webgpu' ? undefined : webglRenderer();
  const adapter = forced === 'webgl' ? undefined : await webgpuAdapter();
  if (forced === 'webgpu' && adapter === undefined) {
    throw new Error('backend override webgpu: this browser gives no WebGPU adapter (navigator.gpu.requestAdapter() returned none); use --backend webgl');
  }
  let webgpuProblem = adapter === undefined ? 'no WebGPU adapter in this browser' : '';
  if (adapter !== undefined) {
    if (!(await use('webgpu'))) webgpuProblem = `WebGPU (adapter: ${adapter}) failed to start`;
    else if (!syncReadWorks()) webgpuProblem = `WebGPU (adapter: ${adapter}) reads back wrong values synchronously (dataSync gives zeros), which the katas need`;
    else {
      const reason = forced ? 'requested by --backend=webgpu' : 'the browser gives a WebGPU adapter';
      return { name: 'webgpu', provider: '@tensorflow/tfjs-backend-webgpu', detail: `adapter: ${adapter}`, reason };
    }
    if (forced === 'webgpu') throw new Error(`backend override webgpu: ${webgpuProblem}; use --backend webgl (or a machine whose GPU reads back correctly)`);
  }
  if (renderer === undefined || !(await use('webgl'))) {
    throw new Error(`browser backend: expected WebGPU or WebGL2, got neither (${webgpuProblem}; no WebGL2 context)`);
  }
  const reason = forced ? 'requested by --backend=webgl' : webgpuProblem;
  return { name: 'webgl', provider: '@tensorflow/tfjs-backend-webgl', detail: `adapter: ${renderer}`, reason };
}

/** The backend this page runs on, chosen once at import time. */
export const backend: BackendInfo = await chooseBackend();

/** `backend: webgpu (adapter: Google SwiftShader …) — the browser gives a WebGPU adapter` */
export function backendLine(info: BackendInfo = backend): string {
  return `backend: ${info.name} (${info.detail}) — ${info.reason}`;
}

// The runner reads this line from the terminal, as it reads the Node backend line (vitest.config.ts: kataBackendLine).
await (commands as unknown as { kataBackendLine(line: string): Promise<void> }).kataBackendLine(backendLine());
