/**
 * A content-addressed cache of type-check results, so that a kata run over files that have not changed since
 * their last check (a re-run, `verify`, `grade`, the same starting file in another copy of the course) does not
 * pay for parsing TypeScript's ~800 declaration files again (~5 s of CPU). Read by the runner before it starts
 * the checker (this module does not load TypeScript); written by the checker (./typecheck-program.ts).
 *
 * Key: the TypeScript version, tsconfig.json, package-lock.json (the libraries' types) and the checked files'
 * paths (relative to the course root) and contents. An entry also lists every other source file the program
 * read outside node_modules (src/lib/…, other katas' files) with its hash: a change in any of them is a miss.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './manifest.js';
import type { TypeProblem } from './verdict.js';

export const TYPECHECK_RESULTS = path.join(os.tmpdir(), 'transfer-katas-typecheck');

interface Entry {
  /** [where, path relative to it, sha256 of the content]: 'root' is the course root, 'repo' the repository. */
  deps: [string, string, string][];
  /** Problems per checked file, by path relative to the course root. */
  problems: Record<string, TypeProblem[]>;
}

function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hashOf(file: string): string | undefined {
  try {
    return sha(readFileSync(file));
  } catch {
    return undefined;
  }
}

function rel(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

function entryFile(root: string, files: string[]): string {
  const h = createHash('sha256');
  for (const f of [path.join(repoRoot, 'node_modules/typescript/package.json'), path.join(repoRoot, 'tsconfig.json'), path.join(repoRoot, 'package-lock.json')]) h.update(`${hashOf(f) ?? '-'}\n`);
  for (const f of [...files].map((x) => path.resolve(x)).sort()) h.update(`${rel(root, f)}\n${hashOf(f) ?? '-'}\n`);
  return path.join(TYPECHECK_RESULTS, `${h.digest('hex').slice(0, 32)}.json`);
}

function resolveDep(root: string, where: string, p: string): string {
  return path.join(where === 'root' ? root : repoRoot, p);
}

/** The cached problems of `files` (absolute path → problems), or undefined when any input changed. */
export function cachedTypecheck(root: string, files: string[]): Map<string, TypeProblem[]> | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(entryFile(root, files), 'utf8')) as Entry;
  } catch {
    return undefined;
  }
  for (const [where, p, h] of entry.deps) if (hashOf(resolveDep(root, where, p)) !== h) return undefined;
  return new Map(Object.entries(entry.problems).map(([p, probs]) => [path.join(root, p), probs]));
}

/** Records a finished check: `sources` are every file the program read (node_modules is left out). */
export function storeTypecheck(root: string, files: string[], sources: string[], problems: Map<string, TypeProblem[]>): void {
  const deps: Entry['deps'] = [];
  const rootDir = path.resolve(root) + path.sep;
  const repoDir = repoRoot + path.sep;
  for (const s of sources.map((x) => path.resolve(x))) {
    if (s.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const h = hashOf(s);
    if (h === undefined) continue;
    if (s.startsWith(rootDir)) deps.push(['root', rel(root, s), h]);
    else if (s.startsWith(repoDir)) deps.push(['repo', rel(repoRoot, s), h]);
    else return; // a file outside both: not cacheable by content
  }
  const entry: Entry = { deps, problems: Object.fromEntries([...problems].map(([f, probs]) => [rel(root, f), probs])) };
  try {
    mkdirSync(TYPECHECK_RESULTS, { recursive: true });
    const file = entryFile(root, files);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, file); // atomic: a concurrent reader sees the old entry or the new one
  } catch {
    // a cache that cannot be written only costs time
  }
}
