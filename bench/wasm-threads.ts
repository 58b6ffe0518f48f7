/**
 * Multi-threaded wasm in Node. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK with a pthreadpool), but
 * reports WASM_HAS_MULTITHREAD_SUPPORT = false under Node (tfjs issue #3830), because its Emscripten glue hands the
 * pthread workers their scripts as Blob URLs, which Node's worker_threads cannot load. This module:
 *  1. writes the pthread worker script to a temporary .cjs file, with a shim that loads the main script from a
 *     second temporary file instead of the Blob the glue posts;
 *  2. makes URL.createObjectURL return that file while the backend initialises;
 *  3. makes os.cpus() report 2 x threads entries while the module starts: its C++ caps the pool at
 *     emscripten_num_logical_cores() / 2 (it assumes hyper-threading), which is 1 on a 2-core machine;
 *  4. sets the flag to true and the thread count, then initialises the wasm backend.
 *
 * Must run before the wasm backend is initialised in this process (start the process with KATA_BACKEND=cpu, so that
 * src/lib/tf.ts does not initialise wasm, then call initThreadedWasm).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../src/lib/tf.js';
import { registerWasmTrainingKernels } from '../src/lib/wasm/register.js';

const require = createRequire(import.meta.url);

export interface ThreadedWasmInfo {
  threads: number;
  detail: string;
}

/** Initialises the wasm backend with `threads` XNNPACK threads (1 = the single-threaded SIMD build). */
export async function initWasm(threads: number): Promise<ThreadedWasmInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dist + path.sep);
  registerWasmTrainingKernels();
  if (threads <= 1) {
    if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
    return { threads: 1, detail: 'wasm SIMD, 1 thread' };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-threads-'));
  const outDir = path.join(dist, '..', 'wasm-out');
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
    if (!(await tf.setBackend('wasm'))) throw new Error('threaded wasm backend failed to initialise');
    await tf.ready();
  } finally {
    URL.createObjectURL = origCreate;
    os.cpus = origCpus;
  }
  const actual = wasm.getThreadsCount();
  return { threads: actual, detail: `wasm SIMD, ${actual} threads (threaded build via worker_threads)` };
}
