/**
 * A content-addressed cache of type-check results, so that a kata run over files that have not changed since
 * their last check (a re-run, `verify`, `grade`, the same starting file in another copy of the course) does not
 * pay for parsing TypeScript's ~800 declaration files again (~5 s of CPU). Read by the runner before it starts
 * the checker (this module does not load TypeScript); written by the checker (./typecheck-program.ts).
 *
 * Key: the TypeScript version, tsconfig.json, package-lock.json (the libraries' types: node_modules is never
 * hashed file by file) and the checked files' paths (relative to the course root) and contents. A key holds up to
 * 8 variants (the same files checked in different copies of the course); a variant is a hit only while the world
 * the checker saw is the same:
 * - every file it read outside node_modules, by the hash of **what it read** (not of the file after the check: a
 *   file saved while the check ran is a miss next time, not a wrong hit);
 * - every declaration file it read in node_modules is still there (which node_modules served an import);
 * - every path its module resolution looked for **and did not find** is still absent.
 * Every path is kept **relative to the course root** (`../../src/lib/tf.ts` when outside it): a file's relative
 * import means another file in a copy of the course at another depth, so the same files there are another world.
 * Without that and the absent paths, a copy whose `../../../../../src/lib/tf.js` did not resolve (cannot find
 * module: a type error) and a copy where it does shared an entry, and a good learner was graded "type error"
 * (the first cache, d92569f, reverted; and a first fix that kept outside paths absolute).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './manifest.js';
import type { TypeProblem } from './verdict.js';

/** Where the results live: the temp folder (KATA_TYPECHECK_CACHE moves it: a test's own empty cache). */
export function typecheckResults(env: NodeJS.ProcessEnv = process.env): string {
  return env.KATA_TYPECHECK_CACHE || path.join(os.tmpdir(), 'transfer-katas-typecheck');
}

/** The format of an entry (older entries are ignored). */
const VERSION = 2 as const;

interface Entry {
  v: typeof VERSION;
  /** Files the checker read outside node_modules: [path from the course root, sha256 of the text it read]. */
  read: [string, string][];
  /** Files it read in node_modules (the libraries' types, keyed by package-lock.json): only where they were. */
  libs: string[];
  /** Paths the checker probed in vain: [path, 'file' | 'folder'] (a folder probe of a file path is in vain too). */
  absent: [string, Kind][];
  /** Problems per checked file, by path relative to the course root. */
  problems: Record<string, TypeProblem[]>;
}

type Kind = 'file' | 'folder';

/** What one check saw: the text of each file it read, and the paths it looked for in vain (absolute → what it sought). */
export interface CheckInputs {
  read: Map<string, string>;
  absent: Map<string, Kind>;
}

function isA(kind: Kind, p: string): boolean {
  try {
    const s = statSync(p);
    return kind === 'file' ? s.isFile() : s.isDirectory();
  } catch {
    return false;
  }
}

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

type Hasher = (file: string) => string | undefined;

/** hashOf, each file read once per lookup or store (a key's variants, a grade's parts: the same files again). */
function hashOnce(): Hasher {
  const seen = new Map<string, string | undefined>();
  return (f) => {
    if (!seen.has(f)) seen.set(f, hashOf(f));
    return seen.get(f);
  };
}

function hashOf(file: string): string | undefined {
  try {
    return sha(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function rel(from: string, file: string): string {
  return path.relative(from, file).split(path.sep).join('/');
}

export const inNodeModules = (f: string): boolean => f.split(/[\\/]/).includes('node_modules');

/** A path as the course root sees it (`../` when outside it), and back. */
function place(root: string, file: string): string {
  return rel(root, path.resolve(file));
}

function resolvePlace(root: string, p: string): string {
  return path.resolve(root, p);
}

/** The entry's file name: the libraries' types (`disk`) and the checked files' places and contents (`hash`: as on disk, or as the checker read them). */
function entryFile(root: string, files: string[], hash: Hasher, disk: Hasher): string {
  const h = createHash('sha256');
  for (const f of ['node_modules/typescript/package.json', 'tsconfig.json', 'package-lock.json']) h.update(`${disk(path.join(repoRoot, f)) ?? '-'}\n`);
  for (const f of [...files].map((x) => path.resolve(x)).sort()) h.update(`${place(root, f)}\n${hash(f) ?? '-'}\n`);
  return path.join(typecheckResults(), `${h.digest('hex').slice(0, 32)}.json`);
}

/** The variants stored under one key (the same checked files, seen in different worlds), newest first. */
function readEntries(file: string): Entry[] {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(data) ? data.filter((e: Entry) => e.v === VERSION) : [];
  } catch {
    return [];
  }
}

function holds(root: string, entry: Entry, disk: Hasher): boolean {
  return (
    entry.read.every(([p, h]) => disk(resolvePlace(root, p)) === h) &&
    entry.libs.every((p) => existsSync(resolvePlace(root, p))) &&
    entry.absent.every(([p, kind]) => !isA(kind, resolvePlace(root, p)))
  );
}

function lookup(root: string, files: string[], disk: Hasher): Map<string, TypeProblem[]> | undefined {
  const entry = readEntries(entryFile(root, files, disk, disk)).find((e) => holds(root, e, disk));
  return entry && new Map(Object.entries(entry.problems).map(([p, probs]) => [path.join(root, p), probs]));
}

/**
 * The cached problems of `files` (absolute path → problems), or undefined when no stored check saw this world.
 * Several files (grade, verify) are also a hit when each one is: a check of many stores each file's part too.
 */
export function cachedTypecheck(root: string, files: string[]): Map<string, TypeProblem[]> | undefined {
  const disk = hashOnce();
  const whole = lookup(root, files, disk);
  if (whole || files.length < 2) return whole;
  const merged = new Map<string, TypeProblem[]>();
  for (const f of files) {
    const part = lookup(root, [f], disk);
    if (!part) return undefined;
    for (const [file, probs] of part) merged.set(file, probs);
  }
  return merged;
}

/** At most this many variants per key: the same starting file in a few copies of the course (grade, class, tests). */
const VARIANTS = 8;

/**
 * Records a finished check of `files` under `root`: what it read and probed (`inputs`), and its problems. `parts`:
 * for a check of several files, each file with the checked files that are its own (itself and the course files it
 * imports), stored under that file's own key as well — the world the whole check saw is a superset of its part's,
 * so the part is never a wrong hit, only sometimes a needless miss.
 */
export function storeTypecheck(root: string, files: string[], inputs: CheckInputs, problems: Map<string, TypeProblem[]>, parts: [string, string[]][] = []): void {
  const reads = [...inputs.read].map(([f, text]) => [path.resolve(f), text] as const);
  const readHash = new Map(reads.filter(([f]) => !inNodeModules(f)).map(([f, text]) => [f, sha(text)]));
  if (files.some((f) => !readHash.has(path.resolve(f)))) return; // a checked file it never read: nothing to key on
  const world = {
    v: VERSION as typeof VERSION,
    read: [...readHash].map(([f, h]): [string, string] => [place(root, f), h]),
    libs: reads.filter(([f]) => inNodeModules(f)).map(([f]) => place(root, f)),
    absent: [...inputs.absent].map(([f, kind]): [string, Kind] => [place(root, f), kind]),
  };
  const problemsOf = (checked: Iterable<string>): Entry['problems'] =>
    Object.fromEntries([...checked].filter((f) => problems.has(f)).map((f) => [rel(root, f), problems.get(f)!]));
  const asRead: Hasher = (f) => readHash.get(f);
  const disk = hashOnce();
  write(entryFile(root, files, asRead, disk), { ...world, problems: problemsOf(problems.keys()) });
  for (const [file, checked] of parts) write(entryFile(root, [file], asRead, disk), { ...world, problems: problemsOf(checked) });
}

/** Adds `entry` as the newest variant of its key (keyed by the contents the checker read, not by the files now). */
function write(file: string, entry: Entry): void {
  const same = (e: Entry): boolean => JSON.stringify([e.read, e.libs, e.absent]) === JSON.stringify([entry.read, entry.libs, entry.absent]);
  try {
    mkdirSync(typecheckResults(), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([entry, ...readEntries(file).filter((e) => !same(e))].slice(0, VARIANTS)));
    renameSync(tmp, file); // atomic: a concurrent reader sees the old entries or the new ones
  } catch {
    // a cache that cannot be written only costs time
  }
}
