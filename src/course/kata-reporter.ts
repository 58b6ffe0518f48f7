/**
 * The kata runner's Vitest reporter (src/course/vitest.ts adds it to every kata run):
 *  - KATA_LOG_FILE: writes, per test, what the learner's code printed (console.log/error: Vitest's
 *    onUserConsoleLog), the test's text annotations (the curves' terminal lines) and a skipped test's note,
 *    so the runner can show them under the test that printed them;
 *  - progress lines ("[progress] epoch 2 of 4 …", printed by the experiments) go to stdout at once as
 *    "kata-progress: …", for the runner's live status line; they are not stored as the test's output.
 * It judges nothing: the verdict (solved or not, in every mode, watch included) is src/course/verdict.ts's.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule, TestCase } from 'vitest/node';
import type { UserConsoleLog } from 'vitest';
import { PROGRESS_PREFIX } from './tiers.js';

/** The runner's line for the first failed test, as soon as it fails: FIRST_FAILURE_LINE + JSON of FirstFailure. */
export const FIRST_FAILURE_LINE = 'kata-first-failure: ';

/** With KATA_RUN_END_MARK=1: printed at the end of every run (watch mode too). */
export const RUN_END_LINE = 'kata-run-end';

export interface FirstFailure {
  file: string;
  titlePath: string[];
  message: string;
}

export interface TestLog {
  /** The describe titles around the test (outermost first) and its title. */
  titlePath: string[];
  /** What the test printed, in order. */
  logs: Array<{ type: 'stdout' | 'stderr'; content: string }>;
  /** Text of its annotations (the curves' terminal lines; an SVG chart's caption). */
  annotations: string[];
  /** A skipped test's note (ctx.skip(note)). */
  skipNote?: string;
}

export interface KataLogReport {
  /** Per test file (absolute path): its tests in order. */
  files: Record<string, TestLog[]>;
  /** Printed outside any test (module top level, beforeAll/afterAll hooks). */
  outside: string[];
}

function titlePath(t: TestCase): string[] {
  const names: string[] = [t.name];
  for (let p = t.parent; p.type === 'suite'; p = p.parent) names.unshift(p.name);
  return names;
}

export default class KataReporter implements Reporter {
  private logs = new Map<string, Array<{ type: 'stdout' | 'stderr'; content: string }>>();
  private outside: string[] = [];
  private firstShown = false;

  onTestRunStart(): void {
    this.logs.clear();
    this.outside = [];
    this.firstShown = false;
  }

  /** The first failure goes to the runner at once (KATA_LOG_FILE runs): the learner reads it while the rest runs. */
  onTestCaseResult(t: TestCase): void {
    const r = t.result();
    if (this.firstShown || r.state !== 'failed' || !process.env.KATA_LOG_FILE) return;
    this.firstShown = true;
    const message = (r.errors ?? []).map((e) => e.stack || e.message).join('\n');
    const first: FirstFailure = { file: t.module.moduleId, titlePath: titlePath(t), message };
    process.stdout.write(`${FIRST_FAILURE_LINE}${JSON.stringify(first)}\n`);
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    const lines = log.content.replace(/\n$/, '');
    if (lines.startsWith(PROGRESS_PREFIX)) {
      process.stdout.write(`kata-progress: ${lines.slice(PROGRESS_PREFIX.length).split('\n')[0]}\n`);
      return;
    }
    if (!log.taskId) {
      this.outside.push(lines);
      return;
    }
    const list = this.logs.get(log.taskId) ?? [];
    list.push({ type: log.type, content: lines });
    this.logs.set(log.taskId, list);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const out = process.env.KATA_LOG_FILE;
    if (out) {
      const report: KataLogReport = { files: {}, outside: [] };
      const seen = new Set<string>();
      for (const m of modules) {
        report.files[m.moduleId] = [...m.children.allTests()].map((t) => {
          seen.add(t.id);
          const r = t.result();
          const entry: TestLog = {
            titlePath: titlePath(t),
            logs: this.logs.get(t.id) ?? [],
            annotations: t.annotations().map((a) => a.message),
          };
          if (r.state === 'skipped' && r.note) entry.skipNote = r.note;
          return entry;
        });
      }
      for (const [id, logs] of this.logs) if (!seen.has(id)) report.outside.push(...logs.map((l) => l.content));
      report.outside.push(...this.outside);
      writeFileSync(out, JSON.stringify(report));
    }
    if (process.env.KATA_RUN_END_MARK) process.stdout.write(`\n${RUN_END_LINE}\n`); // `kata timings` measures watch re-runs
  }
}
