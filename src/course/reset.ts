/**
 * `kata reset N`: restores a kata's starting files from git, after saving the learner's version to
 * `<root>/.kata-backups/<name>/<file>.<timestamp>.ts`. Files without local changes are left alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kataPaths, type Kata } from './manifest.js';

export interface ResetOutcome {
  /** Path of the file, relative to the root. */
  file: string;
  status: 'unchanged' | 'restored';
  /** Where the learner's version was saved (relative to the root), when there was one. */
  backup?: string;
  /** The commit the starting version was taken from. */
  from?: string;
}

export class ResetError extends Error {
  override name = 'ResetError';
  /** What was done before the failure (a backup already written is among them): the runner prints these first. */
  done: ResetOutcome[] = [];
}

/** `EACCES` / `EROFS` / …, from a failed fs call. */
function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]!;
}

function git(cwd: string, args: string[]): Buffer {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** The starting version of a file: HEAD's, else the last version in the history. */
export function startingVersion(root: string, file: string): { content: Buffer; from: string } {
  let top: string;
  try {
    top = git(root, ['rev-parse', '--show-toplevel']).toString().trim();
  } catch {
    throw new ResetError(`${root} is not inside a git repository: cannot restore the starting version of ${file}`);
  }
  const rel = path.relative(top, path.resolve(root, file)).split(path.sep).join('/');
  try {
    return { content: git(top, ['show', `HEAD:${rel}`]), from: 'HEAD' };
  } catch {
    // Not in HEAD (deleted or moved since): the last commit whose tree had it.
  }
  let commit = '';
  try {
    commit = git(top, ['log', '-n', '1', '--format=%H', '--diff-filter=AM', '--', rel]).toString().trim();
  } catch {
    commit = '';
  }
  if (!commit) throw new ResetError(`${rel} is not in the git history: there is no starting version to restore`);
  return { content: git(top, ['show', `${commit}:${rel}`]), from: commit.slice(0, 10) };
}

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/:/g, '-').replace(/\.(\d{3})Z$/, '-$1Z');
}

/** A backup that could not be written: where it was going (relative to the root) and why. */
export class BackupError extends Error {
  constructor(
    readonly target: string,
    readonly dir: string,
    readonly code: string,
  ) {
    super(`cannot write ${target} (${code})`);
  }
}

/**
 * Saves a learner's version of `abs` as `.kata-backups/<kata>/<file>.<timestamp>.ts` (`-2`, `-3`, … when taken),
 * never overwriting one; used by `kata reset` and `kata catch-up`. Returns the backup's path relative to the root.
 */
export function saveBackup(kata: Kata, root: string, abs: string, content: Buffer, now: Date): string {
  const dir = path.join(root, '.kata-backups', kata.name);
  const base = path.basename(abs, '.ts');
  let target = path.join(dir, `${base}.${timestamp(now)}.ts`);
  for (let i = 2; existsSync(target); i++) target = path.join(dir, `${base}.${timestamp(now)}-${i}.ts`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(target, content, { flag: 'wx' });
  } catch (e) {
    throw new BackupError(path.relative(root, target), path.relative(root, dir), code(e));
  }
  return path.relative(root, target);
}

export function resetKata(kata: Kata, root: string, now = new Date()): ResetOutcome[] {
  const outcomes: ResetOutcome[] = [];
  for (const abs of kataPaths(kata, root).files) {
    const rel = path.relative(root, abs);
    const { content, from } = startingVersion(root, rel);
    const current = existsSync(abs) ? readFileSync(abs) : undefined;
    if (current && current.equals(content)) {
      outcomes.push({ file: rel, status: 'unchanged' });
      continue;
    }
    let backup: string | undefined;
    const fail = (message: string, partial?: ResetOutcome): never => {
      const err = new ResetError(message);
      err.done = partial ? [...outcomes, partial] : outcomes;
      throw err;
    };
    if (current) {
      try {
        backup = saveBackup(kata, root, abs, current, now);
      } catch (e) {
        if (!(e instanceof BackupError)) throw e;
        fail(`cannot save your version of ${rel} to ${e.target} (${e.code}): nothing was reset; make ${e.dir} writable and run the reset again`);
      }
    }
    try {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    } catch (e) {
      const partial: ResetOutcome = { file: rel, status: 'unchanged', ...(backup ? { backup } : {}) };
      fail(`cannot write ${rel} (${code(e)}): expected a writable file, it was not restored${backup ? ` (your version is safe in ${backup})` : ''}; make it writable (chmod u+w ${rel}) and run the reset again`, partial);
    }
    outcomes.push({ file: rel, status: 'restored', from, ...(backup ? { backup } : {}) });
  }
  return outcomes;
}
