/**
 * Import this FIRST in every CLI that loads TensorFlow.js (before any module that imports src/lib/tf.ts):
 * ES modules run in import order, and src/lib/tf.ts picks the backend while it loads. A bad `--backend`
 * or KATA_BACKEND then ends the command here with one line and exit status 2, instead of a stack trace
 * from tf.ts's top-level await.
 */
import path from 'node:path';
import { BackendOverrideError, requestedBackend } from '../lib/backend-override.js';

try {
  requestedBackend();
} catch (e) {
  if (!(e instanceof BackendOverrideError)) throw e;
  process.stderr.write(`${path.basename(process.argv[1] ?? 'cli', '.ts')}: ${e.message}\n`);
  process.exit(2);
}
