/**
 * Tamper evidence for grading: `katas/checksums.json`, the SHA-256 of every course file the kata tests
 * stand on that a learner has no reason to change — the kata test files and the other non-learner files
 * of each kata folder, katas/manifest.json, solutions/, src/lib/ and src/course/ (what the tests and the grader import),
 * test/support/, test/global-setup.ts, vitest.config.ts (with its solution alias), tsconfig.json,
 * package.json, and the bundled data/ and models/ the tests read.
 *
 * NOT protected: the learner's own files (manifest `files`), each kata's README.md and demo.ts (read and
 * run by learners, imported by no test), and files a learner adds. `npm run kata checksums` (for course
 * developers) writes the list; `npm run kata grade` compares the learner's tree with it. The list is
 * itself a file a learner could edit, so grading also prints its fingerprint (the SHA-256 of the list)
 * for the instructor to compare with the course version they handed out.
 *
 * Paths are relative to the course root with "/" separators; contents are hashed with CRLF read as LF,
 * so a Windows checkout (git core.autocrlf) hashes like the committed file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Manifest } from './manifest.js';

export const CHECKSUMS_FILE = 'katas/checksums.json';
export const CHECKSUMS_COMMAND = 'npm run kata checksums';

export interface Checksums {
  about: string;
  algorithm: 'sha256';
  /** Course-root-relative path → hex SHA-256 of its content (CRLF read as LF). Sorted by path. */
  files: Record<string, string>;
}

/** Folders protected as a whole (relative to the course root). */
const PROTECTED_DIRS = ['solutions', 'src/lib', 'src/course', 'test/support', 'data', 'models'];
/** Single protected files. */
const PROTECTED_FILES = ['katas/manifest.json', 'test/global-setup.ts', 'vitest.config.ts', 'tsconfig.json', 'package.json'];
/** In each kata folder: files learners read, run or annotate, which no test imports. */
const KATA_FOLDER_FREE = new Set(['README.md', 'demo.ts']);
/** Git-ignored, downloaded or generated: never part of the course (mirrors .gitignore). */
const IGNORED = [/^models\/resnet50-imagenet\//, /^models\/[^/]+\/checkpoint\//];

/** Every file under `dir` (absolute), skipping dot-entries and node_modules, as course-relative paths. */
function walk(root: string, rel: string, out: string[]): void {
  const abs = path.join(root, rel);
  if (!existsSync(abs)) return;
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(root, child, out);
    else if (entry.isFile()) out.push(child);
  }
}

/** The learner's files of every kata, as course-relative paths ("katas/00-fixture/add.ts"). */
export function learnerFiles(manifest: Manifest): Set<string> {
  return new Set(manifest.katas.flatMap((k) => k.files.map((f) => `katas/${k.name}/${f}`)));
}

/** The protected files present under `root`, sorted (course-relative, "/" separators). */
export function protectedFiles(root: string, manifest: Manifest): string[] {
  const found: string[] = [];
  for (const d of PROTECTED_DIRS) walk(root, d, found);
  for (const f of PROTECTED_FILES) if (existsSync(path.join(root, f)) && statSync(path.join(root, f)).isFile()) found.push(f);
  const learner = learnerFiles(manifest);
  const kataFiles: string[] = [];
  walk(root, 'katas', kataFiles);
  for (const f of kataFiles) {
    const parts = f.split('/');
    // katas/<folder>/...: everything but the learner's files, README.md and demo.ts at the folder's top.
    if (parts.length < 3) continue; // katas/manifest.json is listed above; katas/checksums.json is the list itself
    if (learner.has(f)) continue;
    if (parts.length === 3 && KATA_FOLDER_FREE.has(parts[2]!)) continue;
    found.push(f);
  }
  return [...new Set(found)].filter((f) => !IGNORED.some((re) => re.test(f))).sort();
}

/** SHA-256 (hex) of a file's content with every CRLF read as LF. */
export function hashContent(buf: Buffer): string {
  const h = createHash('sha256');
  let start = 0;
  for (let i = 0; i < buf.length - 1; i++) {
    if (buf[i] === 0x0d && buf[i + 1] === 0x0a) {
      h.update(buf.subarray(start, i));
      start = i + 1; // keep the LF
    }
  }
  h.update(buf.subarray(start));
  return h.digest('hex');
}

export function hashFile(root: string, rel: string): string {
  return hashContent(readFileSync(path.join(root, rel)));
}

export function computeChecksums(root: string, manifest: Manifest): Checksums {
  const files: Record<string, string> = {};
  for (const f of protectedFiles(root, manifest)) files[f] = hashFile(root, f);
  return {
    about:
      `SHA-256 of the course files the kata tests stand on (CRLF read as LF). Generated by \`${CHECKSUMS_COMMAND}\`, ` +
      'checked by `npm run kata grade`. The course fingerprint is the SHA-256 of this file.',
    algorithm: 'sha256',
    files,
  };
}

export function formatChecksums(c: Checksums): string {
  return JSON.stringify(c, null, 2) + '\n';
}

/** The course fingerprint: SHA-256 (hex) of the checksums file's content, CRLF read as LF. */
export function fingerprint(content: Buffer | string): string {
  return hashContent(typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
}

/** Writes `<root>/katas/checksums.json`; returns its path, the number of files and the fingerprint. */
export function writeChecksums(root: string, manifest: Manifest): { file: string; count: number; fingerprint: string } {
  const text = formatChecksums(computeChecksums(root, manifest));
  const file = path.join(root, CHECKSUMS_FILE);
  writeFileSync(file, text);
  return { file, count: Object.keys(JSON.parse(text).files).length, fingerprint: fingerprint(text) };
}

export interface StaleReport {
  /** Protected files not in the list (new files). */
  added: string[];
  /** Listed files that no longer exist. */
  removed: string[];
  /** Listed files whose content changed. */
  changed: string[];
  /** The list is missing or unreadable (then everything is stale). */
  problem?: string;
}

/** For course developers and `npm test`: does the shipped list match the course as it is now? */
export function staleChecksums(root: string, manifest: Manifest): StaleReport {
  const loaded = readChecksums(root);
  const now = computeChecksums(root, manifest).files;
  if ('problem' in loaded) return { added: Object.keys(now), removed: [], changed: [], problem: loaded.problem };
  const old = loaded.checksums.files;
  return {
    added: Object.keys(now).filter((f) => !(f in old)),
    removed: Object.keys(old).filter((f) => !(f in now)),
    changed: Object.keys(now).filter((f) => f in old && old[f] !== now[f]),
  };
}

export type ReadChecksums = { checksums: Checksums; fingerprint: string } | { problem: string };

/** Reads and validates the list; a missing or malformed list is a problem naming the file. */
export function readChecksums(root: string): ReadChecksums {
  const file = path.join(root, CHECKSUMS_FILE);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return { problem: `${CHECKSUMS_FILE} is missing: the course files cannot be checked` };
  }
  let data: unknown;
  try {
    data = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    return { problem: `${CHECKSUMS_FILE} is not valid JSON (${(e as Error).message})` };
  }
  const d = data as Partial<Checksums> | null;
  const files = d?.files;
  if (
    d?.algorithm !== 'sha256' ||
    typeof files !== 'object' ||
    files === null ||
    Array.isArray(files) ||
    !Object.values(files).every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))
  ) {
    return { problem: `${CHECKSUMS_FILE}: expected { "algorithm": "sha256", "files": { path: 64 hex digits } }` };
  }
  return { checksums: d as Checksums, fingerprint: fingerprint(buf) };
}

export interface ChangedFile {
  file: string;
  change: 'modified' | 'missing' | 'not listed';
  /** The kata whose folder (katas/<name>/ or solutions/<name>/) holds it; undefined: shared by every kata. */
  kata: string | undefined;
}

export interface CourseCheck {
  /** SHA-256 of katas/checksums.json as found in the learner's tree; undefined when it is missing. */
  fingerprint: string | undefined;
  /** Number of files the list protects. */
  files: number;
  changed: ChangedFile[];
  /** The list itself is missing or malformed: nothing could be checked. */
  problem?: string;
}

function kataOf(file: string, names: Set<string>): string | undefined {
  const m = /^(?:katas|solutions)\/([^/]+)\//.exec(file);
  return m && names.has(m[1]!) ? m[1] : undefined;
}

/**
 * Compares the learner's tree with the shipped list. Each kata's test file must be listed (a list with
 * an entry removed is tampered too). Files the learner added are not judged: no protected file imports them.
 */
export function checkCourse(root: string, manifest: Manifest): CourseCheck {
  const loaded = readChecksums(root);
  if ('problem' in loaded) return { fingerprint: undefined, files: 0, changed: [], problem: loaded.problem };
  const names = new Set(manifest.katas.map((k) => k.name));
  const changed: ChangedFile[] = [];
  const listed = loaded.checksums.files;
  for (const [file, want] of Object.entries(listed)) {
    const abs = path.join(root, file);
    const kata = kataOf(file, names);
    if (!existsSync(abs)) changed.push({ file, change: 'missing', kata });
    else if (hashFile(root, file) !== want) changed.push({ file, change: 'modified', kata });
  }
  for (const k of manifest.katas) {
    const test = `katas/${k.name}/${k.name}.test.ts`;
    if (!(test in listed)) changed.push({ file: test, change: 'not listed', kata: k.name });
  }
  if (!('katas/manifest.json' in listed)) changed.push({ file: 'katas/manifest.json', change: 'not listed', kata: undefined });
  return { fingerprint: loaded.fingerprint, files: Object.keys(listed).length, changed };
}

/** "katas/x.test.ts (modified)" */
export function describeChange(c: ChangedFile): string {
  return c.change === 'not listed' ? `${c.file} (not in ${CHECKSUMS_FILE})` : `${c.file} (${c.change})`;
}
