/**
 * Vitest's default reporter for `npm run kata N -- --watch` and `-- --ui`, less one thing: a test worker that the
 * runner's watchdog stopped, or that the learner's code ended (process.exit, a kill, out of memory), is reported
 * by Vitest as "Unhandled Error: [vitest-pool]: Worker forks emitted error … Worker exited unexpectedly" with a
 * stack of Vitest's own files. The runner's verdict line (./verdict.ts) says what happened and where, in the
 * learner's terms; the rest of Vitest's report is kept.
 */
import { DefaultReporter, type TestModule } from 'vitest/node';

type RunEndArgs = Parameters<DefaultReporter['onTestRunEnd']>;

/** Vitest's own report of a test worker that ended before its file did. */
export function isWorkerExit(e: unknown): boolean {
  const message = (e as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message.startsWith('[vitest-pool]: Worker');
}

export default class WatchReporter extends DefaultReporter {
  override onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: RunEndArgs[1], reason: RunEndArgs[2]): void {
    super.onTestRunEnd(testModules, unhandledErrors.filter((e) => !isWorkerExit(e)), reason);
  }
}
