/**
 * Is a learner's file the reference solution? Used by `kata catch-up` (what it put in place), by the
 * runner (a caught-up kata that passes with the reference file is still "caught up", not "solved") and by
 * `kata grade` ("caught up" / "identical to the solution").
 *
 * "Identical" ignores line endings and whitespace (CRLF checkouts, re-indentation, trailing spaces,
 * blank lines): every run of whitespace counts as one space. A copy with one renamed variable or one
 * added comment is NOT identical — that is for `git diff` and a human to judge.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { kataPaths, type Kata } from './manifest.js';

/** The text with every whitespace run (CR and LF included) as one space, trimmed. */
export function normalizeSource(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function sameSource(a: string | Buffer, b: string | Buffer): boolean {
  return normalizeSource(a.toString()) === normalizeSource(b.toString());
}

export interface SolutionMatch {
  /** The learner's file, relative to the root, with forward slashes. */
  file: string;
  /** The learner's file exists, the reference exists, and they are the same modulo whitespace. */
  identical: boolean;
}

/** One entry per learner file of the kata (manifest `files`). */
export function matchSolution(kata: Kata, root: string): SolutionMatch[] {
  const p = kataPaths(kata, root);
  return p.files.map((abs, i) => {
    const ref = p.solutions[i]!;
    const file = path.relative(root, abs).split(path.sep).join('/');
    const identical = existsSync(abs) && existsSync(ref) && sameSource(readFileSync(abs), readFileSync(ref));
    return { file, identical };
  });
}

/** Every learner file of the kata is the reference solution (modulo whitespace). */
export function isSolutionCopy(kata: Kata, root: string): boolean {
  return matchSolution(kata, root).every((m) => m.identical);
}
