/**
 * The one verdict (src/course/verdict.ts), case by case, on hand-made facts: no Vitest run (milliseconds).
 * The same cases through npm, on a planted fixture course: test/verdict-cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { judge, type RunFacts, type VerdictEvent } from '../src/course/verdict.js';
import { LOAD_LIMIT, pastLimit, runningFiles, type AssertionResult, type JsonReport } from '../src/course/vitest.js';

const root = '/course';
const file = '/course/katas/04-x/04-x.test.ts';

function t(title: string, status: string, failureMessages: string[] = []): AssertionResult {
  return { ancestorTitles: ['kata 04'], fullName: `kata 04 ${title}`, title, status, failureMessages };
}

function report(tests: AssertionResult[], message = ''): JsonReport {
  return { success: true, numTotalTests: tests.length, numFailedTests: 0, testResults: [{ name: file, status: 'passed', message, assertionResults: tests }] };
}

const ev = (e: string, extra: Partial<VerdictEvent> = {}): VerdictEvent => ({ t: 1, e, file, ...extra });
const workerDied: VerdictEvent = { t: 2, e: 'run-end', errors: [{ name: 'Error', message: '[vitest-pool]: Worker forks emitted error.', cause: 'Worker exited unexpectedly' }], modules: [] };
/** Events of a worker that started the file and was running test "a" when it stopped. */
const stoppedIn = (test = 'a'): VerdictEvent[] => [ev('file', { pid: 42 }), ev('collected'), ev('test', { test })];
const finished = (...tests: string[]): VerdictEvent[] => [ev('file', { pid: 42 }), ev('collected'), ...tests.map((x) => ev('test', { test: x })), ev('file-end'), { t: 3, e: 'run-end', errors: [], modules: [] }];

function facts(over: Partial<RunFacts>): RunFacts {
  return { exitCode: 0, signal: null, report: report([t('a', 'passed'), t('b', 'passed')]), output: '', events: finished('a', 'b'), ...over };
}

describe('the verdict', () => {
  it('passes only a run that ended normally with every collected test run and passed', () => {
    const v = judge(file, facts({}), { root });
    expect(v).toMatchObject({ passed: true, kind: 'passed', line: '', tests: { passed: 2, total: 2 } });
  });

  it.each([
    ['SIGKILL sent by the code itself', [...stoppedIn(), ev('exit', { how: 'signal', signal: 'SIGKILL' }), workerDied], '', "the test process died (SIGKILL: out of memory?) while 'a' was running"],
    ['a silent death (the out-of-memory killer)', [...stoppedIn(), workerDied], '', "the test process died (SIGKILL: out of memory?) while 'a' was running"],
    ['process.reallyExit(0)', [...stoppedIn(), ev('exit', { how: 'reallyExit', code: 0 }), workerDied], '', "the test process exited early (process.exit / reallyExit in your code?) while 'a' was running"],
    ['process.abort()', [...stoppedIn(), ev('exit', { how: 'abort' }), workerDied], '', "the test process died (SIGABRT: process.abort() in your code, or a crash in native code?) while 'a' was running"],
    ['a V8 heap overflow', [...stoppedIn(), workerDied], 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', "the test process ran out of memory (the JavaScript heap is full) while 'a' was running"],
  ])('crashed, with every test "pending" and Vitest exit 1: %s', (_, events, output, line) => {
    const v = judge(file, facts({ exitCode: 1, report: report([t('a', 'pending'), t('b', 'pending')]), events, output }), { root });
    expect(v.passed).toBe(false);
    expect(v.kind).toBe('crashed');
    expect(v.line.startsWith(line), v.line).toBe(true);
    expect(v.line).not.toMatch(/\n|GC|Mark-Compact|Native stack/);
  });

  it('Vitest itself killed by a signal, and a run with no report at all, are crashes', () => {
    expect(judge(file, facts({ exitCode: null, signal: 'SIGKILL', report: undefined, events: stoppedIn() }), { root }).line).toBe("the test process died (SIGKILL: out of memory?) while 'a' was running");
    expect(judge(file, facts({ exitCode: 1, report: undefined, events: [] }), { root })).toMatchObject({ passed: false, kind: 'crashed', line: 'the test process ended without a report (exit 1)' });
  });

  it('the watchdog: the test that was running, or the loading file; in the browser its own words', () => {
    const timedOut = new Map([[file, 60]]);
    expect(judge(file, facts({ exitCode: null, report: undefined, events: stoppedIn('b'), timedOut }), { root }).line).toBe(
      "your code did not return within 60 s while 'b' was running: an endless loop, or a promise that never settles?",
    );
    expect(judge(file, facts({ report: undefined, events: [ev('file', { pid: 42 })], timedOut }), { root }).line).toBe(
      'your code did not return within 60 s while loading katas/04-x/04-x.test.ts and the code it imports: an endless loop, or a promise that never settles?',
    );
    const browser = judge(file, facts({ report: undefined, events: [], timedOut: new Map([['*', 90]]), browser: true }), { root });
    expect(browser).toMatchObject({ kind: 'timed out', line: 'did not finish within 90 s in the browser: slow code, an endless loop, or a promise that never settles?' });
    // A software renderer named by the run's backend line: only slow is the likely reason, and the line says so.
    const output = 'backend: webgpu (adapter: google swiftshader) — requested by --backend=webgpu [Chromium headed on virtual display :0 (Xvfb)]\n';
    expect(judge(file, facts({ report: undefined, events: [], timedOut: new Map([['*', 300]]), browser: true, output }), { root }).line).toBe(
      'did not finish within 300 s in the browser: webgpu on a software renderer (google swiftshader, no GPU) is slow — an endless loop or a promise that never settles would end the same way',
    );
    const gpu = 'backend: webgl (adapter: ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x2504) Direct3D11 vs_5_0 ps_5_0, D3D11)) — the browser gives no WebGPU adapter\n';
    expect(judge(file, facts({ report: undefined, events: [], timedOut: new Map([['*', 300]]), browser: true, output: gpu }), { root }).line).toBe(
      'did not finish within 300 s in the browser: slow code on webgl, an endless loop, or a promise that never settles?',
    );
  });

  it("in the browser, Vitest's test timeout on a software renderer says slow, with how long the test ran", () => {
    const output = 'backend: webgpu (adapter: google swiftshader) — requested by --backend=webgpu [Chromium headed on virtual display :0 (Xvfb)]\n';
    const r = report([t('a', 'passed'), { ...t('b', 'failed', ['Error: STACK_TRACE_ERROR\n    at task (http://localhost:1/x.js:1:1)']), duration: 121530 }]);
    expect(judge(file, facts({ exitCode: 1, report: r, output, browser: true }), { root }).line).toBe(
      "'b' did not finish within 122 s (Vitest's test timeout) in the browser: webgpu on a software renderer (google swiftshader, no GPU) is slow — an endless loop or a promise that never settles would end the same way",
    );
  });

  it("a never-settling await: Vitest's test timeout is named, not a plain failure", () => {
    const v = judge(file, facts({ exitCode: 1, report: report([t('a', 'passed'), t('b', 'failed', ['Error: Test timed out in 5000ms.\nIf this is a long-running test, pass a timeout value'])]) }), { root });
    expect(v).toMatchObject({ passed: false, kind: 'timed out', line: "'b' timed out after 5 s (Vitest's test timeout): an await on a promise that never settles?" });
  });

  it('a type error is never a pass, even when every test passes', () => {
    const typeProblems = [
      { file: 'katas/04-x/x.ts', line: 21, col: 9, code: 2322, message: "Type 'number' is not assignable to type 'string'." },
      { file: 'katas/04-x/x.ts', line: 30, col: 1, code: 2304, message: "Cannot find name 'y'." },
    ];
    expect(judge(file, facts({}), { root, typeProblems })).toMatchObject({
      passed: false,
      kind: 'type error',
      line: "type error in katas/04-x/x.ts:21:9: TS2322 Type 'number' is not assignable to type 'string'. (and 1 more)",
    });
  });

  it('a type check that could not be done is never a pass; failing tests are still the verdict when they fail', () => {
    const typecheckError = 'the type-check server did not answer within 180 s';
    expect(judge(file, facts({}), { root, typecheckError })).toMatchObject({
      passed: false,
      kind: 'not type-checked',
      line: 'every test passes, but your files could not be type-checked (the type-check server did not answer within 180 s): run it again',
    });
    const failing = facts({ exitCode: 1, report: report([t('a', 'failed', ['AssertionError: x']), t('b', 'passed')]) });
    expect(judge(file, failing, { root, typecheckError })).toMatchObject({ passed: false, kind: 'failed' });
  });

  it('skipped, pending and todo tests never pass; skipped slow tests after a fast failure say so', () => {
    expect(judge(file, facts({ report: report([t('a', 'passed'), t('b', 'skipped')]) }), { root })).toMatchObject({ passed: false, kind: 'incomplete', line: '1 of 2 tests did not run (skipped): every test must run and pass' });
    expect(judge(file, facts({ report: report([t('a', 'passed'), t('b', 'todo')]) }), { root }).passed).toBe(false);
    expect(judge(file, facts({ exitCode: 1, report: report([t('a', 'failed', ['AssertionError: x']), t('b', 'skipped')]) }), { root })).toMatchObject({
      kind: 'failed',
      line: '1 of 2 tests fail; 1 slow test not run: the fast ones fail first',
    });
  });

  it('an error outside the tests, a non-zero exit and an empty file are not a pass', () => {
    const outside: VerdictEvent = { t: 3, e: 'run-end', errors: [{ name: 'Unhandled Rejection', message: 'boom' }], modules: [] };
    expect(judge(file, facts({ exitCode: 1, events: [...finished('a', 'b').slice(0, -1), outside] }), { root })).toMatchObject({ passed: false, line: 'an error outside the tests: Unhandled Rejection: boom' });
    expect(judge(file, facts({ exitCode: 1 }), { root }).passed).toBe(false);
    expect(judge(file, facts({ report: report([], 'SyntaxError: x') }), { root })).toMatchObject({ passed: false, kind: 'does not load' });
  });

  it('the count Vitest collected must equal the count it reported', () => {
    const events = [...finished('a', 'b').slice(0, -1), { t: 3, e: 'run-end', errors: [], modules: [{ file, state: 'passed', errors: [], tests: [1, 2, 3].map((i) => ({ title: `t${i}`, fullName: `t${i}`, ancestorTitles: [], state: 'passed', errors: [] })) }] }];
    expect(judge(file, facts({ events }), { root })).toMatchObject({ passed: false, kind: 'incomplete', line: 'Vitest collected 3 tests but reported 2' });
  });

  it('in a shared run (grade), exit 1 from another kata\'s failure does not fail this one; its own dead worker does', () => {
    expect(judge(file, facts({ exitCode: 1, shared: true }), { root }).passed).toBe(true);
    const v = judge(file, facts({ exitCode: 1, shared: true, report: report([t('a', 'pending'), t('b', 'pending')]), events: [...stoppedIn(), workerDied] }), { root });
    expect(v.kind).toBe('crashed');
  });
});

describe("the watchdog's clock (runningFiles, pastLimit)", () => {
  const other = '/course/katas/05-y/05-y.test.ts';
  const at = (t: number, e: string, extra: Partial<VerdictEvent> = {}): VerdictEvent => ({ t: t * 1000, e, file, ...extra });

  it('counts the kata limit from the moment the file is loaded, not from the worker start', () => {
    // a busy machine took 25 s to load; the test then ran 8 s of a 10 s limit: not past it
    const [r] = runningFiles([at(0, 'file', { pid: 42 }), at(25, 'collected'), at(25, 'test', { test: 'a' })]);
    expect(r).toEqual({ file, pid: 42, started: 0, loaded: 25_000 });
    expect(pastLimit(r!, 10, 33_000)).toBeUndefined();
    expect(pastLimit(r!, 10, 35_001)).toBe(10);
  });

  it('gives loading at least LOAD_LIMIT, and a longer kata limit when it has one', () => {
    const [r] = runningFiles([at(0, 'file', { pid: 42 })]);
    expect(r).toEqual({ file, pid: 42, started: 0 }); // loading: not loaded yet
    expect(LOAD_LIMIT).toBeGreaterThan(10);
    expect(pastLimit(r!, 10, 11_000)).toBeUndefined();
    expect(pastLimit(r!, 10, LOAD_LIMIT * 1000 + 1)).toBe(LOAD_LIMIT); // a loop at the top of a module is stopped
    expect(pastLimit(r!, LOAD_LIMIT + 60, LOAD_LIMIT * 1000 + 1)).toBeUndefined();
    expect(pastLimit(r!, LOAD_LIMIT + 60, (LOAD_LIMIT + 60) * 1000 + 1)).toBe(LOAD_LIMIT + 60);
  });

  it('forgets a file that ended or exited, and keeps files of several workers apart', () => {
    const events = [at(0, 'file', { pid: 1 }), at(0, 'file', { pid: 2, file: other }), at(1, 'collected'), at(2, 'file-end'), at(3, 'collected', { file: other })];
    expect(runningFiles(events)).toEqual([{ file: other, pid: 2, started: 0, loaded: 3000 }]);
    expect(runningFiles([...events, at(4, 'exit', { file: other, how: 'reallyExit' })])).toEqual([]);
    // watch mode: a re-run starts the clock again
    expect(runningFiles([...events, at(9, 'file', { pid: 1 })])).toContainEqual({ file, pid: 1, started: 9000 });
  });
});
