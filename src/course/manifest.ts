/**
 * The kata manifest: `katas/manifest.json` (like rustlings' info.toml), its types, validation and lookup.
 *
 * Layout it describes, relative to the course root (the repo, or env KATA_ROOT):
 *   katas/<name>/      README.md, the learner's files, <name>.test.ts
 *   solutions/<name>/  the reference versions of the same files
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Kata {
  /** Course order number; matches the name's prefix (id 3 ↔ "03-…"). */
  id: number;
  /** Folder name under katas/ and solutions/, e.g. "03-diverging-accuracy". */
  name: string;
  /** One-line title shown in the list. */
  title: string;
  /** The learner's files (relative to katas/<name>/), e.g. ["build-model.ts"]. */
  files: string[];
  /** The hint ladder, from gentle to almost-the-answer. */
  hints: string[];
  /** Test-title substrings that must fail on the starting file (the teaching tests). */
  mustFail: string[];
  /** Optional regex (source) that the starting file's failure messages must match. */
  failsWith?: string;
  /**
   * Test-title substrings of the slow tier (training, experiments): declared after the fast tests in the
   * test file, and skipped in the same Vitest run when a fast test of the file failed (test/support/tiers.ts),
   * unless `npm run kata N -- --all`. Empty when every test is fast.
   */
  slow: string[];
  /**
   * Wall-clock seconds the kata's test file may take in Node (hooks and tests, from the moment the file and the
   * learner's code are loaded; loading itself may take the larger of this and LOAD_LIMIT in ./vitest.ts), after which
   * the runner and grade stop it and say which test was running. Default DEFAULT_TIME_LIMIT.
   */
  timeLimitSeconds?: number;
  /** The same for `--browser` (the whole run, browser start included). Default: 2 × the Node limit + 60. */
  browserTimeLimitSeconds?: number;
}

/** Seconds a kata's test file may take when the manifest sets no timeLimitSeconds. */
export const DEFAULT_TIME_LIMIT = 120;

/**
 * The time limits of a kata: env KATA_TIME_LIMIT (seconds, for both) overrides the manifest.
 * Throws a ManifestError naming the variable when it is not a positive number.
 */
export function timeLimits(kata: Kata, env: NodeJS.ProcessEnv = process.env): { node: number; browser: number } {
  const raw = env.KATA_TIME_LIMIT;
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new ManifestError(`KATA_TIME_LIMIT: expected a number of seconds > 0, got ${JSON.stringify(raw)}`);
    return { node: n, browser: n };
  }
  const node = kata.timeLimitSeconds ?? DEFAULT_TIME_LIMIT;
  return { node, browser: kata.browserTimeLimitSeconds ?? 2 * node + 60 };
}

export interface Manifest {
  /** Absolute path of the manifest file it was read from. */
  file: string;
  katas: Kata[];
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** The repository root (where package.json and vitest.config.ts live). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The course root: env KATA_ROOT (resolved against the cwd), else the repo root. */
export function courseRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KATA_ROOT ? path.resolve(env.KATA_ROOT) : repoRoot;
}

export function manifestPath(root = courseRoot()): string {
  return path.join(root, 'katas', 'manifest.json');
}

const KNOWN_FIELDS = ['id', 'name', 'title', 'files', 'hints', 'mustFail', 'failsWith', 'slow', 'timeLimitSeconds', 'browserTimeLimitSeconds'] as const;
const NAME_RE = /^(\d{2,})-[a-z0-9]+(?:-[a-z0-9]+)*$/;

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (field missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${JSON.stringify(v).slice(0, 60)})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/**
 * Validates parsed JSON as a manifest. Every error names the file, the field (as a path such as
 * `katas[2].hints[1]`), what was expected and what was found.
 */
export function validateManifest(data: unknown, file = 'katas/manifest.json'): Manifest {
  const fail = (field: string, expected: string, got: unknown, gotIsText = false): never => {
    throw new ManifestError(
      `${file}: ${field}: expected ${expected}, got ${gotIsText ? String(got) : describeValue(got)}`,
    );
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    fail('(top level)', 'an object { "katas": [...] }', data);
  }
  const top = data as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (key !== 'katas') fail(key, 'only the field "katas" at the top level', `unknown field "${key}"`, true);
  }
  if (!Array.isArray(top.katas)) fail('katas', 'an array of katas', top.katas);
  const katas: Kata[] = [];
  const ids = new Map<number, number>();
  const names = new Map<string, number>();
  (top.katas as unknown[]).forEach((raw, i) => {
    const at = `katas[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(at, 'an object', raw);
    const k = raw as Record<string, unknown>;
    for (const key of Object.keys(k)) {
      if (!(KNOWN_FIELDS as readonly string[]).includes(key)) {
        fail(`${at}.${key}`, `one of the fields ${KNOWN_FIELDS.join(', ')}`, `unknown field "${key}"`, true);
      }
    }
    if (typeof k.id !== 'number' || !Number.isInteger(k.id) || k.id < 0) {
      fail(`${at}.id`, 'a non-negative integer', k.id);
    }
    const id = k.id as number;
    if (typeof k.name !== 'string' || !NAME_RE.test(k.name)) {
      fail(`${at}.name`, 'a folder name like "03-diverging-accuracy" (two-digit number, dash, lowercase words)', k.name);
    }
    const name = k.name as string;
    const prefix = Number(NAME_RE.exec(name)![1]);
    if (prefix !== id) fail(`${at}.name`, `a name starting with the id ${String(id).padStart(2, '0')}`, k.name);
    if (ids.has(id)) fail(`${at}.id`, `a unique id (katas[${ids.get(id)}] already has it)`, k.id);
    if (names.has(name)) fail(`${at}.name`, `a unique name (katas[${names.get(name)}] already has it)`, k.name);
    ids.set(id, i);
    names.set(name, i);
    if (typeof k.title !== 'string' || k.title.trim() === '') fail(`${at}.title`, 'a non-empty string', k.title);
    const stringList = (field: string, min: number, check?: (s: string, j: number) => void): string[] => {
      const v = k[field];
      if (!Array.isArray(v)) fail(`${at}.${field}`, `an array of strings`, v);
      const arr = v as unknown[];
      if (arr.length < min) fail(`${at}.${field}`, `at least ${min} entr${min === 1 ? 'y' : 'ies'}`, 'an empty array', true);
      arr.forEach((s, j) => {
        if (typeof s !== 'string' || s.trim() === '') fail(`${at}.${field}[${j}]`, 'a non-empty string', s);
        check?.(s as string, j);
      });
      return arr as string[];
    };
    const files = stringList('files', 1, (s, j) => {
      if (!/^[A-Za-z0-9_.-]+\.ts$/.test(s) || s.endsWith('.test.ts')) {
        fail(`${at}.files[${j}]`, 'a .ts file name inside the kata folder (no path, not a test file)', s);
      }
    });
    const hints = stringList('hints', 1);
    const mustFail = k.mustFail === undefined ? [] : stringList('mustFail', 0);
    const slow = k.slow === undefined ? [] : stringList('slow', 0);
    let failsWith: string | undefined;
    if (k.failsWith !== undefined) {
      if (typeof k.failsWith !== 'string' || k.failsWith === '') {
        fail(`${at}.failsWith`, 'a regular expression as a non-empty string', k.failsWith);
      }
      try {
        new RegExp(k.failsWith as string);
      } catch (e) {
        fail(`${at}.failsWith`, 'a valid regular expression', `${describeValue(k.failsWith)} (${(e as Error).message})`, true);
      }
      failsWith = k.failsWith as string;
    }
    const seconds = (field: 'timeLimitSeconds' | 'browserTimeLimitSeconds'): number | undefined => {
      const v = k[field];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 3600) fail(`${at}.${field}`, 'a number of seconds in (0, 3600]', v);
      return v as number;
    };
    const timeLimitSeconds = seconds('timeLimitSeconds');
    const browserTimeLimitSeconds = seconds('browserTimeLimitSeconds');
    katas.push({
      id,
      name,
      title: (k.title as string).trim(),
      files,
      hints,
      mustFail,
      slow,
      ...(failsWith !== undefined ? { failsWith } : {}),
      ...(timeLimitSeconds !== undefined ? { timeLimitSeconds } : {}),
      ...(browserTimeLimitSeconds !== undefined ? { browserTimeLimitSeconds } : {}),
    });
  });
  katas.sort((a, b) => a.id - b.id);
  return { file, katas };
}

/** Reads and validates `<root>/katas/manifest.json`; a missing or invalid file is an error naming it. */
export function loadManifest(root = courseRoot()): Manifest {
  const file = manifestPath(root);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ManifestError(
      code === 'ENOENT'
        ? `${file}: the kata manifest is missing (expected { "katas": [...] } there)`
        : `${file}: cannot read the kata manifest (${(e as Error).message})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateManifest(data, file);
}

/**
 * Finds a kata by "3", "03", "03-build-model" or "build-model". Returns undefined when none matches.
 */
export function findKata(manifest: Manifest, query: string): Kata | undefined {
  const q = query.trim().toLowerCase();
  if (/^\d+$/.test(q)) return manifest.katas.find((k) => k.id === Number(q));
  return manifest.katas.find((k) => k.name === q || k.name.replace(/^\d+-/, '') === q);
}

/** Absolute paths of one kata's folders and files. */
export function kataPaths(kata: Pick<Kata, 'name' | 'files'>, root = courseRoot()) {
  const dir = path.join(root, 'katas', kata.name);
  const solutionDir = path.join(root, 'solutions', kata.name);
  return {
    dir,
    readme: path.join(dir, 'README.md'),
    test: path.join(dir, `${kata.name}.test.ts`),
    files: kata.files.map((f) => path.join(dir, f)),
    solutionDir,
    solutions: kata.files.map((f) => path.join(solutionDir, f)),
  };
}
