/**
 * The backend override (`--backend X`, `--backend=X` or KATA_BACKEND=X): its names and its check.
 * No TensorFlow.js here, so a CLI can reject a bad name (one line, exit 2) before src/lib/tf.ts loads
 * and picks the backend at import time.
 */
export const BACKEND_OVERRIDES = ['tensorflow', 'gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendOverride = (typeof BACKEND_OVERRIDES)[number];

/** A bad override: its message is one line naming the flag or variable, the choices and the value. */
export class BackendOverrideError extends Error {
  override name = 'BackendOverrideError';
}

/** Reads `--backend X` / `--backend=X` from argv, then KATA_BACKEND; undefined when neither is set. */
export function requestedBackend(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): BackendOverride | undefined {
  let raw: string | undefined;
  let source = 'KATA_BACKEND';
  const i = argv.findIndex((a) => a === '--backend' || a.startsWith('--backend='));
  if (i >= 0) {
    raw = argv[i]!.includes('=') ? argv[i]!.slice(argv[i]!.indexOf('=') + 1) : argv[i + 1];
    source = '--backend';
  }
  if (raw === undefined) {
    raw = env.KATA_BACKEND;
    source = 'KATA_BACKEND';
  }
  if (raw === undefined || raw === '') return undefined;
  const v = raw.toLowerCase();
  if (!(BACKEND_OVERRIDES as readonly string[]).includes(v)) {
    throw new BackendOverrideError(`${source}: expected one of ${BACKEND_OVERRIDES.join(', ')}, got "${raw}"`);
  }
  return v as BackendOverride;
}
