/**
 * The kata runner.
 *
 *   npm run kata                      list the katas with progress (✓ solved, ▶ current, · to do)
 *   npm run kata 3                    run kata 3's tests against your files (also 03, 03-name, name)
 *   npm run kata 3 -- --hint          the next hint of the ladder
 *   npm run kata 3 -- --watch         re-run on every save (Vitest watch mode)
 *   npm run kata 3 -- --ui            Vitest UI for that kata
 *   npm run kata 3 -- --solution      the same tests against solutions/ (through the Vitest alias)
 *   npm run kata 3 -- --show-solution the reference solution's source (and a short diff with yours), once kata 3
 *                                     is solved or its last hint was seen (./kata-solution.ts)
 *   npm run kata 3 -- --verbose       also stream Vitest's own output (and all of what your code printed)
 *   npm run kata 3 -- --all           also the slow tests (training, experiments) when a fast one fails
 *   npm run kata 3 -- --browser       the same tests in an installed Chromium/Chrome, on WebGPU else WebGL
 *                                     (--backend webgl|webgpu forces one; also with --solution, --watch, --ui)
 *   npm run kata reset 3              restore the starting file from git (your version is backed up)
 *   npm run kata catch-up 6           the reference files of katas 1..5 in place of yours (backed up first),
 *                                     marked "caught up", never "solved" (src/course/catch-up.ts)
 *   npm run kata class <folder>       instructors: grade every learner checkout in <folder> (--jobs N, --json),
 *                                     a table learners × katas and where the room is stuck (./kata-class.ts)
 *   npm run kata verify               course check: every starter fails for its reason, every solution passes
 *   npm run kata grade                instructors: every kata against the learner's files (--json, --junit FILE;
 *                                     exit 0 whatever the score), see ./kata-grade.ts
 *   npm run kata checksums            course developers: rewrite katas/checksums.json (--check: only check)
 *   npm run kata timings              course developers: per kata, seconds to the first failure, of the solution
 *                                     run and of a --watch re-run, with the load (see ./kata-timings.ts)
 *
 * Exit codes: 0 all tests pass / done; 1 tests fail or verify found problems; 2 usage errors
 * (unknown kata, invalid manifest).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import chalk from 'chalk';
import { Command, type CommanderError } from 'commander';
import { oneLine } from './usage.js';
import { explainFailure, reachedLesson, type BlameContext } from '../course/blame.js';
import { settingsProblem } from './settings-check.js';
import { courseRoot, findKata, kataPaths, loadManifest, ManifestError, repoRoot, timeLimits, type Kata, type Manifest } from '../course/manifest.js';
import { judge, readEvents } from '../course/verdict.js';
import { killTree, ownTree } from '../course/processes.js';
import { removeOnExit } from '../course/cleanup.js';
import { startTypecheck, startTypecheckServer, type TypecheckRun } from '../course/typecheck.js';
import { loadProgress, ProgressError, saveProgress, type Progress } from '../course/progress.js';
import { resetKata, ResetError, type ResetOutcome } from '../course/reset.js';
import { catchUp, CatchUpError } from '../course/catch-up.js';
import { isSolutionCopy } from '../course/solution-copy.js';
import { showSolution } from './kata-solution.js';
import { ClassUsageError, DEFAULT_JOBS, runClass } from './kata-class.js';
import { formatVerifyTable, verify } from '../course/verify.js';
import { GradeUsageError, runChecksums, runGrade } from './kata-grade.js';
import { runTimings, type TimingsOptions } from './kata-timings.js';
import { kataEnv, pastLimit, runningFiles, runSuite, testTimeoutArgs, trimFailure, vitestBin, type AssertionResult, type Target } from '../course/vitest.js';
import { FIRST_FAILURE_LINE, type FirstFailure, type TestLog } from '../course/kata-reporter.js';
import { SLOW_SKIP_NOTE } from '../course/tiers.js';
import { vitestUiArgs } from '../course/ui.js';
import { BROWSER_BACKENDS, browserEnv, findBrowser, NoBrowserError, type BrowserBackend } from '../course/browser.js';

const root = courseRoot();

class UsageError extends Error {}

function num(k: Kata): string {
  return String(k.id).padStart(2, '0');
}

/** How the learner calls a kata: by its number as written in the name ("03"). */
function ref(k: Kata): string {
  return k.name.split('-')[0]!;
}

function rel(p: string): string {
  return path.relative(process.cwd(), p) || '.';
}

function manifest(): Manifest {
  return loadManifest(root);
}

function progress(): Progress {
  const { progress: p, warning } = loadProgress(root);
  if (warning) console.error(chalk.yellow(`warning: ${warning}`));
  return p;
}

function kataOrExit(m: Manifest, query: string): Kata {
  const k = findKata(m, query);
  if (k) return k;
  const list = m.katas.length
    ? m.katas.map((x) => `  ${num(x)}  ${x.name.padEnd(28)} ${x.title}`).join('\n')
    : '  (none: katas/manifest.json lists no katas yet)';
  throw new UsageError(`unknown kata "${query}". The katas are:\n${list}\nRun one with: npm run kata <number>`);
}

function listKatas(): void {
  const m = manifest();
  const p = progress();
  const solved = new Set(p.solved);
  const caught = new Set(p.caughtUp.filter((k) => !solved.has(k)));
  if (m.katas.length === 0) {
    console.log(`No katas yet: ${rel(m.file)} lists none.`);
    return;
  }
  const current = m.katas.find((k) => !solved.has(k.name) && !caught.has(k.name));
  const done = m.katas.filter((k) => solved.has(k.name)).length;
  const nCaught = m.katas.filter((k) => caught.has(k.name)).length;
  console.log(chalk.bold(`Katas — ${done}/${m.katas.length} solved`) + (nCaught ? chalk.bold(`, ${nCaught} caught up`) : ''));
  const width = Math.max(...m.katas.map((k) => k.name.length));
  for (const k of m.katas) {
    const mark = solved.has(k.name) ? chalk.green('✓') : caught.has(k.name) ? chalk.blue('↷') : k === current ? chalk.cyan('▶') : chalk.dim('·');
    const line = `${mark} ${k.name.padEnd(width)}  ${k.title}` + (caught.has(k.name) ? chalk.dim('  (caught up: the reference files)') : '');
    console.log(k === current ? chalk.bold(line) : line);
  }
  console.log();
  if (nCaught) console.log(chalk.dim(`↷ caught up: put in place by npm run kata catch-up; solve it yourself and it becomes ✓`));
  if (current) console.log(`Next: ${chalk.cyan(`npm run kata ${ref(current)}`)}  (${current.title})`);
  else if (nCaught) console.log(chalk.green('Every kata is solved or caught up.'));
  else console.log(chalk.green('All katas solved.'));
}

function showHint(k: Kata): void {
  const p = progress();
  const shown = p.hintsShown[k.name] ?? 0;
  const i = Math.min(shown, k.hints.length - 1);
  console.log(chalk.bold(`Hint ${i + 1} of ${k.hints.length} for ${k.name}:`));
  console.log(`  ${k.hints[i]}`);
  if (i + 1 < k.hints.length) {
    console.log(chalk.dim(`\nAsk again for the next one: npm run kata ${ref(k)} -- --hint`));
  } else {
    console.log(chalk.dim(`\nThat was the last hint. Re-read ${rel(kataPaths(k, root).readme)}; as a last resort: npm run kata ${ref(k)} -- --show-solution`));
  }
  p.hintsShown[k.name] = Math.max(shown, i + 1);
  saveProgress(root, p);
}

/**
 * `--browser [--backend webgl|webgpu]`: the environment that runs the kata's tests in an installed
 * Chromium/Chrome (nothing downloaded); `--backend X` without `--browser`: KATA_BACKEND=X for Node.
 * Undefined: the default Node run.
 */
function backendEnv(opts: { browser?: boolean; backend?: string }): NodeJS.ProcessEnv | undefined {
  const b = opts.backend?.toLowerCase();
  if (opts.browser) {
    if (b !== undefined && !(BROWSER_BACKENDS as readonly string[]).includes(b)) {
      throw new UsageError(`--backend: expected ${BROWSER_BACKENDS.join(' or ')} with --browser, got "${opts.backend}"`);
    }
    return browserEnv(findBrowser().path, b as BrowserBackend | undefined);
  }
  if (b !== undefined && (BROWSER_BACKENDS as readonly string[]).includes(b)) {
    throw new UsageError(`--backend ${b}: the ${b} backend runs in a browser: add --browser (npm run kata N -- --browser --backend ${b})`);
  }
  nodeSettingsOrExit(opts.backend);
  return b === undefined ? undefined : { KATA_BACKEND: b };
}

/**
 * The backend and thread settings of a Node run (`--backend X`, KATA_BACKEND, KATA_THREADS), checked before
 * Vitest starts, as src/cli/backend-flag.ts does for train and doctor: one line naming the flag or variable
 * the learner used, exit 2 — not a stack trace from the child's global setup.
 */
function nodeSettingsOrExit(flagBackend?: string): void {
  const problem = settingsProblem({ argv: flagBackend === undefined ? [] : ['--backend', flagBackend], env: process.env, installed: true });
  if (problem) throw new UsageError(problem);
}

function blameContext(k: Kata): BlameContext {
  const paths = kataPaths(k, root);
  return { root, testFile: paths.test, kataFiles: paths.files, ref: ref(k) };
}

/** A teaching test that failed after reaching the lesson's code (not a missing export or file, not memory). */
function isTeaching(k: Kata, t: AssertionResult): boolean {
  return k.mustFail.some((s) => t.title.includes(s) || t.fullName.includes(s)) && reachedLesson(t.failureMessages.join('\n'), blameContext(k));
}

async function interactive(k: Kata, target: Target, mode: 'watch' | 'ui', extraEnv?: NodeJS.ProcessEnv, all = false): Promise<number> {
  const test = kataPaths(k, root).test;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kata-watch-'));
  const dropTemp = removeOnExit(tmp);
  const eventsFile = path.join(tmp, 'events.jsonl');
  // Vitest's default reporter for the learner, less its stack for a worker that ended early (the verdict line says
  // why: ../course/watch-reporter.ts); the kata reporter (logs) and the verdict's reporter (./verdict-reporter.ts).
  const reporters = [`--reporter=${path.join(repoRoot, 'src/course/watch-reporter.ts')}`, `--reporter=${path.join(repoRoot, 'src/course/kata-reporter.ts')}`, `--reporter=${path.join(repoRoot, 'src/course/verdict-reporter.ts')}`];
  const args = mode === 'watch' ? [vitestBin, test, ...reporters] : [vitestBin, ...(await vitestUiArgs()), test, ...reporters];
  console.log(chalk.dim(`${mode === 'watch' ? 'Watching' : 'Vitest UI for'} ${k.name}${target === 'solution' ? ' (against the solution)' : ''} — Ctrl-C to stop`));
  const env: NodeJS.ProcessEnv = { ...kataEnv(root, target, !!process.stdout.isTTY), ...extraEnv, ...(all ? { KATA_ALL: '1' } : {}), KATA_EVENTS_FILE: eventsFile };
  // In the terminal's process group (Vitest reads its keys): Ctrl-C reaches it from the terminal, and
  // SIGINT/SIGTERM/SIGHUP to this runner end it and every worker (src/course/processes.ts).
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: 'inherit' });
  const disown = ownTree(child);
  const limit = timeLimits(k).node;
  let judged = 0;
  let checking = Promise.resolve();
  const stopped = new Set<string>();
  // One checker for the session, kept up: a re-check after a save parses only that file. Each run's check starts
  // when the run does (Vitest's run-start), side by side with it, and the verdict awaits it at the run's end.
  const checker = startTypecheckServer();
  const checkFiles = target === 'solution' ? kataPaths(k, root).solutions : kataPaths(k, root).files;
  const checks: Promise<TypecheckRun>[] = [checker.check(root, checkFiles)];
  const tick = (): void => {
    const events = readEvents(eventsFile);
    const starts = events.filter((e) => e.e === 'run-start').length;
    while (checks.length < starts) checks.push(checker.check(root, checkFiles));
    // the watchdog: a worker past the kata's limit is killed; Vitest reports it and goes on watching
    for (const r of runningFiles(events)) {
      const { file, pid } = r;
      const key = `${file}@${r.started}`;
      const past = pastLimit(r, limit);
      if (stopped.has(key) || past === undefined || !pid) continue;
      stopped.add(key);
      killTree(pid);
      const v = judge(test, { exitCode: 0, signal: null, report: undefined, output: '', events, timedOut: new Map([[file, past]]) }, { root });
      console.log(chalk.red(`\n✗ Not solved: ${v.line}`));
    }
    // after each run: the verdict (src/course/verdict.ts), the same as npm run kata N; a solve is recorded
    const ends = events.filter((e) => e.e === 'run-end').length;
    if (ends <= judged) return;
    judged = ends;
    const lastStart = events.map((e) => e.e).lastIndexOf('run-start');
    const run = events.slice(Math.max(0, lastStart));
    const t0 = run[0]?.t ?? 0;
    const timedOut = new Map([...stopped].filter((key) => Number(key.split('@').at(-1)) >= t0).map((key) => [key.slice(0, key.lastIndexOf('@')), limit]));
    if (timedOut.size) return; // said when the watchdog stopped it
    const check = checks[Math.max(0, starts - 1)] ?? checker.check(root, checkFiles);
    checking = checking.then(async () => {
      const types = await check;
      const v = judge(test, { exitCode: 0, signal: null, report: undefined, output: '', events: run }, { root, typeProblems: [...types.problems.values()].flat(), typecheckError: types.error });
      if (!v.passed) {
        console.log(chalk.red(`\n✗ Not solved: ${v.line}`));
        if (v.kind === 'type error') showTypeErrors(types);
      } else if (target === 'solution') {
        console.log(chalk.green(`\n✓ All ${v.tests.total} tests pass on the reference solution.`));
      } else {
        const p = progress();
        const already = p.solved.includes(k.name);
        if (!already) {
          p.solved.push(k.name);
          saveProgress(root, p);
        }
        console.log(chalk.green.bold(`\nKata ${k.name} solved!${already ? '' : ' (recorded: npm run kata shows it ✓)'} Ctrl-C to stop watching.`));
      }
    });
  };
  const watchdog = setInterval(tick, 1000);
  watchdog.unref();
  const code = await new Promise<number>((resolve) =>
    child.on('close', (c) => {
      clearInterval(watchdog);
      tick();
      disown();
      void checking.then(() => checker.close());
      void checking.then(() => {
        dropTemp();
        resolve(c ?? 0);
      });
    }),
  );
  if (mode === 'watch' && !process.stdin.isTTY) {
    // Vitest watches only with a terminal on stdin (elsewhere it runs once and exits).
    console.log(chalk.yellow(`\n--watch stopped after one run: stdin is not a terminal (piped, or run by a script), so Vitest cannot watch. Run ${chalk.cyan(`npm run kata ${ref(k)} -- --watch`)} in a terminal.`));
  }
  return code;
}

/** Lines of the learner's output shown per test without --verbose; longer lines are cut at LOG_WIDTH. */
const LOG_LINES = 8;
const LOG_WIDTH = 160;

/** What a test printed (console.log/error) and its text annotations (curves), indented under it. */
function testOutput(entry: TestLog | undefined, verbose: boolean, k: Kata): string[] {
  if (!entry) return [];
  const out: string[] = [];
  for (const a of entry.annotations) out.push(...a.split('\n').map((l) => `      ${chalk.cyan(l)}`));
  const lines = entry.logs.flatMap((l) => l.content.split('\n').map((c) => ({ c, err: l.type === 'stderr' })));
  const shown = verbose ? lines : lines.slice(0, LOG_LINES);
  for (const { c, err } of shown) {
    const text = !verbose && c.length > LOG_WIDTH ? `${c.slice(0, LOG_WIDTH - 1)}…` : c;
    out.push(`      ${chalk.dim('│')} ${err ? chalk.yellow(text) : text}`);
  }
  const more = lines.length - shown.length;
  const cutLines = verbose ? 0 : shown.filter(({ c }) => c.length > LOG_WIDTH).length;
  if (more > 0 || cutLines > 0) {
    const what = [more > 0 ? `${more} more line${more === 1 ? '' : 's'}` : '', cutLines > 0 ? 'long lines cut' : ''].filter(Boolean).join(', ');
    out.push(`      ${chalk.dim(`│ … (${what}: npm run kata ${ref(k)} -- --verbose shows all of it)`)}`);
  }
  return out;
}

/** The katas a failure message blames ("kata 05: squeezeTargets …", the capstone's pre-check), other than k. */
function blamedKatas(k: Kata, message: string): Kata[] {
  const m = manifest();
  const ids = [...message.matchAll(/^\s*kata (\d{2,}): /gm)].map((x) => Number(x[1]));
  return [...new Set(ids)].filter((id) => id !== k.id).map((id) => m.katas.find((x) => x.id === id)).filter((x): x is Kata => !!x);
}

/** The live progress line of an experiment ("epoch 2 of 4 …"), on a terminal only. */
function progressLine(): { show: (text: string) => void; clear: () => void } {
  let shown = false;
  const tty = !!process.stdout.isTTY;
  return {
    show: (text) => {
      if (!tty) return;
      const width = (process.stdout.columns || 80) - 1;
      process.stdout.write(`\r\u001b[2K${chalk.dim(`  … ${text}`.slice(0, width))}`);
      shown = true;
    },
    clear: () => {
      if (shown) process.stdout.write('\r\u001b[2K');
      shown = false;
    },
  };
}

async function runKata(k: Kata, target: Target, verbose: boolean, extraEnv?: NodeJS.ProcessEnv, all = false): Promise<number> {
  const paths = kataPaths(k, root);
  let sawBackend = false;
  const header = (): void => {
    console.log(
      chalk.bold(`\nKata ${k.name} — ${k.title}`) +
        (target === 'solution' ? chalk.magenta('  [against the reference solution]') : '') +
        (extraEnv?.KATA_IN_BROWSER ? chalk.cyan('  [in the browser]') : ''),
    );
  };
  if (verbose) header();
  const status = progressLine();
  let early: FirstFailure | undefined;
  const limits = timeLimits(k);
  const browser = !!extraEnv?.KATA_IN_BROWSER;
  // The learner's files type-check, or it is not solved: checked side by side with the tests (./typecheck.ts).
  const stopChecking = new AbortController();
  const typecheck = startTypecheck(root, target === 'solution' ? paths.solutions : paths.files, stopChecking.signal);
  const run = await runSuite({
    root,
    target,
    files: [paths.test],
    ...(browser ? { totalLimit: limits.browser } : { limits: new Map([[paths.test, limits.node]]) }),
    ...testTimeoutArgs(),
    ...(extraEnv ? { extraEnv } : {}),
    stream: verbose,
    all,
    onLine: (line) => {
      if (!sawBackend && line.startsWith('backend: ')) {
        sawBackend = true;
        if (!verbose) {
          console.log(chalk.dim(line.trim()));
          header();
        }
      } else if (!verbose && line.startsWith('kata-progress: ')) {
        status.show(line.slice('kata-progress: '.length));
      } else if (!verbose && line.startsWith(FIRST_FAILURE_LINE) && !early) {
        // The first failure at once, while the other tests still run (slow katas: seconds instead of a minute).
        try {
          early = JSON.parse(line.slice(FIRST_FAILURE_LINE.length)) as FirstFailure;
        } catch {
          return;
        }
        status.clear();
        if (!sawBackend) header();
        sawBackend = true;
        const title = early.titlePath.at(-1) ?? '';
        const why = explainFailure(early.message, blameContext(k));
        const lesson = k.mustFail.some((m) => early!.titlePath.join(' ').includes(m)) && !why ? chalk.yellow('  ← the lesson') : '';
        console.log(chalk.bold(`\nFirst failure: ${title}`) + lesson);
        if (why) console.log(chalk.red(`  ${why}`));
        console.log(indent(trimFailure(early.message, root)));
        console.log(chalk.dim(`\n  … the other tests are still running (Ctrl-C stops here)`));
      }
    },
  });
  status.clear();
  if (!sawBackend && !verbose) header();
  // The one verdict (src/course/verdict.ts): solved only when the process ended normally, every test ran and passed.
  // A run that crashed, was stopped by the watchdog or did not load has its verdict whatever the types say
  // (src/course/verdict.ts judges those first): the check is not waited for.
  const before = judge(paths.test, run, { root });
  if (before.kind === 'crashed' || before.kind === 'does not load' || (before.kind === 'timed out' && run.timedOut?.size)) stopChecking.abort();
  const types = await typecheck;
  const typecheckError = types.error && !stopChecking.signal.aborted ? types.error : undefined;
  const v = judge(paths.test, run, { root, typeProblems: [...types.problems.values()].flat(), typecheckError });
  const file = v.file;
  const tests = file?.assertionResults ?? [];
  const logs = (file && (run.logs?.files[file.name] ?? run.logs?.files[path.resolve(file.name)])) ?? [];
  const logOf = (t: AssertionResult): TestLog | undefined =>
    logs.find((l) => l.titlePath.at(-1) === t.title && l.titlePath.slice(0, -1).join(' ') === t.ancestorTitles.join(' '));
  const outside = run.logs?.outside ?? [];
  if (outside.length) {
    console.log(chalk.dim('  printed outside a test (module top level or a beforeAll/afterAll hook):'));
    const shown = verbose ? outside : outside.slice(0, LOG_LINES);
    for (const l of shown) console.log(`      ${chalk.dim('│')} ${verbose || l.length <= LOG_WIDTH ? l : `${l.slice(0, LOG_WIDTH - 1)}…`}`);
    if (shown.length < outside.length) console.log(`      ${chalk.dim(`│ … (${outside.length - shown.length} more: npm run kata ${ref(k)} -- --verbose shows all)`)}`);
  }
  for (const t of tests) {
    const name = [...t.ancestorTitles.slice(1), t.title].join(' › ');
    if (t.status === 'passed') console.log(`  ${chalk.green('✓')} ${name}`);
    else if (t.status === 'failed') console.log(`  ${chalk.red('✗')} ${name}${isTeaching(k, t) ? chalk.yellow('  ← the lesson') : ''}`);
    else console.log(`  ${chalk.dim('-')} ${chalk.dim(`${name} (${logOf(t)?.skipNote === SLOW_SKIP_NOTE ? 'slow: not run' : t.status === 'pending' ? 'not run' : t.status})`)}`);
    for (const l of testOutput(logOf(t), verbose, k)) console.log(l);
  }
  if (typecheckError) console.log(chalk.yellow(`warning: type check not done: ${typecheckError}`));
  const failed = tests.filter((t) => t.status === 'failed');
  const notRun = tests.filter((t) => t.status !== 'passed' && t.status !== 'failed');
  const slowSkipped = notRun.filter((t) => logOf(t)?.skipNote === SLOW_SKIP_NOTE);
  const fileError = file?.message ? trimFailure(file.message, root) : '';
  if (v.passed) {
    console.log(chalk.green(`\n✓ All ${tests.length} tests pass.`));
    if (target === 'solution') {
      console.log(chalk.dim(`The reference solution in solutions/${k.name}/ passes; your files were not touched.`));
      return 0;
    }
    const m = manifest();
    const p = progress();
    if (p.caughtUp.includes(k.name) && isSolutionCopy(k, root)) {
      console.log(chalk.blue(`Kata ${k.name} is still caught up, not solved: it passes with the reference files that catch-up put in place.`));
      console.log(`Write your own version (your earlier one is in .kata-backups/${k.name}/), and a pass makes it solved.`);
      return 0;
    }
    if (!p.solved.includes(k.name)) p.solved.push(k.name);
    p.caughtUp = p.caughtUp.filter((x) => x !== k.name);
    try {
      saveProgress(root, p);
    } catch (e) {
      if (!(e instanceof ProgressError)) throw e;
      console.error(chalk.yellow(`warning: ${e.message}`)); // solved all the same: only the ✓ of the list is lost
    }
    const solved = new Set(p.solved);
    const next = m.katas.find((x) => x.id > k.id && !solved.has(x.name)) ?? m.katas.find((x) => !solved.has(x.name));
    console.log(chalk.green.bold(`Kata ${k.name} solved!`));
    console.log(next ? `Next: ${chalk.cyan(`npm run kata ${ref(next)}`)}  (${next.title})` : chalk.green('All katas solved.'));
    return 0;
  }
  console.log();
  let blamed: Kata[] = [];
  if (v.kind !== 'does not load' && v.kind !== 'incomplete' && !((v.kind === 'failed' || v.kind === 'type error') && failed.length)) {
    // crashed, timed out, type error: one line that names it
    console.log(chalk.red(`✗ Not solved: ${v.line}`));
    if (v.kind === 'type error') showTypeErrors(types);
    if (v.kind === 'crashed' && !verbose) console.log(chalk.dim(`  (npm run kata ${ref(k)} -- --verbose shows Vitest's own output)`));
  } else if (tests.length === 0 || (fileError && failed.length === 0)) {
    const why = explainFailure(file?.message ?? '', blameContext(k));
    console.log(chalk.red(`The test file could not run${tests.length ? ' completely' : ''}: ${why ?? 'the code does not load.'}`));
    console.log(indent(fileError || '(no message)'));
  } else if (failed.length === 0) {
    console.log(chalk.red(`${notRun.length} of ${tests.length} tests did not run (${[...new Set(notRun.map((t) => t.status))].join(', ')}): not solved — every test must run and pass.`));
  } else {
    const teaching = failed.filter((t) => isTeaching(k, t));
    console.log(chalk.red(`${failed.length} of ${tests.length} tests fail`) + (teaching.length ? chalk.yellow(` (${teaching.length} of them the lesson's tests)`) : '') + '.');
    if (slowSkipped.length) {
      console.log(chalk.yellow(`${slowSkipped.length} slow test${slowSkipped.length === 1 ? '' : 's'} not run: the fast ones fail first (--all runs everything: npm run kata ${ref(k)} -- --all).`));
    }
    const first = failed[0]!;
    const firstMessage = trimFailure(first.failureMessages.join('\n'), root);
    const why = explainFailure(first.failureMessages.join('\n'), blameContext(k));
    if (why) console.log(chalk.red(why));
    if (early && early.titlePath.at(-1) === first.title) {
      console.log(chalk.bold(`\nFirst failure: ${first.title}`) + chalk.dim(' (its message is above)'));
    } else {
      console.log(chalk.bold(`\nFirst failure: ${first.title}`));
      console.log(indent(firstMessage));
    }
    if (failed.length > 1) {
      console.log(chalk.bold(`\nThe other failures (first line of each):`));
      for (const t of failed.slice(1)) {
        const lines = trimFailure(t.failureMessages.join('\n'), root).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at '));
        // "property failed on …:" says where; the line after it says what
        const line = lines[0]?.endsWith(':') && lines[1] ? `${lines[0]} ${lines[1]}` : (lines[0] ?? '');
        console.log(`  ${chalk.red('✗')} ${t.title}\n      ${line.length > LOG_WIDTH ? `${line.slice(0, LOG_WIDTH - 1)}…` : line}`);
      }
    }
    blamed = blamedKatas(k, firstMessage);
    if (v.kind === 'type error') {
      console.log(chalk.red(`\n✗ And a ${v.line}`));
      showTypeErrors(types);
    }
  }
  console.log();
  if (target === 'solution') {
    if (v.kind === 'crashed' || v.kind === 'timed out') console.log(chalk.red(`The run against the reference solution did not complete (${v.kind}): see the line above.`));
    else console.log(chalk.red(`The reference solution fails: that is a bug in the course (solutions/${k.name}/).`));
    return 1;
  }
  const hintsShown = progress().hintsShown[k.name] ?? 0;
  if (blamed.length) {
    const files = blamed.flatMap((b) => kataPaths(b, root).files.map(rel)).join(', ');
    console.log(`Next: the failure is in ${blamed.length === 1 ? 'kata' : 'katas'} ${blamed.map(ref).join(', ')}, not in ${k.name}: edit ${chalk.cyan(files)}`);
    for (const b of blamed) console.log(`      ${chalk.cyan(`npm run kata ${ref(b)}`)}  (${b.title})`);
    console.log(`      then ${chalk.cyan(`npm run kata ${ref(k)}`)} again`);
    return 1;
  }
  const files = paths.files.map(rel).join(', ');
  console.log(`Next: edit ${chalk.cyan(files)}, then ${chalk.cyan(`npm run kata ${ref(k)}`)} again`);
  console.log(`      ${chalk.cyan(`npm run kata ${ref(k)} -- --hint`)}   for a hint (${Math.min(hintsShown + 1, k.hints.length)} of ${k.hints.length})`);
  console.log(`      ${chalk.cyan(`npm run kata ${ref(k)} -- --watch`)}  to re-run the tests on every save`);
  return 1;
}

/** The first type errors, one per line: file:line:col  TScode message. */
/** Every type error, one a line, under the verdict's line (which names the first): nothing when there is one. */
function showTypeErrors(types: TypecheckRun, max = 5): void {
  const all = [...types.problems.values()].flat();
  if (all.length <= 1) return;
  for (const p of all.slice(0, max)) console.log(`    ${chalk.cyan(`${p.file}:${p.line}:${p.col}`)}  TS${p.code} ${p.message.split('\n')[0]}`);
  if (all.length > max) console.log(chalk.dim(`    … ${all.length - max} more (npx tsc --noEmit shows all)`));
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

async function runVerify(): Promise<number> {
  const m = manifest();
  console.log(chalk.bold(`Verifying ${m.katas.length} kata${m.katas.length === 1 ? '' : 's'} of ${rel(m.file)}`) + chalk.dim(' (starter run, then solution run)'));
  let sawBackend = false;
  const result = await verify({
    root,
    onLine: (line) => {
      if (!sawBackend && line.startsWith('backend: ')) {
        sawBackend = true;
        console.log(chalk.dim(line.trim()));
      }
    },
  });
  if (result.verdicts.length) {
    const lines = formatVerifyTable(result);
    console.log();
    for (const [i, line] of lines.entries()) {
      console.log(i < 2 ? chalk.bold(line) : line.replace(/FAIL$/, chalk.red('FAIL')).replace(/ok$/, chalk.green('ok')));
    }
  }
  for (const v of result.verdicts) {
    if (!v.problems.length) continue;
    console.log(chalk.red(`\n${v.kata.name}:`));
    for (const p of v.problems) console.log(`  - ${p}`);
  }
  for (const g of result.general) console.log(chalk.red(`\n- ${g}`));
  const n = result.general.length + result.verdicts.reduce((a, v) => a + v.problems.length, 0);
  console.log();
  if (result.ok) {
    console.log(chalk.green(`verify: ${result.verdicts.length === 0 ? 'no katas to check' : `all ${result.verdicts.length} katas OK — every starter fails for its reason, every solution passes`}`));
    return 0;
  }
  console.log(chalk.red(`verify: ${n} problem${n === 1 ? '' : 's'}`));
  return 1;
}

function printReset(o: ResetOutcome): void {
  if (o.status === 'unchanged' && !o.backup) {
    console.log(`${o.file} has no local changes: nothing to reset.`);
    return;
  }
  if (o.backup) console.log(`Saved your version of ${o.file} to ${chalk.cyan(o.backup)}`);
  if (o.status === 'restored') console.log(chalk.green(`Restored ${o.file} to its starting version`) + chalk.dim(` (from ${o.from})`));
}

function doCatchUp(query: string): number {
  const m = manifest();
  const target = kataOrExit(m, query);
  const p = progress();
  const outcomes = catchUp(m, target, root, p);
  if (outcomes.length === 0) {
    console.log(`No kata comes before ${target.name}: nothing to catch up.`);
    return 0;
  }
  saveProgress(root, p);
  for (const o of outcomes) {
    if (o.outcome === 'solved') {
      console.log(`${chalk.green('✓')} ${o.kata.name}: you solved it; your files are kept`);
      continue;
    }
    for (const f of o.files) {
      if (f.status === 'same') console.log(`${chalk.blue('↷')} ${o.kata.name}: ${f.file} already is the reference`);
      else console.log(`${chalk.blue('↷')} ${o.kata.name}: ${f.file} ← solutions/${o.kata.name}/${path.basename(f.file)}` + (f.backup ? chalk.dim(`  (yours saved to ${f.backup})`) : ''));
    }
  }
  const n = outcomes.filter((o) => o.outcome === 'caught up').length;
  console.log();
  console.log(`${n} kata${n === 1 ? '' : 's'} caught up (the reference files, marked ↷ in npm run kata — not solved).`);
  console.log(`Next: ${chalk.cyan(`npm run kata ${ref(target)}`)}  (${target.title})`);
  return 0;
}

function doReset(query: string): number {
  const k = kataOrExit(manifest(), query);
  let outcomes: ResetOutcome[];
  try {
    outcomes = resetKata(k, root);
  } catch (e) {
    // What was done before the failure is said first: the learner must know where their version was saved.
    if (e instanceof ResetError) e.done.forEach(printReset);
    throw e;
  }
  outcomes.forEach(printReset); // first: a progress file that cannot be written must not hide where the backup went
  const p = progress();
  if (p.solved.includes(k.name)) {
    p.solved = p.solved.filter((n) => n !== k.name);
    saveProgress(root, p);
    console.log(`${k.name} is no longer marked solved (npm run kata ${ref(k)} solves it again).`);
  }
  if (p.caughtUp.includes(k.name)) {
    p.caughtUp = p.caughtUp.filter((n) => n !== k.name);
    saveProgress(root, p);
    console.log(`${k.name} is no longer marked caught up: its starting file is back.`);
  }
  return 0;
}

/** How --help names a kata: a real one of the manifest ("3, 03, 03-diverging-accuracy or diverging-accuracy"). */
function helpExample(): string {
  let k: Kata | undefined;
  try {
    const m = manifest();
    k = m.katas.find((x) => x.id === 3) ?? m.katas[0];
  } catch {
    k = undefined; // a broken manifest is reported when a kata is run
  }
  if (!k) return 'its number (3, 03) or its folder name under katas/';
  return `${k.id}, ${ref(k)}, ${k.name} or ${k.name.replace(/^\d+-/, '')}`;
}

async function main(argv: string[]): Promise<number> {
  // Set before .command(): subcommands copy it when they are made, so their usage errors exit 2 too.
  const program = new Command('kata').exitOverride();
  let code = 0;
  program
    .name('npm run kata')
    .usage('[kata] [-- options]  |  reset <kata>  |  catch-up <kata>  |  verify  |  grade [-- --json --junit FILE]  |  class <folder> [-- --json --jobs N]  |  checksums  |  timings')
    .description('Run the course katas. Without a kata: list them with your progress.')
    .argument('[kata]', `kata number or name: ${helpExample()}`)
    .option('--hint', 'show the next hint of the kata')
    .option('--watch', 're-run the kata tests on every save')
    .option('--ui', 'open the Vitest UI for the kata')
    .option('--solution', "run the kata's tests against solutions/ instead of your files")
    .option('--show-solution', "print the reference solution (and a short diff with your file): once the kata is solved or its last hint was seen")
    .option('--verbose', "also stream Vitest's own output, and show all of what your code printed")
    .option('--all', 'run every test: also the slow ones (training, experiments) when a fast test fails')
    .option('--browser', 'run the tests in an installed Chromium/Chrome on WebGPU, else WebGL')
    .option('--backend <name>', 'with --browser: webgl or webgpu; without: a Node backend (KATA_BACKEND)')
    .action(async (query: string | undefined, opts: { hint?: boolean; watch?: boolean; ui?: boolean; solution?: boolean; showSolution?: boolean; verbose?: boolean; browser?: boolean; backend?: string; all?: boolean }) => {
      if (!query) {
        if (opts.hint || opts.watch || opts.ui || opts.solution || opts.showSolution) throw new UsageError('name a kata, e.g. npm run kata 3 -- --hint');
        listKatas();
        return;
      }
      const k = kataOrExit(manifest(), query);
      if (opts.showSolution) {
        if (opts.hint || opts.watch || opts.ui || opts.solution || opts.browser) throw new UsageError('--show-solution: expected alone (it runs no tests), got it with --hint, --watch, --ui, --solution or --browser');
        code = showSolution(k, progress(), root, ref(k));
        return;
      }
      const target: Target = opts.solution ? 'solution' : 'starter';
      const env = opts.hint ? undefined : backendEnv(opts);
      if (opts.hint) showHint(k);
      else if (opts.watch) code = await interactive(k, target, 'watch', env, !!opts.all);
      else if (opts.ui) code = await interactive(k, target, 'ui', env, !!opts.all);
      else code = await runKata(k, target, !!opts.verbose, env, !!opts.all);
    });
  program
    .command('reset')
    .argument('<kata>', 'kata number or name')
    .description("restore the kata's starting file(s) from git; your version is saved under .kata-backups/")
    .action((query: string) => {
      code = doReset(query);
    });
  program
    .command('catch-up')
    .argument('<kata>', 'the kata to catch up to: katas before it get their reference files')
    .description('put the reference files (solutions/) of every kata before <kata> in place of yours (backed up first, as reset does); they are marked "caught up", never "solved"')
    .action((query: string) => {
      code = doCatchUp(query);
    });
  program
    .command('verify')
    .description('course check: every starter fails its teaching tests (not a compile error), every solution passes')
    .action(async () => {
      nodeSettingsOrExit();
      code = await runVerify();
    });
  program
    .command('grade')
    .description("instructors: every kata against the learner's files, with tamper evidence (never uses .kata-progress.json)")
    .option('--json', 'also print one JSON object as the last line of stdout')
    .option('--junit <file>', 'also write a JUnit XML report to <file>')
    .action(async (opts: { json?: boolean; junit?: string }) => {
      nodeSettingsOrExit();
      code = await runGrade(root, opts);
    });
  program
    .command('class')
    .argument('<folder>', 'a folder of learner checkouts (one sub-folder each, inside this checkout)')
    .description('instructors: grade every learner checkout in <folder>, a few at a time; one table learners × katas and the tests the most learners fail')
    .option('--json', 'print one JSON object (and nothing else) on stdout; progress goes to stderr')
    .option('--jobs <n>', `learners graded at a time (default ${DEFAULT_JOBS}; each grading is one Vitest run)`)
    .action(async (folder: string, opts: { json?: boolean; jobs?: string }) => {
      code = await runClass(folder, opts);
    });
  program
    .command('timings')
    .description('course developers: seconds per kata to the first failure, of the solution run and of a --watch re-run, with the load')
    .option('--katas <list>', 'only these katas, e.g. 3,4,10')
    .option('--no-solution', 'skip the solution runs')
    .option('--no-watch', 'skip the --watch re-runs')
    .option('--markdown', 'print the table as Markdown')
    .action(async (opts: TimingsOptions) => {
      code = await runTimings(root, opts);
    });
  program
    .command('checksums')
    .description('course developers: rewrite katas/checksums.json (the protected files grade checks)')
    .option('--check', 'only check that katas/checksums.json is up to date (exit 1 if not)')
    .action((opts: { check?: boolean }) => {
      code = runChecksums(root, opts);
    });
  // Commander's own error output can take two lines ("(Did you mean --hint?)"): print one line below instead.
  for (const c of [program, ...program.commands]) c.configureOutput({ outputError: () => {} });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code?.startsWith('commander.')) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      const active = program.commands.find((c) => c.name() === argv[2]) ?? program; // the command whose flags were wrong
      console.error(chalk.red(`error: ${oneLine(e as CommanderError, active)}`));
      return 2;
    }
    throw e;
  }
  return code;
}

try {
  process.exitCode = await main(process.argv);
} catch (e) {
  if (e instanceof UsageError || e instanceof ManifestError || e instanceof ResetError || e instanceof ProgressError || e instanceof CatchUpError || e instanceof GradeUsageError || e instanceof ClassUsageError || e instanceof NoBrowserError) {
    console.error(chalk.red(`error: ${e.message}`));
    process.exitCode = e instanceof ResetError || e instanceof ProgressError || e instanceof CatchUpError ? 1 : 2;
  } else {
    throw e;
  }
}
