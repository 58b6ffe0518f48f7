/**
 * Planted faults through npm, as a learner and an instructor type it: `npm run -s kata N` and `npm run -s kata grade`
 * on a fixture course (KATA_ROOT, under .cache/ at the fixture's depth so its src/lib imports resolve).
 * Each kata is a copy of the fixture's kata 00 with its solved add.ts and one fault planted as the first line of
 * safeAdd: SIGKILL, reallyExit(0), abort(), an endless loop (manifest timeLimitSeconds 10), a type error; one kata
 * with an async test on a promise that never settles (KATA_TEST_TIMEOUT=3). None is solved nor passed, each gets
 * its one line. The runner runs and the one grade run go side by side. Then the loop once more, stopped as an editor's
 * Stop button and a closed terminal stop it: SIGTERM or SIGHUP to npm alone; every process of the run must end.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeChecksums } from '../src/course/checksums.js';
import { loadManifest, repoRoot } from '../src/course/manifest.js';
import { descendants } from '../src/course/processes.js';
import { serverSocket } from '../src/course/typecheck-socket.js';
import { cliEnv, runCli, type CliResult } from './support/cli.js';

const fixture = path.join(repoRoot, 'test/fixtures/course');
const LOOP_LIMIT = 10;

function npm(root: string, ...args: string[]): Promise<CliResult> {
  return runCli('npm', ['run', '-s', 'kata', ...args], cliEnv({ KATA_ROOT: root, KATA_TEST_TIMEOUT: '3' }));
}

const solved = readFileSync(path.join(fixture, 'solutions/00-fixture/add.ts'), 'utf8');
const FIRST_LINE = 'export function safeAdd(a: tf.Tensor, b: tf.Tensor): tf.Tensor {\n';

/** The faults: kata id → [name, the line planted first in safeAdd (or a whole file), the one line expected]. */
const faults: [number, string, string, RegExp][] = [
  [2, 'sigkill', "  process.kill(process.pid, 'SIGKILL');\n", /the test process died \(SIGKILL: out of memory\?\) while 'adds two tensors of the same shape' was running/],
  [3, 'really-exit', '  (process as unknown as { reallyExit(code: number): void }).reallyExit(0);\n', /the test process exited early \(process\.exit \/ reallyExit in your code\?\) while 'adds two tensors of the same shape' was running/],
  [4, 'abort', '  process.abort();\n', /the test process died \(SIGABRT: process\.abort\(\) in your code, or a crash in native code\?\) while 'adds two tensors of the same shape' was running/],
  [5, 'loop', '  for (;;) {\n    // endless\n  }\n', new RegExp(`your code did not return within ${LOOP_LIMIT} s while 'adds two tensors of the same shape' was running: an endless loop, or a promise that never settles\\?`)],
  [6, 'types', "  const wrong: string = a.rank * 2;\n  void wrong;\n", /type error in katas\/06-types\/add\.ts:5:9: TS2322 Type 'number' is not assignable to type 'string'\./],
  [7, 'await', '', /'resolves the sum' timed out after 3 s \(Vitest's test timeout\): an await on a promise that never settles\?/],
];

let root: string;

/** The fixture course + one copy of kata 00 per fault (checksums regenerated), then the faults planted. */
function plantedCourse(): string {
  const base = path.join(repoRoot, '.cache/verdict-tests');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, 'course-'));
  cpSync(fixture, dir, { recursive: true, filter: (src) => !path.basename(src).startsWith('.kata-') });
  const manifestFile = path.join(dir, 'katas/manifest.json');
  const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { katas: Record<string, unknown>[] };
  for (const [id, name] of faults) {
    const kata = `0${id}-${name}`;
    cpSync(path.join(dir, 'katas/00-fixture'), path.join(dir, 'katas', kata), { recursive: true });
    rmSync(path.join(dir, 'katas', kata, '00-fixture.test.ts'));
    cpSync(path.join(dir, 'solutions/00-fixture'), path.join(dir, 'solutions', kata), { recursive: true });
    const test = readFileSync(path.join(dir, 'katas/00-fixture/00-fixture.test.ts'), 'utf8');
    writeFileSync(
      path.join(dir, 'katas', kata, `${kata}.test.ts`),
      name === 'await'
        ? `import { expect, it } from 'vitest';\nimport { tf } from '../../../../../src/lib/tf.js';\nimport { safeAdd } from './add.js';\n\nit('resolves the sum', async () => {\n  const sum = await Promise.resolve(safeAdd(tf.scalar(1), tf.scalar(2)));\n  expect(sum.dataSync()[0]).toBe(3);\n});\n`
        : test,
    );
    m.katas.push({ ...m.katas[0]!, id, name: kata, title: `Planted: ${name}`, mustFail: [], ...(name === 'loop' ? { timeLimitSeconds: LOOP_LIMIT } : {}) });
  }
  writeFileSync(manifestFile, JSON.stringify(m, null, 2) + '\n');
  writeChecksums(dir, loadManifest(dir));
  writeFileSync(path.join(dir, 'katas/00-fixture/add.ts'), solved);
  for (const [id, name, line] of faults) {
    const file = path.join(dir, 'katas', `0${id}-${name}`, 'add.ts');
    writeFileSync(
      file,
      name === 'await'
        ? solved.replace(FIRST_LINE, 'export function safeAdd(a: tf.Tensor, b: tf.Tensor): Promise<tf.Tensor> {\n  void a;\n  void b;\n  return new Promise(() => {});\n}\nexport function unused(a: tf.Tensor, b: tf.Tensor): tf.Tensor {\n')
        : solved.replace(FIRST_LINE, FIRST_LINE + line),
    );
  }
  return dir;
}

let runs: Map<string, CliResult>;
let grade: CliResult;
let json: { katas: { name: string; passed: boolean; status: string; message?: string }[] };

beforeAll(async () => {
  root = plantedCourse();
  const all = await Promise.all([npm(root, 'grade', '--', '--json', '--junit', path.join(root, 'grade.xml')), ...faults.map(([id]) => npm(root, String(id)))]);
  grade = all[0]!;
  runs = new Map(faults.map(([, name], i) => [name, all[i + 1]!]));
  try {
    json = JSON.parse(grade.stdout); // --json: stdout holds the JSON object only, the table goes to stderr
  } catch {
    json = { katas: [] };
  }
}, 240_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('planted faults: npm run kata N', () => {
  it.each(faults.map(([id, name, , line]) => [name, id, line] as const))('%s: not solved, exit 1, its one line', (name, _id, line) => {
    const r = runs.get(name)!;
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(/solved!|All \d+ tests pass/);
    expect(r.stdout).toMatch(line);
    const lines = r.stdout.split('\n').filter((l) => line.test(l));
    expect(lines, r.stdout).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toMatch(/Mark-Compact|Native stack trace|<--- JS stacktrace/);
  });

  it('the endless loop is stopped within its limit', () => {
    // LOOP_LIMIT from the moment the file is loaded, plus the load, Vitest's start and the type check on a busy machine
    expect(runs.get('loop')!.seconds).toBeLessThan(LOOP_LIMIT + 150);
  });

  it('records no kata as solved', () => {
    expect(() => readFileSync(path.join(root, '.kata-progress.json'), 'utf8')).toThrow();
  });
});

describe('a type check that could not be done: npm run kata 0 (solved) with a type-check server that never answers', () => {
  it('is not solved: exit 1, its one line, nothing recorded', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'verdict-typecheck-'));
    const env = cliEnv({ KATA_ROOT: root, KATA_TYPECHECK_CACHE: cache, KATA_TYPECHECK_SERVER_WAIT: '2' });
    const socket = serverSocket(env); // where the run will look for its server
    const silent = net.createServer(() => {}).listen(socket);
    await new Promise((r) => silent.once('listening', r));
    try {
      const r = await runCli('npm', ['run', '-s', 'kata', '0'], env);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/^✗ Not solved: every test passes, but your files could not be type-checked \(the type-check server did not answer within 2 s\): run it again$/m);
      expect(r.stdout).not.toMatch(/solved!/);
      expect(() => readFileSync(path.join(root, '.kata-progress.json'), 'utf8')).toThrow();
    } finally {
      silent.close();
      rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('planted faults: npm run kata grade (one run)', () => {
  it('none passes; each has its status and line in the table, the JSON and the JUnit report', () => {
    expect(grade.code, grade.stdout + grade.stderr).toBe(0);
    expect(json.katas.length, grade.stdout + grade.stderr).toBeGreaterThan(0);
    const status: Record<string, string> = { sigkill: 'crashed', 'really-exit': 'crashed', abort: 'crashed', loop: 'timed out', types: 'type error', await: 'timed out' };
    for (const [id, name, , line] of faults) {
      const k = json.katas.find((x) => x.name === `0${id}-${name}`)!;
      expect(k, name).toMatchObject({ passed: false, status: status[name] });
      expect(k.message, name).toMatch(line);
      const row = grade.stderr.split('\n').find((l) => l.startsWith(`0${id}-${name} `));
      expect(row, name).toMatch(new RegExp(`\\s+no\\s+.*${status[name]}: `));
    }
    // the solved kata 00 is the reference file itself: "caught up", never passed (kata catch-up's rule)
    expect(json.katas.find((x) => x.name === '00-fixture')).toMatchObject({ passed: false, status: 'caught up' });
    const xml = readFileSync(path.join(root, 'grade.xml'), 'utf8');
    for (const t of ['Crashed', 'TimedOut', 'TypeError']) expect(xml).toContain(`type="${t}"`);
    expect(grade.stderr).toContain(`score: 0/${json.katas.length} katas passed`);
  });
});

/** A process's start time (/proc/PID/stat field 22), so that a pid reused by another process is not taken for a survivor. */
function started(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
  } catch {
    return undefined;
  }
}

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * `npm run -s kata 5` (the endless loop, its time limit raised to 300 s so that the watchdog cannot be what ends it),
 * `signal` sent to npm's pid alone once the test worker runs the loop (a child of Vitest's process), then: which of
 * the processes the run had started are still alive 20 s after npm ended.
 */
async function stopped(signal: NodeJS.Signals): Promise<{ survivors: string[]; tree: string[] }> {
  const child = spawn('npm', ['run', '-s', 'kata', '5'], { env: cliEnv({ KATA_ROOT: root, KATA_TIME_LIMIT: '300' }), detached: true, stdio: 'ignore' });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const pid = child.pid!;
  const seen = new Map<number, string | undefined>();
  const deadline = Date.now() + 150_000;
  for (;;) {
    const tree = descendants(pid);
    for (const p of tree) if (!seen.has(p)) seen.set(p, started(p));
    const vitest = tree.find((p) => /vitest\.mjs run/.test(command(p)));
    if (vitest !== undefined && descendants(vitest).length > 0) break; // the worker is running the loop
    if (Date.now() > deadline) throw new Error(`${signal}: the test worker did not start within 150 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1000));
  for (const p of descendants(pid)) if (!seen.has(p)) seen.set(p, started(p));
  const tree = [...seen.keys()].map((p) => `${p} ${command(p).slice(0, 120)}`);
  process.kill(pid, signal);
  await closed;
  // The shared type-check server (src/course/typecheck-server.ts) outlives runs by design: idle, it serves the next
  // run, and ends by itself; a run that started it does not own it.
  const alive = () => [...seen].filter(([p, t]) => t !== undefined && started(p) === t && !/typecheck-cli\.ts --daemon/.test(command(p))).map(([p]) => p);
  for (let i = 0; i < 100 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 200));
  const left = alive();
  const survivors = left.map((p) => `${p} ${command(p).slice(0, 120)}`);
  for (const p of left) {
    try {
      process.kill(p, 'SIGKILL'); // leave nothing behind for the next test
    } catch {
      // gone meanwhile
    }
  }
  return { survivors, tree };
}

describe.runIf(process.platform === 'linux')("a Stop button or a closed terminal ends every process of the run", () => {
  it("the endless loop: SIGTERM to npm alone (an editor's Stop) and SIGHUP to npm alone (a closed terminal) leave no process of the run behind", async () => {
    const [term, hup] = await Promise.all([stopped('SIGTERM'), stopped('SIGHUP')]);
    expect(term.tree.length, "npm's shell, the runner, Vitest and its worker").toBeGreaterThanOrEqual(4);
    expect(term.survivors, `SIGTERM to npm; the run's processes were:\n${term.tree.join('\n')}`).toEqual([]);
    expect(hup.survivors, `SIGHUP to npm; the run's processes were:\n${hup.tree.join('\n')}`).toEqual([]);
  }, 240_000);
});
