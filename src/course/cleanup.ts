/**
 * Temp folders of the course machinery (the kata runner's report folder), removed on every exit: the normal
 * path removes its own; this removes what is left when the process ends early — process.exit, an uncaught
 * error, Ctrl-C (SIGINT), SIGTERM or SIGHUP (the terminal closed). The one place for it: other code that handles
 * those signals (the runner's child process, "verdict") adds its own listener; when this is the only listener
 * of a signal it re-raises it after cleaning, so the process still ends as the signal would have ended it.
 */
import { rmSync } from 'node:fs';

const dirs = new Set<string>();
let installed = false;

function removeAll(): void {
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort on the way out
    }
  }
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      removeAll();
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/** Removes `dir` on any exit of this process; call the returned function to remove it now (and forget it). */
export function removeOnExit(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => {
    dirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
