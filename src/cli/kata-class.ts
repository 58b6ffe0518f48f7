/**
 * `npm run kata class <folder>` (instructors): grades every learner checkout in <folder> (./kata-grade.ts's
 * grade, each checkout as its own course root), `--jobs N` at a time (default 2), then prints one table
 * learners × katas and "where the room is stuck" (src/course/class-view.ts). `--json`: one JSON object is
 * all of stdout (progress goes to stderr).
 *
 * Exit codes: 0 when grading ran (whatever the scores; a learner whose grading could not run is a row that
 * says so), 2 on usage errors (no such folder, no checkouts in it, a bad --jobs).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { classJson, findCheckouts, formatClassTable, gradeClass } from '../course/class-view.js';
import { repoRoot } from '../course/manifest.js';

export class ClassUsageError extends Error {}

export const DEFAULT_JOBS = 2;

export function parseJobs(v: string | undefined): number {
  if (v === undefined) return DEFAULT_JOBS;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 1 || n > 32) {
    throw new ClassUsageError(`--jobs: expected a whole number of learners graded at a time, 1 to 32, got ${JSON.stringify(v)}`);
  }
  return n;
}

export async function runClass(folderArg: string, opts: { json?: boolean; jobs?: string }): Promise<number> {
  const jobs = parseJobs(opts.jobs);
  const folder = path.resolve(process.env.INIT_CWD ?? process.cwd(), folderArg);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new ClassUsageError(`<folder>: expected a folder of learner checkouts, got ${folderArg} (${existsSync(folder) ? 'not a folder' : 'no such folder'})`);
  }
  const checkouts = findCheckouts(folder);
  if (checkouts.length === 0) {
    throw new ClassUsageError(`<folder>: expected sub-folders that are learner checkouts (each with katas/manifest.json), got none in ${folderArg}`);
  }
  const inside = folder.startsWith(repoRoot + path.sep);
  const bare = checkouts.filter((c) => !existsSync(path.join(c.root, 'node_modules')));
  if (!inside && bare.length) {
    throw new ClassUsageError(
      `<folder>: expected a folder inside this checkout (${repoRoot}), whose node_modules the learners' code then uses, got ${folderArg} outside it, where ${bare.length} checkout${bare.length === 1 ? ' has' : 's have'} no node_modules (${bare[0]!.learner}…)`,
    );
  }
  const log = (s: string): void => {
    if (opts.json) console.error(s);
    else console.log(s);
  };
  log(chalk.bold(`Grading ${checkouts.length} learner checkout${checkouts.length === 1 ? '' : 's'} in ${path.relative(process.cwd(), folder) || folder}`) + chalk.dim(`, ${jobs} at a time (each: one Vitest run of every kata, as kata grade)`));
  let done = 0;
  const result = await gradeClass({
    folder,
    concurrency: jobs,
    onLearner: (event, l) => {
      if (event === 'done') {
        done++;
        const s = l.result ? `${l.result.katas.filter((k) => k.passed).length}/${l.result.katas.length} passed, ${l.result.seconds.toFixed(1)} s` : `grading failed: ${l.error}`;
        log(chalk.dim(`  [${done}/${checkouts.length}] ${l.learner}: ${s}`));
      }
    },
  });
  if (opts.json) {
    console.log(JSON.stringify(classJson(result)));
    return 0;
  }
  console.log();
  for (const [i, line] of formatClassTable(result).entries()) console.log(i < 2 ? chalk.bold(line) : line);
  return 0;
}
