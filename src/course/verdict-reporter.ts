/**
 * A Vitest reporter of the kata suite (added by runSuite and the watch/UI modes of the runner): appends, in the
 * Vitest main process, one JSON line per run to KATA_EVENTS_FILE — the same file ./verdict-setup.ts writes
 * from inside the workers:
 *
 *   {"e":"run-start"}
 *   {"e":"run-end","reason":R,"errors":[{name,message}],"modules":[{file,state,errors,tests:[{title,fullName,state,errors}]}]}
 *
 * The JSON reporter leaves out the unhandled errors (a worker that exited, a rejection outside any test),
 * which is where a crashed test process shows; watch mode reads the test states from here (no JSON report).
 */
import { appendFileSync } from 'node:fs';
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

function emit(o: Record<string, unknown>): void {
  const out = process.env.KATA_EVENTS_FILE;
  if (!out) return;
  try {
    appendFileSync(out, JSON.stringify({ t: Date.now(), ...o }) + '\n');
  } catch {
    // nothing to do: the runner then sees no run-end and says so
  }
}

export default class VerdictReporter implements Reporter {
  onTestRunStart(): void {
    emit({ e: 'run-start' });
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    emit({
      e: 'run-end',
      reason,
      errors: errors.map((x) => ({ name: x.name ?? 'Error', message: x.message ?? String(x), cause: (x.cause as { message?: string } | undefined)?.message, testPath: (x as { VITEST_TEST_PATH?: string }).VITEST_TEST_PATH })),
      modules: modules.map((m) => ({
        file: m.moduleId,
        state: m.state(),
        errors: m.errors().map((x) => x.message),
        tests: [...m.children.allTests()].map((t) => {
          const r = t.result();
          return {
            title: t.name,
            fullName: t.fullName,
            ancestorTitles: ancestors(t),
            state: r.state,
            errors: (r.errors ?? []).map((x) => x.message),
          };
        }),
      })),
    });
  }
}

function ancestors(t: { parent: { type: string; name?: string; parent?: unknown } }): string[] {
  const out: string[] = [];
  let p = t.parent as { type: string; name?: string; parent?: unknown } | undefined;
  while (p && p.type === 'suite') {
    out.unshift(p.name ?? '');
    p = p.parent as typeof p;
  }
  return out;
}
