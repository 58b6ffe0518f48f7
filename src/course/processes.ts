/**
 * The runner's children, ended whatever ends the runner (temp folders: ./cleanup.ts): a normal end, Ctrl-C
 * (SIGINT), an editor's Stop (SIGTERM), a closed terminal (SIGHUP). Used by ./vitest.ts (the kata suite's
 * Vitest, spawned in a process group of its own) and the runner's --watch/--ui (Vitest in the terminal's group).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';

const groups = new Set<number>();
const trees = new Set<number>();
let installed = false;

/** The pids of every descendant of `pid` (ps: Linux and macOS); [] where ps is not available. */
export function descendants(pid: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (!p || pp === undefined) continue;
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function quietKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Kills a process group started with spawn({ detached: true }) (every process in it). */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  quietKill(-pid, signal);
}

/** Kills a process and all its descendants (children first seen, then the process). */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  const all = descendants(pid);
  quietKill(pid, signal);
  for (const p of all) quietKill(p, signal);
}

/** Ends every child the runner registered (idempotent). */
export function cleanUp(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const g of groups) killGroup(g, signal);
  for (const t of trees) killTree(t, signal);
  groups.clear();
  trees.clear();
}

const EXIT_CODE: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * The runner's ancestors (the npm script's shell, npm, what started npm), up to 4 levels. An editor's Stop sends SIGTERM to
 * npm only: npm and its shell end, this runner would go on as an orphan. The runner checks every second
 * that they are alive and, when one is gone, ends like on SIGTERM.
 */
function ancestors(): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [process.ppid];
  }
  const parent = new Map<number, number>();
  for (const line of table.split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (p && pp !== undefined) parent.set(p, pp);
  }
  const out: number[] = [];
  for (let p = process.ppid; p > 1 && out.length < 4; p = parent.get(p) ?? 0) out.push(p);
  return out;
}

function watchAncestors(): void {
  const watched = ancestors();
  const timer = setInterval(() => {
    for (const p of watched) {
      try {
        process.kill(p, 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
        cleanUp();
        process.exit(EXIT_CODE.SIGTERM);
      }
    }
  }, 1000);
  timer.unref();
}

function install(): void {
  if (installed) return;
  installed = true;
  watchAncestors();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      cleanUp();
      process.exit(EXIT_CODE[sig]);
    });
  }
  process.on('exit', () => cleanUp());
}

function own(set: Set<number>, child: ChildProcess): () => void {
  install();
  const pid = child.pid;
  if (pid === undefined) return () => {};
  set.add(pid);
  return () => set.delete(pid);
}

/** Registers a child spawned with detached: true: its whole group is killed when the runner ends. */
export function ownGroup(child: ChildProcess): () => void {
  return own(groups, child);
}

/** Registers a child in the terminal's group (watch/UI): it and its descendants are killed when the runner ends. */
export function ownTree(child: ChildProcess): () => void {
  return own(trees, child);
}
