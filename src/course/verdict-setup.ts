/**
 * A Vitest setup file of the kata suite (Node only; vitest.config.ts adds it when KATA_EVENTS_FILE is set).
 * It runs INSIDE the test worker, next to the learner's code, and appends one JSON line per event to
 * KATA_EVENTS_FILE, synchronously, so the runner knows what was running even when the worker then loops
 * forever (a busy worker never sends Vitest's batched reports) or dies (./verdict.ts reads the events):
 *
 *   {"e":"file","file":F,"pid":P}        the worker starts on test file F (before importing it)
 *   {"e":"collected","file":F}           F and the learner's code it imports are loaded
 *   {"e":"test","file":F,"test":T}       test T starts (before its beforeEach hooks)
 *   {"e":"file-end","file":F}            every test and hook of F has finished
 *   {"e":"exit","file":F,"how":H,...}    the code under test called process.reallyExit / process.abort /
 *                                        process.kill(process.pid, SIG): recorded, then done as asked
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';

const out = process.env.KATA_EVENTS_FILE;
const file = expect.getState().testPath ?? '';

function emit(o: Record<string, unknown>): void {
  if (!out) return;
  try {
    appendFileSync(out, JSON.stringify({ t: Date.now(), file, ...o }) + '\n');
  } catch {
    // the runner reads what it can; a lost event never changes a test's outcome
  }
}

if (out) {
  emit({ e: 'file', pid: process.pid });
  const proc = process as NodeJS.Process & { reallyExit?: (code?: number) => never };
  const reallyExit = proc.reallyExit;
  if (typeof reallyExit === 'function') {
    proc.reallyExit = (code?: number): never => {
      emit({ e: 'exit', how: 'reallyExit', code: code ?? 0 });
      return reallyExit.call(process, code);
    };
  }
  const abort = process.abort.bind(process);
  process.abort = (): never => {
    emit({ e: 'exit', how: 'abort' });
    return abort();
  };
  const kill = process.kill.bind(process);
  process.kill = (pid: number, signal?: string | number): true => {
    if (pid === process.pid || pid === 0 || pid === -process.pid) emit({ e: 'exit', how: 'signal', signal: signal ?? 'SIGTERM' });
    return kill(pid, signal);
  };
  beforeAll(() => emit({ e: 'collected' }));
  beforeEach((ctx) => emit({ e: 'test', test: ctx.task.name }));
  afterAll(() => emit({ e: 'file-end' }));
}
