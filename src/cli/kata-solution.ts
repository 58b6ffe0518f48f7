/**
 * `npm run kata N -- --show-solution`: the reference solution's source, and a diff against the learner's
 * file when it is short — only once the kata is solved, caught up (its reference is already in place) or
 * its last hint has been seen (rustlings shows a solution after the pass). Otherwise one line that says
 * what unlocks it. The rule for instructors is in docs/instructor-guide.md ("When to open solutions/").
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { kataPaths, type Kata } from '../course/manifest.js';
import type { Progress } from '../course/progress.js';

/** A diff longer than this is not printed, only counted (with the command that shows it). */
export const MAX_DIFF_LINES = 60;

export type SolutionAccess = { open: true; why: string } | { open: false; why: string };

export function solutionAccess(k: Kata, p: Progress, ref: string): SolutionAccess {
  if (p.solved.includes(k.name)) return { open: true, why: 'you solved it' };
  if (p.caughtUp.includes(k.name)) return { open: true, why: 'it was caught up (the reference is in place)' };
  const shown = p.hintsShown[k.name] ?? 0;
  if (shown >= k.hints.length) return { open: true, why: `you have seen all ${k.hints.length} hints` };
  return {
    open: false,
    why: `the solution of ${k.name} opens once the kata is solved (npm run kata ${ref}) or its last hint has been seen (${shown} of ${k.hints.length} shown: npm run kata ${ref} -- --hint)`,
  };
}

/** `git diff --no-index` of two files, '' when they are the same. */
function diff(a: string, b: string, labelA: string, labelB: string): string {
  try {
    execFileSync('git', ['diff', '--no-index', '--no-color', '-U2', `--src-prefix=`, `--dst-prefix=`, a, b], { stdio: ['ignore', 'pipe', 'pipe'] });
    return '';
  } catch (e) {
    const out = (e as { stdout?: Buffer }).stdout?.toString() ?? '';
    // Show the files as the learner knows them, not as absolute paths.
    return out
      .split('\n')
      .filter((l) => !/^(diff --git|index |similarity|new file|deleted file)/.test(l))
      .map((l) => (l.startsWith('--- ') ? `--- ${labelA}` : l.startsWith('+++ ') ? `+++ ${labelB}` : l))
      .join('\n')
      .trimEnd();
  }
}

/** Prints what `--show-solution` shows; returns the exit code (1 when it is still locked). */
export function showSolution(k: Kata, p: Progress, root: string, ref: string): number {
  const access = solutionAccess(k, p, ref);
  if (!access.open) {
    console.log(chalk.yellow(`Not yet: ${access.why}.`));
    return 1;
  }
  const paths = kataPaths(k, root);
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  for (const [i, sol] of paths.solutions.entries()) {
    const mine = paths.files[i]!;
    console.log(chalk.bold(`\n${rel(sol)}`) + chalk.dim(`  (the reference solution of ${k.name}; shown because ${access.why})`));
    console.log(readFileSync(sol, 'utf8').trimEnd());
    if (!existsSync(mine)) {
      console.log(chalk.dim(`\n(${rel(mine)} does not exist: no diff)`));
      continue;
    }
    const d = diff(mine, sol, `${rel(mine)} (yours)`, `${rel(sol)} (reference)`);
    if (d === '') console.log(chalk.dim(`\nYour ${rel(mine)} is the same file.`));
    else if (d.split('\n').length <= MAX_DIFF_LINES) console.log(chalk.bold(`\nYour file against the reference:`) + '\n' + d);
    else console.log(chalk.dim(`\nThe diff with your ${rel(mine)} is ${d.split('\n').length} lines: git diff --no-index ${rel(mine)} ${rel(sol)}`));
  }
  return 0;
}
