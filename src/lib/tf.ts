/**
 * The one module that owns TensorFlow.js and the backend ("device") choice.
 * Every other file imports `tf` from here, never from '@tensorflow/tfjs' directly.
 *
 * Order: explicit override (env KATA_BACKEND or flag --backend) → @tensorflow/tfjs-node-gpu
 * → @tensorflow/tfjs-node → wasm → cpu. The choice is made once, at import time (top-level await),
 * so any module that imports `tf` from here gets a ready backend.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmTrainingKernels } from './wasm/register.js';
import { BackendLoadError, backendLoadMessage, backendSource, requestedBackend } from './backend-override.js';
import { chooseThreads, type ThreadChoice } from './threads/count.js';
import { startWasm } from './threads/wasm-threads.js';

export { tf };

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export interface BackendInfo {
  /** tfjs backend name as reported by tf.getBackend(). */
  name: BackendName;
  /** The package that provides it. */
  provider: string;
  /** Human-readable details: GPU name, SIMD/threads. */
  detail: string;
  /** Why it was chosen (override, or why the better choices were skipped). */
  reason: string;
}

const require = createRequire(import.meta.url);
// The override's names and its check live in a module without tfjs, so a CLI can check them before this one loads.
export { requestedBackend } from './backend-override.js';

/** Is a package resolvable from here? (without loading it) */
export function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

async function tryNode(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<BackendInfo | string> {
  if (!isInstalled(pkg)) return `${pkg} is not installed`;
  try {
    await import(pkg);
    await tf.setBackend('tensorflow');
    await tf.ready();
  } catch (e) {
    return `${pkg} failed to load (${(e as Error).message.split('\n')[0]})`;
  }
  return { name: 'tensorflow', provider: pkg, detail: describeTensorflowDevice(pkg), reason: '' };
}

/**
 * Says whether libtensorflow runs on a GPU (tfjs-node's backend reports it: isUsingGpuDevice) and,
 * when it does, the GPU's name from nvidia-smi. A machine with a GPU but without CUDA 11.2/cuDNN 8.1
 * runs on the CPU, and the line says so.
 */
function describeTensorflowDevice(pkg: string): string {
  const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  if (!onGpu) {
    return pkg === '@tensorflow/tfjs-node-gpu'
      ? 'native CPU: libtensorflow found no usable CUDA GPU (needs CUDA 11.2 + cuDNN 8.1; npm run doctor)'
      : 'native CPU';
  }
  try {
    const out = require('node:child_process').execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }) as string;
    return `GPU: ${out.trim().split('\n')[0] || 'CUDA device'}`;
  } catch {
    return 'GPU: CUDA device (nvidia-smi not found for its name)';
  }
}

async function tryWasm(choice: ThreadChoice = chooseThreads()): Promise<BackendInfo | string> {
  let threads = 1;
  let threadNote = choice.reason;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    wasm.setWasmPaths(dist + path.sep);
    registerWasmTrainingKernels();
    const before = processListeners();
    try {
      // src/lib/threads: the threaded build when more than one thread is chosen, else the 1-thread SIMD build.
      threads = await startWasm(choice.threads).catch(async (e: Error) => {
        if (choice.threads === 1) throw e;
        threadNote = `threaded wasm failed (${e.message.split('\n')[0]}), 1 thread instead`;
        return startWasm(1);
      });
    } finally {
      removeListenersAddedSince(before);
    }
  } catch (e) {
    return `wasm failed to load (${(e as Error).message.split('\n')[0]})`;
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return {
    name: 'wasm',
    provider: '@tensorflow/tfjs-backend-wasm',
    detail: `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}: ${threadNote}`,
    reason: '',
  };
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
const PROCESS_EVENTS: readonly ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];

// One call per event name: the overloads of process.listeners do not accept the union.
const listenersOf = (e: ProcessEvent): Function[] => (e === 'uncaughtException' ? process.listeners(e) : process.listeners(e));

function processListeners(): Map<ProcessEvent, Function[]> {
  return new Map(PROCESS_EVENTS.map((e) => [e, listenersOf(e)]));
}

/**
 * The wasm module (Emscripten) installs process handlers that re-throw every uncaught error from
 * inside its own one-line, minified file: Node then prints that whole line — tens of kilobytes —
 * above the learner's error. Removing them gives back Node's normal report (message and stack).
 */
function removeListenersAddedSince(before: Map<ProcessEvent, Function[]>): void {
  for (const e of PROCESS_EVENTS) {
    const old = before.get(e) ?? [];
    for (const l of listenersOf(e)) if (!old.includes(l)) process.removeListener(e, l as (...args: unknown[]) => void);
  }
}

/**
 * Switches this process to the wasm backend with the project's kernels, whatever was chosen at
 * start-up (e.g. KATA_BACKEND=cpu). For tests and benchmarks that compare backends.
 */
export async function useWasmBackend(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  const got = await tryWasm();
  if (typeof got === 'string') throw new Error(`useWasmBackend: ${got}`);
}

async function useCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', provider: '@tensorflow/tfjs-backend-cpu', detail: 'plain JavaScript', reason: '' };
}

export async function chooseBackend(override = requestedBackend()): Promise<BackendInfo> {
  const skipped: string[] = [];
  const pick = (info: BackendInfo | string, why: string): BackendInfo | undefined => {
    if (typeof info === 'string') {
      skipped.push(info);
      return undefined;
    }
    info.reason = why;
    return info;
  };
  if (override) {
    const source = backendSource();
    const why = `requested by ${source}=${override}`;
    let info: BackendInfo | string;
    if (override === 'cpu') info = await useCpu();
    else if (override === 'wasm') info = await tryWasm();
    else if (override === 'node') info = await tryNode('@tensorflow/tfjs-node');
    else {
      info = await tryNode('@tensorflow/tfjs-node-gpu');
      if (typeof info === 'string' && override === 'tensorflow') info = await tryNode('@tensorflow/tfjs-node');
    }
    if (typeof info === 'string') throw new BackendLoadError(backendLoadMessage(override, info, source));
    return pick(info, why)!;
  }
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
    const got = pick(await tryNode(pkg), skipped.length ? skipped.join('; ') : `${pkg} is installed`);
    if (got) return got;
  }
  const wasm = pick(await tryWasm(), skipped.join('; '));
  if (wasm) return wasm;
  return pick(await useCpu(), skipped.join('; '))!;
}

/** The backend this process runs on, chosen once at import time. */
export const backend: BackendInfo = await chooseBackend();

/** `backend: wasm (SIMD, 2 threads: 2 cores (os.availableParallelism())) — @tensorflow/tfjs-node-gpu is not installed; ...` */
export function backendLine(info: BackendInfo = backend): string {
  return `backend: ${info.name} (${info.detail}) — ${info.reason}`;
}
