/**
 * The learner's progress: `<root>/.kata-progress.json` — which katas passed, how many hints were shown.
 * A corrupted file is never silently dropped: it is moved aside to `.kata-progress.json.bak`
 * (or .bak.2, .bak.3, … when that exists) with a clear message, and progress starts empty.
 * It is written atomically (a temp file in the same folder, then a rename), so a reader never sees it half
 * written; a write or read that fails is a ProgressError: one line naming the file, the system's code and the
 * way out.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Progress {
  /** Names of the katas whose tests all passed on the learner's files. */
  solved: string[];
  /** How many hints of each kata's ladder were shown. */
  hintsShown: Record<string, number>;
  /**
   * Katas whose reference files `kata catch-up N` put in place (never "solved": a run that passes with the
   * learner's own, changed file moves a kata from here to `solved`). Absent in older files: [].
   */
  caughtUp: string[];
}

/** The progress file cannot be read or written (EACCES, EISDIR, EROFS, …): one line, with the way out. */
export class ProgressError extends Error {
  override name = 'ProgressError';
}

function fsCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]!;
}

export const PROGRESS_FILE = '.kata-progress.json';

export function progressPath(root: string): string {
  return path.join(root, PROGRESS_FILE);
}

export interface LoadedProgress {
  progress: Progress;
  /** Set when the file was corrupted: what was wrong and where it was moved. */
  warning?: string;
}

function validate(data: unknown): Progress {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`expected a JSON object { "solved": [...], "hintsShown": {...} }, got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`);
  }
  const d = data as Record<string, unknown>;
  const solved = d.solved ?? [];
  if (!Array.isArray(solved) || !solved.every((s) => typeof s === 'string')) {
    throw new Error(`"solved": expected an array of kata names, got ${JSON.stringify(solved).slice(0, 60)}`);
  }
  const hints = d.hintsShown ?? {};
  if (typeof hints !== 'object' || hints === null || Array.isArray(hints)) {
    throw new Error(`"hintsShown": expected an object { kata name: count }, got ${JSON.stringify(hints).slice(0, 60)}`);
  }
  for (const [k, v] of Object.entries(hints)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new Error(`"hintsShown.${k}": expected a non-negative integer, got ${JSON.stringify(v)}`);
    }
  }
  const caughtUp = d.caughtUp ?? [];
  if (!Array.isArray(caughtUp) || !caughtUp.every((s) => typeof s === 'string')) {
    throw new Error(`"caughtUp": expected an array of kata names, got ${JSON.stringify(caughtUp).slice(0, 60)}`);
  }
  return { solved: [...(solved as string[])], hintsShown: { ...(hints as Record<string, number>) }, caughtUp: [...(caughtUp as string[])] };
}

export function loadProgress(root: string): LoadedProgress {
  const file = progressPath(root);
  if (!existsSync(file)) return { progress: { solved: [], hintsShown: {}, caughtUp: [] } };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProgressError(`${PROGRESS_FILE}: expected a readable file, got ${fsCode(e)}; fix its permissions, or move it away to start with empty progress`);
  }
  try {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new Error(`expected valid JSON, got a parse error: ${(e as Error).message} (${text.length} bytes)`);
    }
    return { progress: validate(data) };
  } catch (e) {
    let bak = `${file}.bak`;
    for (let i = 2; existsSync(bak); i++) bak = `${file}.bak.${i}`;
    try {
      renameSync(file, bak);
    } catch (err) {
      throw new ProgressError(`${PROGRESS_FILE} is corrupted (${(e as Error).message.split('\n')[0]}) and could not be moved aside (${fsCode(err)}): move ${file} away to start with empty progress`);
    }
    return {
      progress: { solved: [], hintsShown: {}, caughtUp: [] },
      warning:
        `${PROGRESS_FILE} is corrupted (${(e as Error).message.split('\n')[0]}); ` +
        `moved it to ${path.relative(root, bak) || bak} and started with empty progress`,
    };
  }
}

export function saveProgress(root: string, progress: Progress): void {
  const solved = [...new Set(progress.solved)].sort();
  const caughtUp = [...new Set(progress.caughtUp)].filter((k) => !solved.includes(k)).sort();
  const clean = { solved, hintsShown: progress.hintsShown, ...(caughtUp.length ? { caughtUp } : {}) };
  const file = progressPath(root);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(clean, null, 2) + '\n');
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder refuses even that: nothing was written there
    }
    throw new ProgressError(
      `${PROGRESS_FILE}: expected to save your progress, got ${fsCode(e)} writing it; make the file and its folder writable (your code is not affected)`,
    );
  }
}
