/** Helpers shared by the katas' test files. */
import { afterEach, beforeEach } from 'vitest';
import fc from 'fast-check';
import type { tf } from '../../src/lib/tf.js';

/** Runs a fast-check property; on failure, reports the smallest failing example's own message. */
export function assertProperty<T>(property: fc.IProperty<T>, numRuns = 100): void {
  const run = fc.check(property, { numRuns });
  if (run.failed) {
    const err = run.errorInstance;
    throw new Error(
      `property failed on the smallest example fast-check found (seed ${run.seed}):\n  ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Returns `input(t)`: marks a tensor made by a test, disposed after that test. */
export function disposedAfterEach(): <T extends tf.Tensor>(t: T) => T {
  let inputs: tf.Tensor[] = [];
  beforeEach(() => {
    inputs = [];
  });
  afterEach(() => {
    inputs.forEach((t) => t.dispose());
  });
  return (t) => {
    inputs.push(t);
    return t;
  };
}
