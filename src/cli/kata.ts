/**
 * The kata runner.
 *
 *   npm run kata                      list the katas with progress (✓ solved, ▶ current, · to do)
 *   npm run kata 3                    run kata 3's tests against your files (also 03, 03-name, name)
 *   npm run kata 3 -- --hint          the next hint of the ladder
 *   npm run kata 3 -- --watch         re-run on every save (Vitest watch mode)
 *   npm run kata 3 -- --ui            Vitest UI for that kata
 *   npm run kata 3 -- --solution      the same tests against solutions/ (through the Vitest alias)
 *   npm run kata 3 -- --verbose       also stream Vitest's own output
 *   npm run kata 3 -- --browser       the same tests in an installed Chromium/Chrome, on WebGPU else WebGL
 *                                     (--backend webgl|webgpu forces one; also with --solution, --watch, --ui)
 *   npm run kata reset 3              restore the starting file from git (your version is backed up)
 *   npm run kata verify               course check: every starter fails for its reason, every solution passes
 *   npm run kata grade                instructors: every kata against the learner's files (--json, --junit FILE;
 *                                     exit 0 whatever the score), see ./kata-grade.ts
 *   npm run kata checksums            course developers: rewrite katas/checksums.json (--check: only check)
 *
 * Exit codes: 0 all tests pass / done; 1 tests fail or verify found problems; 2 usage errors
 * (unknown kata, invalid manifest).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import chalk from 'chalk';
import { Command, type CommanderError } from 'commander';
import { oneLine } from './usage.js';
import { courseRoot, findKata, kataPaths, loadManifest, ManifestError, repoRoot, type Kata, type Manifest } from '../course/manifest.js';
import { loadProgress, saveProgress, type Progress } from '../course/progress.js';
import { resetKata, ResetError } from '../course/reset.js';
import { formatVerifyTable, verify } from '../course/verify.js';
import { GradeUsageError, runChecksums, runGrade } from './kata-grade.js';
import { kataEnv, runSuite, trimFailure, vitestBin, type AssertionResult, type Target } from '../course/vitest.js';
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
  if (m.katas.length === 0) {
    console.log(`No katas yet: ${rel(m.file)} lists none.`);
    return;
  }
  const current = m.katas.find((k) => !solved.has(k.name));
  const done = m.katas.filter((k) => solved.has(k.name)).length;
  console.log(chalk.bold(`Katas — ${done}/${m.katas.length} solved`));
  const width = Math.max(...m.katas.map((k) => k.name.length));
  for (const k of m.katas) {
    const mark = solved.has(k.name) ? chalk.green('✓') : k === current ? chalk.cyan('▶') : chalk.dim('·');
    const line = `${mark} ${k.name.padEnd(width)}  ${k.title}`;
    console.log(k === current ? chalk.bold(line) : line);
  }
  console.log();
  if (current) console.log(`Next: ${chalk.cyan(`npm run kata ${ref(current)}`)}  (${current.title})`);
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
    console.log(chalk.dim(`\nThat was the last hint. Re-read ${rel(kataPaths(k, root).readme)}; as a last resort compare with solutions/${k.name}/.`));
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
  return b === undefined ? undefined : { KATA_BACKEND: b };
}

function isTeaching(k: Kata, t: AssertionResult): boolean {
  return k.mustFail.some((s) => t.title.includes(s) || t.fullName.includes(s));
}

async function interactive(k: Kata, target: Target, mode: 'watch' | 'ui', extraEnv?: NodeJS.ProcessEnv): Promise<number> {
  const test = kataPaths(k, root).test;
  const args = mode === 'watch' ? [vitestBin, test] : [vitestBin, ...(await vitestUiArgs()), test];
  console.log(chalk.dim(`${mode === 'watch' ? 'Watching' : 'Vitest UI for'} ${k.name}${target === 'solution' ? ' (against the solution)' : ''} — Ctrl-C to stop`));
  const env = { ...kataEnv(root, target, !!process.stdout.isTTY), ...extraEnv };
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: 'inherit' });
  // Ctrl-C reaches Vitest through the terminal; pass on a SIGTERM sent to this process only.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));
}

async function runKata(k: Kata, target: Target, verbose: boolean, extraEnv?: NodeJS.ProcessEnv): Promise<number> {
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
  const run = await runSuite({
    root,
    target,
    files: [paths.test],
    ...(extraEnv ? { extraEnv } : {}),
    stream: verbose,
    onLine: (line) => {
      if (!sawBackend && line.startsWith('backend: ')) {
        sawBackend = true;
        if (!verbose) {
          console.log(chalk.dim(line.trim()));
          header();
        }
      }
    },
  });
  if (!sawBackend && !verbose) header();
  const file = run.report?.testResults.find((r) => path.resolve(r.name) === path.resolve(paths.test));
  if (!run.report || !file) {
    console.log(chalk.red(`\nVitest did not report on ${rel(paths.test)} (exit ${run.exitCode}). Its output:`));
    console.log(run.output.split('\n').slice(-30).join('\n'));
    return 1;
  }
  const tests = file.assertionResults;
  for (const t of tests) {
    const name = [...t.ancestorTitles.slice(1), t.title].join(' › ');
    if (t.status === 'passed') console.log(`  ${chalk.green('✓')} ${name}`);
    else if (t.status === 'failed') console.log(`  ${chalk.red('✗')} ${name}${isTeaching(k, t) ? chalk.yellow('  ← the lesson') : ''}`);
    else console.log(`  ${chalk.dim('-')} ${chalk.dim(`${name} (${t.status})`)}`);
  }
  const failed = tests.filter((t) => t.status === 'failed');
  const fileError = file.message ? trimFailure(file.message, root) : '';
  if (failed.length === 0 && !fileError && tests.length > 0) {
    console.log(chalk.green(`\n✓ All ${tests.length} tests pass.`));
    if (target === 'solution') {
      console.log(chalk.dim(`The reference solution in solutions/${k.name}/ passes; your files were not touched.`));
      return 0;
    }
    const m = manifest();
    const p = progress();
    if (!p.solved.includes(k.name)) p.solved.push(k.name);
    saveProgress(root, p);
    const solved = new Set(p.solved);
    const next = m.katas.find((x) => x.id > k.id && !solved.has(x.name)) ?? m.katas.find((x) => !solved.has(x.name));
    console.log(chalk.green.bold(`Kata ${k.name} solved!`));
    console.log(next ? `Next: ${chalk.cyan(`npm run kata ${ref(next)}`)}  (${next.title})` : chalk.green('All katas solved.'));
    return 0;
  }
  console.log();
  if (tests.length === 0 || (fileError && failed.length === 0)) {
    console.log(chalk.red(`The test file could not run${tests.length ? ' completely' : ''}: the code does not load.`));
    console.log(indent(fileError || '(no message)'));
  } else {
    const teaching = failed.filter((t) => isTeaching(k, t));
    console.log(chalk.red(`${failed.length} of ${tests.length} tests fail`) + (teaching.length ? chalk.yellow(` (${teaching.length} of them the lesson's tests)`) : '') + '.');
    const first = failed[0]!;
    console.log(chalk.bold(`\nFirst failure: ${first.title}`));
    console.log(indent(trimFailure(first.failureMessages.join('\n'), root)));
  }
  console.log();
  if (target === 'solution') {
    console.log(chalk.red(`The reference solution fails: that is a bug in the course (solutions/${k.name}/).`));
    return 1;
  }
  const hintsShown = progress().hintsShown[k.name] ?? 0;
  const files = paths.files.map(rel).join(', ');
  console.log(`Next: edit ${chalk.cyan(files)}, then ${chalk.cyan(`npm run kata ${ref(k)}`)} again`);
  console.log(`      ${chalk.cyan(`npm run kata ${ref(k)} -- --hint`)}   for a hint (${Math.min(hintsShown + 1, k.hints.length)} of ${k.hints.length})`);
  console.log(`      ${chalk.cyan(`npm run kata ${ref(k)} -- --watch`)}  to re-run the tests on every save`);
  return 1;
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

function doReset(query: string): number {
  const k = kataOrExit(manifest(), query);
  const outcomes = resetKata(k, root);
  for (const o of outcomes) {
    if (o.status === 'unchanged') {
      console.log(`${o.file} has no local changes: nothing to reset.`);
    } else {
      if (o.backup) console.log(`Saved your version of ${o.file} to ${chalk.cyan(o.backup)}`);
      console.log(chalk.green(`Restored ${o.file} to its starting version`) + chalk.dim(` (from ${o.from})`));
    }
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  // Set before .command(): subcommands copy it when they are made, so their usage errors exit 2 too.
  const program = new Command('kata').exitOverride();
  let code = 0;
  program
    .name('npm run kata')
    .usage('[kata] [-- options]  |  reset <kata>  |  verify  |  grade [-- --json --junit FILE]  |  checksums')
    .description('Run the course katas. Without a kata: list them with your progress.')
    .argument('[kata]', 'kata number or name: 3, 03, 03-build-model or build-model')
    .option('--hint', 'show the next hint of the kata')
    .option('--watch', 're-run the kata tests on every save')
    .option('--ui', 'open the Vitest UI for the kata')
    .option('--solution', "run the kata's tests against solutions/ instead of your files")
    .option('--verbose', "also stream Vitest's own output")
    .option('--browser', 'run the tests in an installed Chromium/Chrome on WebGPU, else WebGL')
    .option('--backend <name>', 'with --browser: webgl or webgpu; without: a Node backend (KATA_BACKEND)')
    .action(async (query: string | undefined, opts: { hint?: boolean; watch?: boolean; ui?: boolean; solution?: boolean; verbose?: boolean; browser?: boolean; backend?: string }) => {
      if (!query) {
        if (opts.hint || opts.watch || opts.ui || opts.solution) throw new UsageError('name a kata, e.g. npm run kata 3 -- --hint');
        listKatas();
        return;
      }
      const k = kataOrExit(manifest(), query);
      const target: Target = opts.solution ? 'solution' : 'starter';
      const env = opts.hint ? undefined : backendEnv(opts);
      if (opts.hint) showHint(k);
      else if (opts.watch) code = await interactive(k, target, 'watch', env);
      else if (opts.ui) code = await interactive(k, target, 'ui', env);
      else code = await runKata(k, target, !!opts.verbose, env);
    });
  program
    .command('reset')
    .argument('<kata>', 'kata number or name')
    .description("restore the kata's starting file(s) from git; your version is saved under .kata-backups/")
    .action((query: string) => {
      code = doReset(query);
    });
  program
    .command('verify')
    .description('course check: every starter fails its teaching tests (not a compile error), every solution passes')
    .action(async () => {
      code = await runVerify();
    });
  program
    .command('grade')
    .description("instructors: every kata against the learner's files, with tamper evidence (never uses .kata-progress.json)")
    .option('--json', 'also print one JSON object as the last line of stdout')
    .option('--junit <file>', 'also write a JUnit XML report to <file>')
    .action(async (opts: { json?: boolean; junit?: string }) => {
      code = await runGrade(root, opts);
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
  if (e instanceof UsageError || e instanceof ManifestError || e instanceof ResetError || e instanceof GradeUsageError || e instanceof NoBrowserError) {
    console.error(chalk.red(`error: ${e.message}`));
    process.exitCode = e instanceof ResetError ? 1 : 2;
  } else {
    throw e;
  }
}
