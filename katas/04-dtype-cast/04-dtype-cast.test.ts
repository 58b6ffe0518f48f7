import { describe, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty, disposedAfterEach } from '../../test/support/kata-test.js';
import { tf } from '../../src/lib/tf.js';
import { describeTensor, describeValue, formatFloat32, formatShape } from '../../src/lib/describe.js';
import { toClassIndices, type TargetsInput } from './dtype-cast.js';

// ---------- expectations that explain themselves ----------

function call(input: TargetsInput, numClasses: number, name?: string): tf.Tensor1D {
  return name === undefined ? toClassIndices(input, numClasses) : toClassIndices(input, numClasses, name);
}

/** The guard must return int32 [B] with exactly these values. */
function expectClassIndices(input: TargetsInput, numClasses: number, expected: number[]): void {
  const shown = describeValue(input);
  let out: tf.Tensor;
  try {
    out = call(input, numClasses);
  } catch (e) {
    throw new Error(
      `toClassIndices(${shown}, ${numClasses}) threw, but these are valid labels.\n  error: ${(e as Error).message}`,
    );
  }
  const problems: string[] = [];
  if (!(out instanceof tf.Tensor)) throw new Error(`toClassIndices(${shown}, ${numClasses}) returned ${String(out)}: expected a tensor`);
  if (out.dtype !== 'int32') problems.push(`dtype: expected int32, got ${out.dtype}`);
  if (formatShape(out.shape) !== formatShape([expected.length])) {
    problems.push(`shape: expected ${formatShape([expected.length])}, got ${formatShape(out.shape)}`);
  }
  const got = Array.from(out.dataSync());
  if (got.length !== expected.length || got.some((v, i) => v !== expected[i])) {
    problems.push(`values: expected [${expected.join(', ')}], got [${got.join(', ')}]`);
  }
  const desc = describeTensor(out);
  out.dispose();
  if (problems.length) {
    throw new Error(`toClassIndices(${shown}, ${numClasses}) returned ${desc}:\n  ${problems.join('\n  ')}`);
  }
}

/** The guard must throw, and its message must contain every fragment (name[i], value, range...). */
function expectRejected(
  what: string,
  input: TargetsInput,
  numClasses: number,
  fragments: string[],
  name?: string,
  absent: string[] = [],
): void {
  const shown = describeValue(input);
  let out: tf.Tensor;
  try {
    out = call(input, numClasses, name);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const missing = fragments.filter((f) => !msg.includes(f));
    if (missing.length) {
      throw new Error(
        `toClassIndices threw for ${what} — good — but the message should name ${missing.map((m) => JSON.stringify(m)).join(', ')}` +
          ` so the learner can find the bad label.\n  input: ${shown}\n  message: ${msg.split('\n')[0]}`,
      );
    }
    const wrong = absent.filter((f) => msg.includes(f));
    if (wrong.length) {
      throw new Error(
        `toClassIndices threw for ${what} — good — but the message says ${wrong.map((m) => JSON.stringify(m)).join(', ')}, which is not true of this input` +
          ` (a message that misleads costs the learner more than a bare one).\n  input: ${shown}\n  message: ${msg.split('\n')[0]}`,
      );
    }
    return;
  }
  const got = out instanceof tf.Tensor ? describeValue(out) : String(out);
  if (out instanceof tf.Tensor) out.dispose();
  throw new Error(
    `toClassIndices accepted ${what} and returned ${got}.\n  input: ${shown}\n` +
      `  expected: an Error naming ${fragments.map((f) => JSON.stringify(f)).join(', ')}`,
  );
}

/** Input tensors made by a test; disposed after it. */
const input = disposedAfterEach();

// ---------- what a correct guard lets through ----------

describe('kata 04 — toClassIndices accepts clean labels', () => {
  it('casts integral float32 labels [0, 1, 1, 0] to int32 [4] with the same values', () => {
    expectClassIndices(input(tf.tensor1d([0, 1, 1, 0])), 2, [0, 1, 1, 0]);
  });

  it('passes int32 labels through: int32 [3] [2, 0, 1] stays [2, 0, 1]', () => {
    expectClassIndices(input(tf.tensor1d([2, 0, 1], 'int32')), 3, [2, 0, 1]);
  });

  it('accepts plain arrays and typed arrays of whole numbers', () => {
    expectClassIndices([1, 0, 1], 2, [1, 0, 1]);
    expectClassIndices(new Float32Array([0, 2, 1]), 3, [0, 2, 1]);
  });

  it('property: any integral float32 array in [0, numClasses) becomes the same int32 values', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 2, max: 10 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 40 })),
        ),
        ([n, labels]) => {
          const t = tf.tensor1d(labels, 'float32');
          try {
            expectClassIndices(t, n, labels);
          } finally {
            t.dispose();
          }
        },
      ),
    );
  });
});

// ---------- what it must refuse (the lesson) ----------

describe('kata 04 — toClassIndices refuses labels that tf.cast would silently mangle', () => {
  it('rejects 1.9 (tf.cast would truncate it to 1), naming targets[3], the value and [0, 2)', () => {
    // README's example message: `targets[3] = 1.9: expected an integer class index in [0, 2), got 1.9 (float32). Labels must be whole numbers…`
    // It is the only bad label: the message must not announce others.
    expectRejected('a float label 1.9', input(tf.tensor1d([0, 1, 0, 1.9])), 2, ['targets[3]', '1.9', '[0, 2)', '(float32)', 'whole numbers'], undefined, ['more bad value']);
  });

  it('rejects fractions that round or floor to a valid class (1.4 and 0.5)', () => {
    expectRejected('1.4 with 3 classes (Math.round and floor both give 1)', input(tf.tensor1d([2, 0, 1.4])), 3, ['targets[2]', '1.4']);
    expectRejected('0.5 (Math.round gives 1, floor gives 0)', [1, 0.5], 2, ['targets[1]', '0.5', '(number)']); // a plain array: its values are JS numbers
    expectRejected('-0.5 (tf.cast gives 0)', input(tf.tensor1d([0, -0.5])), 2, ['targets[1]', '-0.5']);
    // The first bad label is named, and the learner is told how many more there are (one fix rarely fixes a file).
    expectRejected('1.4, 0.5 and 2.5 in one batch', input(tf.tensor1d([0, 1.4, 1, 0.5, 2.5])), 2, ['targets[1]', '1.4', '2 more bad values']);
    expectRejected('1.4 and 0.5 in one batch', input(tf.tensor1d([1.4, 0.5])), 2, ['targets[0]', '1.4', '(1 more bad value after this one)']);
  });

  it('property: one non-integer anywhere is rejected, naming its position', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 2, max: 10 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 40 }),
            fc.nat(),
            fc.double({ min: 0.01, max: 0.99, noNaN: true }),
          ),
        ),
        ([n, labels, pos, frac]) => {
          const i = pos % labels.length;
          const values = labels.slice();
          values[i] = Math.min(values[i]!, n - 2) + frac;
          const t = tf.tensor1d(values, 'float32');
          try {
            expectRejected(`${formatFloat32(Math.fround(values[i]!))} at position ${i}`, t, n, [`targets[${i}]`, `[0, ${n})`]);
          } finally {
            t.dispose();
          }
        },
      ),
    );
  });

  it('rejects NaN (tf.cast turns it into class 0)', () => {
    // Each kind of bad label gets its own explanation: a NaN is not an infinite value nor a fraction.
    expectRejected('NaN in a float32 tensor', input(tf.tensor1d([0, 1, NaN, 1])), 2, ['targets[2]', 'NaN'], undefined, ['infinite', 'whole numbers']);
    expectRejected('NaN in an array', [0, NaN], 2, ['targets[1]', 'NaN']);
  });

  it('rejects Infinity and -Infinity', () => {
    expectRejected('Infinity', input(tf.tensor1d([0, Infinity])), 2, ['targets[1]', 'Infinity'], undefined, ['NaN', 'whole numbers']);
    expectRejected('-Infinity', [-Infinity, 0], 2, ['targets[0]', '-Infinity']);
  });

  it('rejects negative labels: -1 (int32 and float32)', () => {
    // -1 is a whole number and below the range: neither a fraction's nor a too-large label's explanation fits it.
    expectRejected('-1 in an int32 tensor', input(tf.tensor1d([0, 1, -1], 'int32')), 2, ['targets[2]', '-1'], undefined, ['whole numbers', 'remap']);
    expectRejected('-1 in a float32 tensor', input(tf.tensor1d([-1, 0])), 2, ['targets[0]', '-1']);
  });

  it('rejects labels >= numClasses (2 with numClasses 2; raw Fashion-MNIST label 3)', () => {
    expectRejected('2 with numClasses = 2', input(tf.tensor1d([0, 1, 2], 'int32')), 2, ['targets[2]', '2', '[0, 2)'], undefined, ['whole numbers', 'negative']);
    expectRejected('raw labels 3, 4 that were never remapped', [3, 4, 3], 2, ['targets[0]', '3', '[0, 2)']);
  });

  it('rejects a string tensor', () => {
    // Like every other bad label: name the position and the value that came (the first one), not only the dtype.
    expectRejected('a string tensor', input(tf.tensor1d(['0', '1'])), 2, ['targets', 'string', 'targets[0] = "0"']);
    expectRejected('an empty string tensor', input(tf.tensor1d([], 'string')), 2, ['targets', 'string'], undefined, ['undefined']);
  });

  it('rejects an array of strings ("1" read from a CSV), naming the first one', () => {
    expectRejected('strings from a CSV', ['1', '0', '1'], 2, ['targets[0]', '"1"', 'string']);
    expectRejected('one string among numbers', [0, 1, '1'], 2, ['targets[2]', '"1"']);
  });

  it('rejects empty input (tensor and array)', () => {
    expectRejected('an empty tensor', input(tf.tensor1d([])), 2, ['targets', 'empty']);
    expectRejected('an empty array', [], 2, ['targets', 'empty']);
  });

  it('rejects [B,1] targets, naming the shape and pointing to the squeeze (kata 05)', () => {
    expectRejected('shape [2,1]', input(tf.tensor2d([[0], [1]])), 2, ['targets', '[2,1]', 'squeezeTargets']);
  });

  it('rejects a bool tensor, a scalar, a nested [B,1] array and a bare number, naming what came', () => {
    expectRejected('a bool tensor', input(tf.tensor1d([1, 0], 'bool')), 2, ['targets', 'bool']);
    expectRejected('a scalar tensor', input(tf.scalar(1)), 2, ['targets', 'scalar', '[B]']);
    expectRejected('[B,1] as a nested array', [[0], [1]] as unknown as TargetsInput, 2, ['targets', '[2,1]', 'targets[0]']);
    // Only [B,1] is a squeeze away from [B]: one-hot [B,C] rows or a rank-3 tensor need another fix, so no squeeze hint there.
    expectRejected('one-hot rows [2,2]', input(tf.tensor2d([[1, 0], [0, 1]])), 2, ['targets', '[2,2]'], undefined, ['squeezeTargets']);
    expectRejected('a rank-3 tensor [2,1,1]', input(tf.zeros([2, 1, 1])), 2, ['targets', '[2,1,1]'], undefined, ['squeezeTargets']);
    expectRejected('a number instead of a list', 1 as unknown as TargetsInput, 2, ['targets', 'expected a tensor or an array']);
  });

  it('rejects numClasses that is not an integer >= 2 (1, 0, 1.5, NaN, and 2.5: above 2 but not a class count)', () => {
    // 2.5 is the one a range check (numClasses < 2) lets through: label 2 would then count as a class.
    for (const n of [1, 0, 1.5, NaN, 2.5]) {
      expectRejected(`numClasses = ${n}`, input(tf.tensor1d([0, 0])), n, ['numClasses', String(n)]);
    }
  });

  it('uses the name argument in its messages: yBatch[1]', () => {
    expectRejected('1.9 passed as yBatch', input(tf.tensor1d([0, 1.9])), 2, ['yBatch[1]', '1.9'], 'yBatch');
  });
});

describe('kata 04 — toClassIndices cleans up after itself', () => {
  it('leaks no tensors, whether it accepts or rejects', () => {
    const good = input(tf.tensor1d([0, 1, 1]));
    const bad = input(tf.tensor1d([0, 1.9]));
    const before = tf.memory().numTensors;
    call(good, 2).dispose();
    call([1, 0], 2).dispose();
    try {
      call(bad, 2).dispose();
    } catch {
      /* expected */
    }
    try {
      call([0, NaN], 2).dispose();
    } catch {
      /* expected */
    }
    const after = tf.memory().numTensors;
    if (after !== before) {
      throw new Error(
        `tf.memory().numTensors went from ${before} to ${after}: toClassIndices left ${after - before} tensor(s) behind. ` +
          `Wrap tensor work in tf.tidy, and check values before creating tensors.`,
      );
    }
  });

  it('returns a new tensor the caller owns, int32 input included: disposing the result leaves the input usable', () => {
    for (const dtype of ['int32', 'float32'] as const) {
      const given = input(tf.tensor1d([1, 0, 1], dtype));
      const out = call(given, 2);
      const same = out === given;
      out.dispose();
      if (same || given.isDisposed) {
        throw new Error(
          `toClassIndices(${dtype} [3], 2) returned ${same ? 'the very tensor it was given' : 'a tensor whose dispose also freed the input'}: ` +
            `disposing the result disposed the caller's labels.\n  The caller disposes what the guard returns (tf.dispose([x, y]) after each batch) and still owns its input: ` +
            `return a new tensor even when no cast is needed (tf.cast to the same dtype copies; so does tf.clone).`,
        );
      }
    }
  });
});
