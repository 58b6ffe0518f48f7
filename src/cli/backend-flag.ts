/**
 * Import this FIRST in every CLI that loads TensorFlow.js (before any module that imports src/lib/tf.ts):
 * ES modules run in import order, and src/lib/tf.ts picks the backend and its thread count while it loads.
 * A bad `--backend` / KATA_BACKEND or `--threads` / KATA_THREADS then ends the command here with one line
 * and exit status 2, instead of a stack trace from tf.ts's top-level await (./settings-check.ts).
 *
 * A valid override that cannot load (`--backend gpu` without tfjs-node-gpu) is only known once tf.ts tries it:
 * its BackendLoadError rejects tf.ts's top-level await, which Node reports as an uncaught exception of the
 * entry module. The handler below turns that one error into one line and exit 2; any other error is
 * reported as Node would (its stack, exit 1). `--verbose` keeps the stack.
 */
import path from 'node:path';
import { settingsProblem } from './settings-check.js';

const name = path.basename(process.argv[1] ?? 'cli', '.ts');

const problem = settingsProblem();
if (problem) {
  process.stderr.write(`${name}: ${problem}\n`);
  process.exit(2);
}

process.on('uncaughtException', (e: unknown) => {
  if (e instanceof Error && e.name === 'BackendLoadError' && !process.argv.includes('--verbose')) {
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
