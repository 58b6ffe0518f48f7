/**
 * Which thing a failure blames, in the learner's terms — small pure functions the runner's verdict and output
 * call (src/cli/kata.ts runKata, "verdict"):
 *
 *  - explainFailure: one line for failures whose raw message blames bundler internals or nothing nameable —
 *    a renamed or missing export ("(0 , __vite_ssr_import_5__.toClassIndices) is not a function"), a deleted
 *    kata file ("Cannot find module './dtype-cast.js'"), an allocation that failed;
 *  - reachedLesson: whether a failed test got as far as the lesson's code: not when the kata file did not
 *    load, an import was missing, or memory ran out — those tests are not "← the lesson".
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface BlameContext {
  /** The course root: paths in the lines are relative to it. */
  root: string;
  /** The kata's test file (absolute). */
  testFile: string;
  /** The learner's files of the kata (absolute). */
  kataFiles: string[];
  /** How the learner names the kata in commands ("04"). */
  ref: string;
}

const MISSING_EXPORT = [
  /__vite_ssr_import_\d+__\.([A-Za-z_$][\w$]*)\)? is not a (?:function|constructor)/,
  /does not provide an export named '([A-Za-z_$][\w$]*)'/,
  /__vite_ssr_import_\d+__\.([A-Za-z_$][\w$]*) is not defined/,
];
const MISSING_MODULE = [/Cannot find module '([^']+)'/, /Failed to load url (\S+)/, /Failed to resolve import "([^"]+)"/];
const OUT_OF_MEMORY = /Array buffer allocation failed|Invalid typed array length|Invalid array length|Reached heap limit|JavaScript heap out of memory|Out of memory|RangeError: .*allocation/i;

/** The kata file a test's import specifier ('./dtype-cast.js') points to, if it is one of the kata's files. */
function kataFileOf(spec: string, ctx: BlameContext): string | undefined {
  const base = path.basename(spec).replace(/\.(js|ts|mjs|mts)$/, '');
  return ctx.kataFiles.find((f) => path.basename(f).replace(/\.ts$/, '') === base);
}

/** The kata file the test imports `name` from (its import lines), else the kata's only/first file. */
function fileImporting(name: string, ctx: BlameContext): string | undefined {
  let source = '';
  try {
    source = readFileSync(ctx.testFile, 'utf8');
  } catch {
    source = '';
  }
  for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) {
    const names = m[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!.trim());
    if (names.includes(name)) return kataFileOf(m[2]!, ctx);
  }
  return undefined;
}

const rel = (ctx: BlameContext, f: string): string => path.relative(ctx.root, f).split(path.sep).join('/');

/** One line that says what is wrong in the learner's terms, or undefined when the raw message already does. */
export function explainFailure(message: string, ctx: BlameContext): string | undefined {
  for (const re of MISSING_EXPORT) {
    const name = re.exec(message)?.[1];
    if (!name) continue;
    const file = fileImporting(name, ctx);
    if (!file) continue; // not imported from a kata file: a genuine "is not a function" of the learner's code
    if (!existsSync(file)) return missingFile(file, ctx);
    return `${rel(ctx, file)} has no export named ${name} (the test imports it): did you rename it?`;
  }
  for (const re of MISSING_MODULE) {
    const spec = re.exec(message)?.[1];
    const file = spec ? kataFileOf(spec, ctx) : undefined;
    if (file && !existsSync(file)) return missingFile(file, ctx);
  }
  if (OUT_OF_MEMORY.test(message)) {
    return 'out of memory: a tensor or array larger than this machine can hold was asked for (a shape or a count far too big?) — not the lesson\'s check';
  }
  return undefined;
}

function missingFile(file: string, ctx: BlameContext): string {
  return `${rel(ctx, file)} is missing (the test imports it): restore its starting version with npm run kata reset ${ctx.ref}`;
}

/** Did a failed test reach the lesson's code? Not when its failure is one explainFailure names. */
export function reachedLesson(message: string, ctx: BlameContext): boolean {
  return explainFailure(message, ctx) === undefined;
}
