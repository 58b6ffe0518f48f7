/**
 * How many CPU threads the project's wasm path uses, decided once per process:
 *
 *   `--threads N` / `--threads=N` on the command line → KATA_THREADS=N → the default:
 *   os.availableParallelism() (the cores this process may use), except under Vitest, which already runs test
 *   files in parallel processes, one per core: there each process keeps 1 thread (see docs/performance.md).
 *
 * N = 1 forces the single-threaded SIMD build. Bad input throws one line naming the flag or variable.
 */
import os from 'node:os';

export interface ThreadChoice {
  /** Threads asked for (>= 1). The wasm backend reports what it actually got. */
  threads: number;
  /** Why: 'requested by --threads=1', '2 cores (os.availableParallelism())', … */
  reason: string;
}

/** A bad --threads / KATA_THREADS: the message names the flag or variable, what was expected and what came. */
export class ThreadCountError extends Error {
  override name = 'ThreadCountError';
}

function parse(raw: string, from: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1) {
    throw new ThreadCountError(`${from}: expected a positive integer number of threads, got "${raw}"`);
  }
  return n;
}

/** Reads `--threads N` / `--threads=N` from argv, then KATA_THREADS, else the default for this machine. */
export function chooseThreads(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): ThreadChoice {
  const i = argv.findIndex((a) => a === '--threads' || a.startsWith('--threads='));
  if (i >= 0) {
    const raw = argv[i]!.includes('=') ? argv[i]!.slice('--threads='.length) : (argv[i + 1] ?? '');
    const threads = parse(raw, '--threads');
    return { threads, reason: `requested by --threads=${threads}` };
  }
  if (env.KATA_THREADS !== undefined && env.KATA_THREADS !== '') {
    const threads = parse(env.KATA_THREADS, 'KATA_THREADS');
    return { threads, reason: `requested by KATA_THREADS=${threads}` };
  }
  if (env.VITEST) return { threads: 1, reason: 'under Vitest, which runs test files in parallel (KATA_THREADS=N to change)' };
  const cores = os.availableParallelism();
  return { threads: cores, reason: `${cores} core${cores === 1 ? '' : 's'} (os.availableParallelism())` };
}
