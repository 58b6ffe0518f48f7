/**
 * `kata catch-up N`: the reference files (solutions/) of every kata before N are put in place of the
 * learner's, so that a learner who fell behind can start kata N with working pieces (kata 10 imports the
 * learner's own 01, 02, 04 and 05). Each learner version is backed up first, exactly as `kata reset` does
 * (./reset.ts: `.kata-backups/<kata>/<file>.<timestamp>.ts`), and the katas are recorded in
 * `.kata-progress.json` as "caughtUp" — never "solved".
 *
 * Katas the learner has solved (progress "solved") keep the learner's files: they are not behind there.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kataPaths, type Kata, type Manifest } from './manifest.js';
import type { Progress } from './progress.js';
import { BackupError, saveBackup } from './reset.js';
import { sameSource } from './solution-copy.js';

export interface CatchUpFile {
  /** The learner's file, relative to the root. */
  file: string;
  /** "replaced": the reference was written (the learner's version backed up if it existed); "same": it already was the reference. */
  status: 'replaced' | 'same';
  backup?: string;
}

export interface CatchUpKata {
  kata: Kata;
  /** "caught up": reference files in place; "solved": the learner solved it, nothing touched. */
  outcome: 'caught up' | 'solved';
  files: CatchUpFile[];
}

export class CatchUpError extends Error {
  override name = 'CatchUpError';
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]!;
}

/** Saves the learner's version where `kata reset` saves it (./reset.ts), or says why it could not. */
function backup(kata: Kata, root: string, abs: string, content: Buffer, now: Date): string {
  try {
    return saveBackup(kata, root, abs, content, now);
  } catch (e) {
    if (!(e instanceof BackupError)) throw e;
    throw new CatchUpError(`cannot save your version of ${path.relative(root, abs)} to ${e.target} (${e.code}): it was not replaced; make ${e.dir} writable and run the catch-up again`);
  }
}

/** The katas before `target` (by id), in course order. */
export function katasBefore(m: Manifest, target: Kata): Kata[] {
  return m.katas.filter((k) => k.id < target.id);
}

/**
 * Puts the reference files of every kata before `target` in place and updates `progress` (the caller saves
 * it). Checks that every reference file exists before touching anything.
 */
export function catchUp(m: Manifest, target: Kata, root: string, progress: Progress, now = new Date()): CatchUpKata[] {
  const katas = katasBefore(m, target);
  for (const k of katas) {
    for (const ref of kataPaths(k, root).solutions) {
      if (!existsSync(ref)) throw new CatchUpError(`${path.relative(root, ref)} does not exist: no reference file to put in place for ${k.name} (nothing was changed)`);
    }
  }
  const out: CatchUpKata[] = [];
  for (const k of katas) {
    if (progress.solved.includes(k.name)) {
      out.push({ kata: k, outcome: 'solved', files: [] });
      continue;
    }
    const p = kataPaths(k, root);
    const files = p.files.map((abs, i): CatchUpFile => {
      const file = path.relative(root, abs);
      const reference = readFileSync(p.solutions[i]!);
      const current = existsSync(abs) ? readFileSync(abs) : undefined;
      if (current && sameSource(current, reference)) return { file, status: 'same' };
      const saved = current ? backup(k, root, abs, current, now) : undefined;
      try {
        writeFileSync(abs, reference);
      } catch (e) {
        throw new CatchUpError(`cannot write ${file} (${code(e)}): it was not replaced${saved ? ` (your version is also in ${saved})` : ''}; make it writable and run the catch-up again`);
      }
      return { file, status: 'replaced', ...(saved ? { backup: saved } : {}) };
    });
    if (!progress.caughtUp.includes(k.name)) progress.caughtUp.push(k.name);
    out.push({ kata: k, outcome: 'caught up', files });
  }
  return out;
}
