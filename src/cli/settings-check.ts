/**
 * The run settings every CLI checks before TensorFlow.js or Vitest starts: the backend override
 * (`--backend X` / KATA_BACKEND) and the thread count (`--threads N` / KATA_THREADS). One line naming the flag
 * or variable the learner used, what was expected and what came; undefined when all is well.
 * No tfjs here: src/cli/backend-flag.ts (train, doctor, …) and the kata runner call it first.
 */
import { BackendOverrideError, missingOverridePackage, requestedBackend } from '../lib/backend-override.js';
import { chooseThreads, ThreadCountError } from '../lib/threads/count.js';

export interface SettingsCheck {
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Also refuse a valid override whose package is not installed (the kata runner: before Vitest starts). */
  installed?: boolean;
}

export function settingsProblem(opts: SettingsCheck = {}): string | undefined {
  const argv = opts.argv ?? process.argv;
  const env = opts.env ?? process.env;
  try {
    const b = requestedBackend(argv, env);
    chooseThreads(argv, env);
    if (b && opts.installed) return missingOverridePackage(b, argv.some((a) => a === '--backend' || a.startsWith('--backend=')) ? '--backend' : 'KATA_BACKEND');
    return undefined;
  } catch (e) {
    if (e instanceof BackendOverrideError || e instanceof ThreadCountError) return e.message;
    throw e;
  }
}
