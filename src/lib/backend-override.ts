/**
 * The backend override (`--backend X`, `--backend=X` or KATA_BACKEND=X): its names and its check.
 * No TensorFlow.js here, so a CLI can reject a bad name (one line, exit 2) before src/lib/tf.ts loads
 * and picks the backend at import time.
 */
import { createRequire } from 'node:module';

export const BACKEND_OVERRIDES = ['tensorflow', 'gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendOverride = (typeof BACKEND_OVERRIDES)[number];

/** A bad override: its message is one line naming the flag or variable, the choices and the value. */
export class BackendOverrideError extends Error {
  override name = 'BackendOverrideError';
}

/**
 * A valid override whose backend cannot load (its package is not installed, or libtensorflow fails to start):
 * one line naming the flag or variable, what it needs, what came, and the way out.
 */
export class BackendLoadError extends Error {
  override name = 'BackendLoadError';
}

/** Where the override came from: the flag when argv has one, else the variable. */
export function backendSource(argv: readonly string[] = process.argv): '--backend' | 'KATA_BACKEND' {
  return argv.some((a) => a === '--backend' || a.startsWith('--backend=')) ? '--backend' : 'KATA_BACKEND';
}

/** The packages a Node override needs, any one of them (tensorflow: tfjs-node-gpu else tfjs-node). */
export const OVERRIDE_PACKAGES: Record<BackendOverride, readonly string[]> = {
  gpu: ['@tensorflow/tfjs-node-gpu'],
  node: ['@tensorflow/tfjs-node'],
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: [],
};

/** The one line for an override that cannot load: `--backend gpu: expected …, got …; the way out`. */
export function backendLoadMessage(override: BackendOverride, got: string, source: string = backendSource()): string {
  const pkgs = OVERRIDE_PACKAGES[override];
  const need = pkgs.length ? pkgs.join(' or ') : 'the cpu backend';
  const what = got.replace(/^@tensorflow\/[\w-]+ (is )?/, ''); // "@tensorflow/tfjs-node-gpu is not installed" → "not installed"
  const install = override === 'gpu' || override === 'tensorflow'
    ? 'npm install @tensorflow/tfjs-node-gpu (it needs CUDA 11.2 + cuDNN 8.1; npm run doctor says what is missing)'
    : pkgs.length ? `npm install ${pkgs[0]}` : 'npm install';
  return `${source} ${override}: expected ${need} to load, got "${what}"; ${install}, or leave ${source} out for the automatic choice`;
}

/**
 * Without loading TensorFlow.js: the line for an override whose package is not installed (resolved from
 * this module, as src/lib/tf.ts resolves it), undefined when it can be tried.
 */
export function missingOverridePackage(override: BackendOverride, source: string = backendSource(), resolve: (id: string) => string = createRequire(import.meta.url).resolve): string | undefined {
  const pkgs = OVERRIDE_PACKAGES[override];
  const found = pkgs.some((p) => {
    try {
      resolve(`${p}/package.json`);
      return true;
    } catch {
      return false;
    }
  });
  if (pkgs.length === 0 || found) return undefined;
  return backendLoadMessage(override, 'not installed', source);
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
