/**
 * `npm run kata grade` and `npm run kata checksums`, called by the kata runner (src/cli/kata.ts).
 *
 *   npm run kata grade                      every kata against the learner's files: a table, the score, the course fingerprint
 *   npm run kata grade -- --json            one JSON object on stdout (the table goes to stderr)
 *   npm run kata grade -- --junit FILE      ... and a JUnit XML report in FILE
 *   npm run kata checksums                  (course developers) rewrite katas/checksums.json
 *   npm run kata checksums -- --check       exit 1 when katas/checksums.json is out of date
 *
 * grade exits 0 whenever grading ran, whatever the score (the score is the report's business; see
 * docs/instructor-guide.md), 1 when Vitest could not run at all, 2 on usage errors.
 */
import { userCwd, userPath } from '../lib/cli/user-path.js';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { CHECKSUMS_COMMAND, CHECKSUMS_FILE, staleChecksums, writeChecksums } from '../course/checksums.js';
import { formatGradeTable, grade, gradeJson } from '../course/grade.js';
import { toJunit } from '../course/junit.js';
import { loadManifest } from '../course/manifest.js';

export class GradeUsageError extends Error {}

export interface GradeCliOptions {
  json?: boolean;
  junit?: string;
}

export async function runGrade(root: string, opts: GradeCliOptions): Promise<number> {
  let junitFile: string | undefined;
  if (opts.junit !== undefined) {
    junitFile = userPath(opts.junit); // from the folder the learner typed the command in (npm's INIT_CWD)
    const dir = path.dirname(junitFile);
    if (opts.junit.trim() === '' || opts.junit.startsWith('-')) {
      throw new GradeUsageError(`--junit: expected a file name for the JUnit XML report, got ${JSON.stringify(opts.junit)}`);
    }
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new GradeUsageError(`--junit: expected a file in an existing folder, got ${opts.junit} (no folder ${path.relative(userCwd(), dir) || dir})`);
    }
    if (existsSync(junitFile) && statSync(junitFile).isDirectory()) {
      throw new GradeUsageError(`--junit: expected a file name, got the folder ${opts.junit}`);
    }
  }
  // With --json, stdout carries the JSON object only: the human-readable lines go to stderr.
  const say = opts.json ? (...a: unknown[]) => console.error(...a) : (...a: unknown[]) => console.log(...a);
  const m = loadManifest(root);
  say(chalk.bold(`Grading ${m.katas.length} kata${m.katas.length === 1 ? '' : 's'} against the learner's files`) + chalk.dim(' (one Vitest run; .kata-progress.json is not used)'));
  let sawBackend = false;
  let result;
  try {
    result = await grade({
      root,
      onLine: (line) => {
        if (!sawBackend && line.startsWith('backend: ')) {
          sawBackend = true;
          say(chalk.dim(line.trim()));
        }
      },
    });
  } catch (e) {
    console.error(chalk.red(`grade: ${(e as Error).message}`));
    return 1;
  }
  say();
  const lines = formatGradeTable(result);
  for (const [i, line] of lines.entries()) {
    if (i < 2) say(chalk.bold(line));
    else if (i < 2 + result.katas.length) say(result.katas[i - 2]!.passed ? line : line.replace(/ no  /, chalk.red(' no  ')));
    else say(line);
  }
  if (junitFile) {
    writeFileSync(junitFile, toJunit(result, root));
    say(chalk.dim(`JUnit report: ${path.relative(process.cwd(), junitFile) || junitFile}`));
  }
  if (opts.json) console.log(JSON.stringify(gradeJson(result)));
  return 0;
}

export function runChecksums(root: string, opts: { check?: boolean }): number {
  const m = loadManifest(root);
  if (opts.check) {
    const s = staleChecksums(root, m);
    const n = s.added.length + s.removed.length + s.changed.length;
    if (!s.problem && n === 0) {
      console.log(`${CHECKSUMS_FILE} is up to date.`);
      return 0;
    }
    console.log(chalk.red(s.problem ?? `${CHECKSUMS_FILE} is out of date (${n} file${n === 1 ? '' : 's'}):`));
    for (const f of s.changed) console.log(`  changed  ${f}`);
    for (const f of s.added) console.log(`  new      ${f}`);
    for (const f of s.removed) console.log(`  removed  ${f}`);
    console.log(`Run ${chalk.cyan(CHECKSUMS_COMMAND)} and commit ${CHECKSUMS_FILE}.`);
    return 1;
  }
  const w = writeChecksums(root, m);
  console.log(`Wrote ${path.relative(process.cwd(), w.file) || w.file}: ${w.count} protected files.`);
  console.log(`Course fingerprint: sha256:${w.fingerprint}`);
  return 0;
}
