/**
 * The kata runner's Vitest reporter (src/course/vitest.ts adds it to every kata run):
 *  - KATA_LOG_FILE: writes, per test, what the learner's code printed (console.log/error: Vitest's
 *    onUserConsoleLog), the test's text annotations (the curves' terminal lines) and a skipped test's note,
 *    so the runner can show them under the test that printed them;
 *  - progress lines ("[progress] epoch 2 of 4 …", printed by the experiments) go to stdout at once as
 *    "kata-progress: …", for the runner's live status line; they are not stored as the test's output;
 *  - KATA_WATCH_KATA (watch mode): after every run, the verdict for that kata (every collected test of its
 *    file ran and passed, no file error) is printed and a solve is recorded in the progress file.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule, TestCase } from 'vitest/node';
import type { UserConsoleLog } from 'vitest';
import { loadProgress, saveProgress } from './progress.js';
import { PROGRESS_PREFIX } from './tiers.js';
import { loadManifest } from './manifest.js';
import { isSolutionCopy } from './solution-copy.js';

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
      if (!process.env.KATA_WATCH_KATA) process.stdout.write(`kata-progress: ${lines.slice(PROGRESS_PREFIX.length).split('\n')[0]}\n`);
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
    const kata = process.env.KATA_WATCH_KATA;
    if (kata) this.recordWatchRun(kata, modules);
    if (process.env.KATA_RUN_END_MARK) process.stdout.write(`\n${RUN_END_LINE}\n`); // `kata timings` measures watch re-runs
  }

  /** Watch mode: the verdict of this run for the watched kata; a solve is recorded like the runner's. */
  private recordWatchRun(kata: string, modules: ReadonlyArray<TestModule>): void {
    const m = modules.find((x) => path.basename(x.moduleId) === `${kata}.test.ts`);
    if (!m) return;
    const tests = [...m.children.allTests()];
    const states = tests.map((t) => t.result().state);
    const solved = tests.length > 0 && states.every((s) => s === 'passed') && m.errors().length === 0 && m.state() === 'passed';
    const root = process.env.KATA_ROOT ? path.resolve(process.env.KATA_ROOT) : process.cwd();
    if (!solved) {
      const skipped = states.filter((s) => s === 'skipped').length;
      if (skipped) process.stdout.write(`\nkata ${kata}: ${skipped} slow test${skipped === 1 ? '' : 's'} not run: the fast ones fail first\n`);
      return;
    }
    if (process.env.KATA_TARGET === 'solution') return;
    const { progress } = loadProgress(root);
    const k = progress.caughtUp.includes(kata) ? loadManifest(root).katas.find((x) => x.name === kata) : undefined;
    if (k && isSolutionCopy(k, root)) {
      process.stdout.write(`\nKata ${kata} passes with the reference files that catch-up put in place: still caught up, not solved. Ctrl-C to stop watching.\n`);
      return;
    }
    progress.caughtUp = progress.caughtUp.filter((x) => x !== kata);
    const already = progress.solved.includes(kata);
    if (!already) {
      progress.solved.push(kata);
      saveProgress(root, progress);
    }
    process.stdout.write(`\nKata ${kata} solved!${already ? '' : ' (recorded: npm run kata shows it ✓)'} Ctrl-C to stop watching.\n`);
  }
}
