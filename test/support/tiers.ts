/**
 * Fast and slow tiers of a kata's tests, inside one Vitest run (the kata suite's setup file installs them).
 *
 * katas/manifest.json marks a kata's slow tests (training, experiments) by test-title substrings ("slow");
 * vitest.config.ts hands those lists to the test process (`provide`, read here with `inject`, so the same code
 * runs in Node and in the browser). A slow test is skipped (`ctx.skip`, status "skipped") when a fast test of
 * the same file failed before it, unless the run asked for everything (`npm run kata N -- --all`: KATA_ALL=1).
 * A skipped test is never a pass: a run whose slow tier was skipped is not "solved".
 *
 * Slow tests are declared after the fast ones: a fast test that runs after a slow one fails with a message
 * that says so (a course bug). Expensive loading for slow tests goes into `slowBeforeAll` (or inside the slow
 * tests), so that it does not run when the slow tier is skipped.
 */
import { beforeAll, beforeEach, inject, type TestContext } from 'vitest';
import { SLOW_SKIP_NOTE } from '../../src/course/tiers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Per kata name ("03-diverging-accuracy"): the manifest's slow-test title substrings. */
    kataSlow: Record<string, string[]>;
    /** KATA_ALL=1: run every test, slow ones included, whatever the fast ones did. */
    kataAll: boolean;
  }
}


const state = { fastFailed: false, slowRan: '' };

function provided<K extends 'kataSlow' | 'kataAll'>(key: K): ReturnType<typeof inject<K>> | undefined {
  try {
    return inject(key);
  } catch {
    return undefined;
  }
}

/** The kata of a test file path: "katas/03-x/03-x.test.ts" → "03-x". */
function kataOfFile(file: string): string {
  return /([^/\\]+)\.test\.ts$/.exec(file)?.[1] ?? '';
}

/** The title of a test and of every describe block around it, as one string (as the JSON report's fullName). */
function fullName(task: TestContext['task']): string {
  const names: string[] = [task.name];
  for (let s = task.suite; s && s.name; s = s.suite) names.unshift(s.name);
  return names.join(' ');
}

/** Is this test (of this kata file) in the slow tier? */
export function isSlow(file: string, title: string, full = title): boolean {
  const marks = provided('kataSlow')?.[kataOfFile(file)] ?? [];
  return marks.some((m) => title.includes(m) || full.includes(m));
}

/** True once a fast test of this file failed and the run does not ask for everything. */
export function slowTierSkipped(): boolean {
  return state.fastFailed && !provided('kataAll');
}

/** A beforeAll for slow tests' data: runs `fn` only when the slow tier will run. */
export function slowBeforeAll(fn: () => unknown, timeout?: number): void {
  beforeAll(async () => {
    if (!slowTierSkipped()) await fn();
  }, timeout);
}

/** Installs the tiers for every test of the file (the kata suite's setup file calls it). */
export function installTiers(): void {
  beforeEach((ctx) => {
    const task = ctx.task;
    const file = task.file?.filepath ?? task.file?.name ?? '';
    const full = fullName(task);
    if (!isSlow(file, task.name, full)) {
      if (state.slowRan) {
        throw new Error(
          `course bug: the fast test "${task.name}" is declared after the slow test "${state.slowRan}" ` +
            '(katas/manifest.json "slow"): declare the slow tests last, so that a fast failure shows first',
        );
      }
      ctx.onTestFailed(() => {
        state.fastFailed = true;
      });
      return;
    }
    state.slowRan ||= task.name;
    if (slowTierSkipped()) ctx.skip(SLOW_SKIP_NOTE);
  });
}
