/**
 * The kata suite's backend line (a setup file of vitest.config.ts, Node only), e.g.
 * `backend: wasm (SIMD, 1 thread: under Vitest, …) — @tensorflow/tfjs-node-gpu is not installed; …`:
 * printed by the first test worker of a run once its backend is up, straight to Vitest's stdout — the runner
 * shows it above the kata's header, verify and grade read it. It is the worker's own backend, the one the tests
 * run on. (test/global-setup.ts used to load TensorFlow.js in Vitest's main process only to print this line:
 * ~1.3 CPU-s before every kata run's first test.)
 */
import { closeSync, openSync } from 'node:fs';
import { inject } from 'vitest';
import { backendLine } from '../../src/lib/tf.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A file that does not exist yet (test/global-setup.ts): the first worker of the run creates it and prints. */
    kataBackendMarker: string;
  }
}

try {
  closeSync(openSync(inject('kataBackendMarker'), 'wx'));
  process.stdout.write(`${backendLine()}\n`);
} catch {
  // an earlier worker of this run printed it
}
