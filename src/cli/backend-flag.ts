/**
 * Import this FIRST in every CLI that loads TensorFlow.js (before any module that imports src/lib/tf.ts):
 * ES modules run in import order, and src/lib/tf.ts picks the backend and its thread count while it loads.
 * A bad `--backend` / KATA_BACKEND or `--threads` / KATA_THREADS then ends the command here with one line
 * and exit status 2, instead of a stack trace from tf.ts's top-level await.
 */
import path from 'node:path';
import { BackendOverrideError, requestedBackend } from '../lib/backend-override.js';
import { chooseThreads, ThreadCountError } from '../lib/threads/count.js';

try {
  requestedBackend();
  chooseThreads();
} catch (e) {
  if (!(e instanceof BackendOverrideError || e instanceof ThreadCountError)) throw e;
  process.stderr.write(`${path.basename(process.argv[1] ?? 'cli', '.ts')}: ${e.message}\n`);
  process.exit(2);
}
