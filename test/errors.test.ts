/**
 * Issue 22: one clear line for every failure, nothing left behind, the bundled data verified.
 *
 * Through npm as typed (spawned side by side): the settings of `npm run kata` checked before Vitest starts,
 * a backend that cannot load in kata, train and doctor, `kata reset` and `--hint` on files that cannot be
 * written, Ctrl-C of a kata run (no temp folder left), `kata grade --junit rel.xml` from a subfolder.
 * In-process: atomic progress, the progress bar's terminal state, the bundled data's checksums and a corrupted
 * .gz, --data folders of IDX files, INIT_CWD.
 *
 * Writes that fail as root: root ignores chmod, so the files are made immutable (chattr +i; EPERM); as another
 * user they are made read-only (chmod; EACCES).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/course/manifest.js';
import { loadProgress, progressPath, saveProgress } from '../src/course/progress.js';
import { loadBundledPair } from '../src/lib/data/bundled.js';
import { BUNDLED_PAIR_DIR } from '../src/lib/data/paths.js';
import { epochBar } from '../src/lib/cli/progress.js';
import { userPath } from '../src/lib/cli/user-path.js';
import { explainFailure, reachedLesson } from '../src/course/blame.js';
import { trimFailure } from '../src/course/vitest.js';
import { dataFolderKind, idxFolderData } from '../src/reference/data.js';

const fixture = path.join(repoRoot, 'test/fixtures/course');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'errors-'));
const undo: (() => void)[] = [];
afterAll(() => {
  for (const u of undo.reverse()) u();
  rmSync(tmp, { recursive: true, force: true });
});

const gpuInstalled = existsSync(path.join(repoRoot, 'node_modules/@tensorflow/tfjs-node-gpu/package.json'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run -s <args>` as a learner types it, in `cwd`, with `env` added. `onStdout` sees the output as it comes. */
function npm(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean; onStdout?: (all: string, pid: number) => void } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', ...opts.env };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'INIT_CWD' || k.startsWith('npm_')) delete env[k];
  const child = spawn('npm', ['run', '-s', ...args], { cwd: opts.cwd ?? repoRoot, env, detached: opts.detached ?? false });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    opts.onStdout?.(stdout, child.pid!);
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A copy of the fixture course; with git: a repository with one commit (kata reset restores from git). */
function course(git: boolean, under = tmp): string {
  const dir = mkdtempSync(path.join(under, 'course-'));
  cpSync(fixture, dir, { recursive: true, filter: (src) => !path.basename(src).startsWith('.kata-') });
  if (git) {
    const g = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
    g('init', '-q');
    g('add', '-A');
    g('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'start');
  }
  return dir;
}

/** Makes writes to `p` fail for real: immutable as root (chattr +i), read-only otherwise. Undone after the file. */
function unwritable(p: string): void {
  if (process.getuid?.() === 0) {
    try {
      execFileSync('chattr', ['+i', p], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`cannot make ${p} unwritable as root here (chattr +i failed: ${(e as Error).message.split('\n')[0]}); run this test as a user other than root`);
    }
    undo.push(() => execFileSync('chattr', ['-i', p], { stdio: 'pipe' }));
    return;
  }
  const mode = statSync(p).mode & 0o777;
  chmodSync(p, statSync(p).isDirectory() ? 0o555 : 0o444);
  undo.push(() => chmodSync(p, mode));
}

/** stderr is one line, without a stack frame. */
function oneLine(r: Run): string {
  const err = r.stderr.trim();
  expect(err.split('\n'), err).toHaveLength(1);
  expect(err).not.toMatch(/\n\s+at |node_modules/);
  return err;
}

describe.concurrent('through npm as typed: one line for each failure', { timeout: 240_000 }, () => {
  it.each([
    ['KATA_BACKEND=bogus npm run kata 0', ['kata', '0'], { KATA_BACKEND: 'bogus' }, /^error: KATA_BACKEND: expected one of tensorflow, gpu, node, wasm, cpu, got "bogus"$/],
    ['npm run kata 0 -- --backend bogus', ['kata', '0', '--', '--backend', 'bogus'], {}, /^error: --backend: expected one of tensorflow, gpu, node, wasm, cpu, got "bogus"$/],
    ['KATA_THREADS=0 npm run kata 0', ['kata', '0'], { KATA_THREADS: '0' }, /^error: KATA_THREADS: expected a positive integer number of threads, got "0"$/],
  ] as const)('%s: checked before Vitest starts, exit 2', async (_, args, env, line) => {
    const r = await npm([...args], { env: { KATA_ROOT: fixture, ...env } });
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r)).toMatch(line);
    expect(r.stdout).not.toContain('Kata 00'); // no run started
  });

  it.skipIf(gpuInstalled).each([
    ['npm run kata 0 -- --backend gpu', ['kata', '0', '--', '--backend', 'gpu'], {}, /^error: --backend gpu: expected @tensorflow\/tfjs-node-gpu to load, got "not installed"; npm install @tensorflow\/tfjs-node-gpu .*leave --backend out/],
    ['KATA_BACKEND=gpu npm run kata 0', ['kata', '0'], { KATA_BACKEND: 'gpu' }, /^error: KATA_BACKEND gpu: expected @tensorflow\/tfjs-node-gpu to load, got "not installed"/],
    ['npm run train -- --backend gpu', ['train', '--', '--backend', 'gpu'], {}, /^train: --backend gpu: expected @tensorflow\/tfjs-node-gpu to load, got "not installed"/],
  ] as const)('%s (tfjs-node-gpu not installed): one line, exit 2', async (_, args, env, line) => {
    const r = await npm([...args], { env: { KATA_ROOT: fixture, ...env } });
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r)).toMatch(line);
  });

  it.skipIf(gpuInstalled)('npm run doctor -- --backend gpu: reports the backend that cannot load, then the whole report (exit 0)', async () => {
    // No browser: the browser section is test/doctor.test.ts's; here probing Chromium would only cost ~8 s of CPU.
    const r = await npm(['doctor', '--', '--backend', 'gpu'], { env: { KATA_BROWSER: '/nonexistent/chrome' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^✗ --backend gpu: expected @tensorflow\/tfjs-node-gpu to load, got "not installed"; .* — the report below is on the automatic choice$/);
    expect(lines[1]).toMatch(/^backend: (wasm|cpu|tensorflow) /);
    expect(r.stdout).toMatch(/^Node GPU: /m);
    expect(r.stdout).toMatch(/^Browser GPU: no — no usable Chromium\/Chrome/m);
    expect(r.stdout).toMatch(/^Fashion-MNIST: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('npm run kata reset 0 on a file that cannot be written: the backup line first, then one line', async () => {
    const root = course(true);
    const file = path.join(root, 'katas/00-fixture/add.ts');
    writeFileSync(file, readFileSync(file, 'utf8') + '\n// my work\n');
    unwritable(file);
    const r = await npm(['kata', 'reset', '0'], { env: { KATA_ROOT: root } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const saved = /^Saved your version of katas\/00-fixture\/add\.ts to (\.kata-backups\/00-fixture\/add\.\S+\.ts)$/m.exec(r.stdout);
    expect(saved, r.stdout).not.toBeNull();
    expect(readFileSync(path.join(root, saved![1]!), 'utf8')).toContain('// my work');
    expect(oneLine(r)).toMatch(/^error: cannot write katas\/00-fixture\/add\.ts \((EPERM|EACCES)\): expected a writable file, it was not restored \(your version is safe in \.kata-backups\/00-fixture\/add\.\S+\.ts\); make it writable/);
  });

  it('npm run kata 0 -- --hint with a progress file that cannot be written: the hint, then one line (exit 1)', async () => {
    const root = course(false);
    writeFileSync(progressPath(root), '{"solved": [], "hintsShown": {}}\n');
    unwritable(process.getuid?.() === 0 ? progressPath(root) : root);
    const r = await npm(['kata', '0', '--', '--hint'], { env: { KATA_ROOT: root } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('Hint 1 of 3 for 00-fixture:');
    expect(oneLine(r)).toMatch(/^error: \.kata-progress\.json: expected to save your progress, got (EPERM|EACCES) writing it; make the file and its folder writable/);
  });

  it('npm run kata 0 -- --hint with a .kata-progress.json that is a folder: one line (exit 1)', async () => {
    const root = course(false);
    mkdirSync(progressPath(root));
    const r = await npm(['kata', '0', '--', '--hint'], { env: { KATA_ROOT: root } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(oneLine(r)).toMatch(/^error: \.kata-progress\.json: expected a readable file, got EISDIR; /);
  });

  it('Ctrl-C during npm run kata 0 leaves no temp folder (SIGINT to the process group, as a terminal sends it)', async () => {
    const tmpdir = mkdtempSync(path.join(tmp, 'tmpdir-'));
    let sent = false;
    const r = await npm(['kata', '0'], {
      env: { KATA_ROOT: fixture, TMPDIR: tmpdir },
      detached: true,
      onStdout: (all, pid) => {
        if (!sent && all.includes('backend: ')) {
          sent = true;
          process.kill(-pid, 'SIGINT');
        }
      },
    });
    expect(sent, r.stdout + r.stderr).toBe(true);
    expect(r.stdout).not.toContain('tests pass');
    expect(readdirSync(tmpdir).filter((f) => f.startsWith('kata-report-'))).toEqual([]);
  });

  it('npm run kata grade -- --junit rel.xml from a subfolder writes rel.xml there', async () => {
    const inRepo = mkdtempSync(path.join(repoRoot, 'test/fixtures/.tmp-errors-'));
    undo.push(() => rmSync(inRepo, { recursive: true, force: true }));
    const root = course(false, inRepo);
    const sub = path.join(inRepo, 'sub');
    mkdirSync(sub);
    const r = await npm(['kata', 'grade', '--', '--junit', 'rel.xml'], { cwd: sub, env: { KATA_ROOT: root } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(path.join(sub, 'rel.xml'), 'utf8')).toMatch(/^<\?xml[\s\S]*<testsuite /);
    expect(existsSync(path.join(repoRoot, 'rel.xml'))).toBe(false);
  });
});

describe('in-process', () => {
  it('progress is written atomically: a new file renamed over the old one (a reader never sees it half written), no temp file left', () => {
    const root = mkdtempSync(path.join(tmp, 'progress-'));
    saveProgress(root, { solved: ['a'], hintsShown: {}, caughtUp: [] });
    const before = statSync(progressPath(root)).ino;
    saveProgress(root, { solved: ['a', 'b'], hintsShown: { b: 1 }, caughtUp: [] });
    expect(statSync(progressPath(root)).ino).not.toBe(before);
    expect(readdirSync(root)).toEqual(['.kata-progress.json']);
    expect(loadProgress(root).progress).toEqual({ solved: ['a', 'b'], hintsShown: { b: 1 }, caughtUp: [] });
  });

  it('the progress bar leaves the terminal alone: no hidden cursor, no line wrapping turned off (nothing for Ctrl-C to leave behind)', () => {
    const out = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
    Object.assign(out, { isTTY: true, columns: 80, rows: 24, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let written = '';
    out.on('data', (b: Buffer) => (written += b.toString()));
    const bar = epochBar('epoch 1/2', 3, false, out);
    bar.tick({ loss: '0.5' });
    expect(written).toContain('epoch 1/2');
    expect(written).not.toContain('\u001b[?25l'); // hide cursor
    expect(written).not.toContain('\u001b[?7l'); // wrapping off
    bar.stop();
  });

  function bundledCopy(): string {
    const dir = mkdtempSync(path.join(tmp, 'bundled-'));
    cpSync(BUNDLED_PAIR_DIR, dir, { recursive: true });
    return dir;
  }

  it('a bundled IDX file with 4 KB overwritten inside a valid gzip is refused by its checksum, naming the file and git checkout data/', () => {
    const dir = bundledCopy();
    const file = path.join(dir, 'train-images-idx3-ubyte.gz');
    const raw = zlib.gunzipSync(readFileSync(file));
    raw.fill(255, 16 + 5000, 16 + 5000 + 4096);
    writeFileSync(file, zlib.gzipSync(raw));
    expect(() => loadBundledPair(dir)).toThrow(/train-images-idx3-ubyte\.gz: expected md5 c50c7d81a4c3e65a5b95822cbd4aeec7 of its 1568000 data bytes \(provenance\.json\), got [0-9a-f]{32}: .*git checkout data\//);
    expect(() => loadBundledPair(BUNDLED_PAIR_DIR)).not.toThrow(); // the real one passes
  });

  it('a corrupted bundled .gz says how to restore it', () => {
    const dir = bundledCopy();
    const file = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    const bytes = readFileSync(file);
    bytes.fill(0x41, 20, 40);
    writeFileSync(file, bytes);
    expect(() => loadBundledPair(dir)).toThrow(/t10k-labels-idx1-ubyte\.gz: expected gzip data .*; restore the bundled data with: git checkout data\//);
  });

  it('--data: a folder of the IDX files is Fashion-MNIST (Dress vs Coat); a folder of neither says what it found', () => {
    const dir = bundledCopy();
    expect(dataFolderKind(dir)).toEqual({ kind: 'idx' });
    const data = idxFolderData(dir);
    expect([data.pool.length, data.test.length, data.pool.classNames]).toEqual([2000, 2000, ['Dress', 'Coat']]);
    rmSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect(dataFolderKind(dir)).toEqual({ kind: 'neither', found: '3 of the 4 Fashion-MNIST IDX files (missing t10k-labels-idx1-ubyte)' });
    const photos = mkdtempSync(path.join(tmp, 'photos-'));
    mkdirSync(path.join(photos, 'cats'));
    expect(dataFolderKind(photos)).toEqual({ kind: 'photos' });
    const junk = mkdtempSync(path.join(tmp, 'junk-'));
    writeFileSync(path.join(junk, 'a.txt'), '');
    expect(dataFolderKind(junk)).toEqual({ kind: 'neither', found: '1 file and no sub-folder (a.txt)' });
  });

  it("paths the learner types resolve from npm's INIT_CWD when npm started this package's script, else from the cwd", () => {
    const npmEnv = { INIT_CWD: '/home/me/course/katas', npm_package_json: '/home/me/course/package.json' };
    expect(userPath('rel.xml', npmEnv, '/home/me/course')).toBe('/home/me/course/katas/rel.xml');
    expect(userPath('/abs/x', npmEnv, '/home/me/course')).toBe('/abs/x');
    expect(userPath('rel.xml', npmEnv, '/elsewhere')).toBe('/elsewhere/rel.xml'); // inherited npm env, another cwd
    expect(userPath('rel.xml', {}, '/home/me/course')).toBe('/home/me/course/rel.xml');
  });
});

describe('blame: the failure names what the learner did, not bundler internals (src/course/blame.ts)', () => {
  const kataDir = path.join(repoRoot, 'katas/04-dtype-cast');
  const ctx = { root: repoRoot, testFile: path.join(kataDir, '04-dtype-cast.test.ts'), kataFiles: [path.join(kataDir, 'dtype-cast.ts')], ref: '04' };
  const gone = { ...ctx, kataFiles: [path.join(tmp, 'no-such/dtype-cast.ts')] };

  it('a renamed export: the file and the name the test imports, and not "← the lesson"', () => {
    const m = 'Error: toClassIndices(float32 [4] [0, 1, 1, 0], 2) threw, but these are valid labels.\n  error: (0 , __vite_ssr_import_5__.toClassIndices) is not a function';
    expect(explainFailure(m, ctx)).toBe('katas/04-dtype-cast/dtype-cast.ts has no export named toClassIndices (the test imports it): did you rename it?');
    expect(reachedLesson(m, ctx)).toBe(false);
  });

  it('a deleted kata file points to npm run kata reset N', () => {
    const m = "Cannot find module './dtype-cast.js' imported from katas/04-dtype-cast/04-dtype-cast.test.ts";
    expect(explainFailure(m, { ...gone, root: tmp })).toBe('no-such/dtype-cast.ts is missing (the test imports it): restore its starting version with npm run kata reset 04');
  });

  it('an allocation that fails is memory, not the lesson; a lesson failure and a learner\'s own "is not a function" are left as they are', () => {
    expect(reachedLesson('RangeError: Array buffer allocation failed', ctx)).toBe(false);
    expect(explainFailure('RangeError: Invalid typed array length: -4', ctx)).toMatch(/^out of memory: /);
    expect(reachedLesson('expected toClassIndices to throw naming targets[3], got int32 [4]', ctx)).toBe(true);
    expect(explainFailure('TypeError: (0 , __vite_ssr_import_2__.somethingElse) is not a function', ctx)).toBeUndefined();
  });
});

describe('browser-mode stack lines', () => {
  it('lose the dev server URL and the absolute path, and read %20 as a space', () => {
    const root = '/home/me/my course';
    const m = 'Error: boom\n    at toClassIndices (http://localhost:63315/@fs/home/me/my%20course/katas/04-dtype-cast/dtype-cast.ts?import&browserv=1:21:11)';
    expect(trimFailure(m, root)).toBe('Error: boom\n    at toClassIndices (katas/04-dtype-cast/dtype-cast.ts:21:11)');
  });
});
