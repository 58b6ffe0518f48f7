/**
 * A Vitest reporter for `kata grade` (added by runSuite({ timings: true })): writes, for every test file,
 * the seconds Vitest spent importing it (the learner's code included) and running its tests and hooks
 * (ModuleDiagnostic collectDuration + duration) to the JSON file named by env KATA_TIMING_FILE.
 * The JSON reporter's per-file start/end only spans the tests, not beforeAll hooks nor the import.
 */
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export default class TimingReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const out = process.env.KATA_TIMING_FILE;
    if (!out) return;
    const seconds: Record<string, number> = {};
    for (const m of modules) {
      const d = m.diagnostic();
      seconds[m.moduleId] = (d.collectDuration + d.duration) / 1000;
    }
    writeFileSync(out, JSON.stringify(seconds));
  }
}
