/**
 * Multi-threaded wasm in Node. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK with a pthreadpool), but
 * reports WASM_HAS_MULTITHREAD_SUPPORT = false under Node (tfjs issue #3830), because its Emscripten glue hands the
 * pthread workers their scripts as Blob URLs, which Node's worker_threads cannot load. startWasm(threads > 1):
 *  1. writes the pthread worker script to a temporary .cjs file, with a shim that loads the main script from a
 *     second temporary file instead of the Blob the glue posts (both removed when the process exits);
 *  2. makes URL.createObjectURL return that file while the backend initialises;
 *  3. makes os.cpus() report 2 x threads entries meanwhile: the C++ caps the pool at
 *     emscripten_num_logical_cores() / 2 (it assumes hyper-threading), which is 1 on a 2-core machine;
 *  4. sets the flag and the thread count, initialises the wasm backend, then unrefs the pool's workers: the pool
 *     threads never return, and a ref'd worker would keep the process alive after its last line
 *     (the main thread waits for them inside each kernel call, so nothing runs in them unwaited).
 *
 * Only XNNPACK operators (convolutions, matrix products, pooling) use the pool; measured gains and losses are in
 * docs/performance.md. Call it instead of tf.setBackend('wasm'), after setWasmPaths and the kernel registration
 * (src/lib/tf.ts does), before the wasm backend has been initialised in this process.
 *
 * This file takes `tf` from the package, not from src/lib/tf.ts, which imports it (no circle through the
 * top-level await there).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** The part of the Emscripten module's PThread object used here. */
interface PThreadPool {
  runningWorkers: Worker[];
  unusedWorkers: Worker[];
}

/** Worker threads of the wasm pool in this process (0 for the single-threaded build). */
export function wasmPoolWorkers(): Worker[] {
  const mod = (tf.backend() as unknown as { wasm?: { PThread?: PThreadPool } }).wasm;
  const p = mod?.PThread;
  return p ? [...p.runningWorkers, ...p.unusedWorkers] : [];
}

/**
 * Initialises the wasm backend with `threads` XNNPACK threads (1: the single-threaded SIMD build) and returns the
 * number the backend reports. Resolves false-y failures as errors naming the step.
 */
export async function startWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`startWasm threads: expected a positive integer, got ${String(threads)}`);
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (threads === 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
    await tf.ready();
    return 1;
  }
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const outDir = path.join(dist, '..', 'wasm-out');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-threads-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const factory = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js')) as { toString(): string };
  const mainPath = path.join(dir, 'main.js');
  writeFileSync(mainPath, `var WasmBackendModuleThreadedSimd = ${factory.toString()};\n`);
  const { wasmWorkerContents } = require(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const workerPath = path.join(dir, 'worker.cjs');
  writeFileSync(
    workerPath,
    // As tfjs does for its Blob: the template literal turned the script's '\n' escapes into real newlines.
    `${wasmWorkerContents.replace(/\n/g, '\\n')}\n` +
      `;(function () { var orig = self.onmessage; self.onmessage = function (e) {` +
      ` if (e && e.data && e.data.cmd === 'load') e.data.urlOrBlob = ${JSON.stringify(mainPath)}; return orig(e); }; })();\n`,
  );
  const origCreate = URL.createObjectURL;
  URL.createObjectURL = (() => workerPath) as typeof URL.createObjectURL;
  const origCpus = os.cpus;
  const cpus = origCpus();
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error(`threaded wasm backend (${threads} threads) failed to initialise`);
    await tf.ready();
  } finally {
    URL.createObjectURL = origCreate;
    os.cpus = origCpus;
  }
  for (const w of wasmPoolWorkers()) w.unref();
  return wasm.getThreadsCount();
}
