/**
 * Kata 04 — the dtype cast (reference solution).
 * toClassIndices checks every label BEFORE casting, because tf.cast(x, 'int32') truncates
 * silently: 1.9 → 1, -0.5 → 0, NaN → 0, Infinity → 0 (wasm).
 */
import { tf } from '../../src/lib/tf.js';
import { describeTensor, formatShape, formatValue } from '../../src/lib/describe.js';

/** What the guard accepts: a tensor, a plain array, or a typed array of labels. */
export type TargetsInput = tf.Tensor | readonly unknown[] | Float32Array | Int32Array | Uint8Array;

/**
 * Turns labels into int32 class indices, shape [B].
 * Accepts float32 or int32 values that are whole numbers in [0, numClasses); throws an Error that
 * names `name[i]`, the value and what was expected otherwise. The result is a new tensor the
 * caller owns (dispose it); the input is left untouched.
 */
export function toClassIndices(targets: TargetsInput, numClasses: number, name = 'targets'): tf.Tensor1D {
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(
      `numClasses = ${formatValue(numClasses)}: expected an integer >= 2 (a classifier needs at least two classes)`,
    );
  }

  if (targets instanceof tf.Tensor) {
    // targets: any dtype, any shape — check shape and dtype before reading a single value.
    const shape = formatShape(targets.shape);
    if (targets.dtype === 'string') {
      const first = (targets.dataSync() as unknown as ArrayLike<unknown>)[0];
      throw new Error(
        `${name} is a string tensor (${describeTensor(targets)}${first === undefined ? '' : `, ${name}[0] = ${formatValue(first)}`}): ` +
          // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
          `expected numbers. Parse the labels with Number(...) and check them before making a tensor`,
      );
    }
    if (targets.dtype !== 'float32' && targets.dtype !== 'int32') {
      throw new Error(`${name} has dtype ${targets.dtype} (${describeTensor(targets)}): expected float32 or int32 class indices`);
    }
    if (targets.rank !== 1) throw new Error(rankMessage(name, targets.shape));
    if (targets.size === 0) throw new Error(`${name} is empty (shape ${shape}): expected at least one class index`);
    const values = targets.dataSync(); // Float32Array | Int32Array, length B
    checkValues(values, numClasses, name, targets.dtype);
    // values are whole numbers in range, so this cast is exact. int32 in → an int32 copy out.
    return tf.tidy(() => tf.cast(targets, 'int32')) as tf.Tensor1D; // int32 [B]
  }

  if (!Array.isArray(targets) && !ArrayBuffer.isView(targets)) {
    throw new Error(`${name} = ${formatValue(targets)}: expected a tensor or an array of class indices`);
  }
  const list = targets as ArrayLike<unknown>;
  if (list.length === 0) throw new Error(`${name} is empty (length 0): expected at least one class index`);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (Array.isArray(v)) throw new Error(rankMessage(name, [list.length, v.length]) + ` (${name}[${i}] = ${formatValue(v)})`);
    if (typeof v !== 'number') {
      throw new Error(
        `${name}[${i}] = ${formatValue(v)}: expected a number, got a ${typeof v}. ` +
          // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
          `Parse the labels with Number(...) and check them before making a tensor ` +
          // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
          `(tf.tensor1d(["0", "cat"], 'int32') silently gives [0, 0])`,
      );
    }
  }
  const values = list as ArrayLike<number>;
  checkValues(values, numClasses, name, 'number');
  return tf.tensor1d(Array.from(values), 'int32'); // int32 [B]
}

/** Throws on the first value that is not a whole number in [0, numClasses), counting the others. */
function checkValues(values: ArrayLike<number>, numClasses: number, name: string, dtype: string): void {
  let firstBad = -1;
  let bad = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // Number.isInteger is false for NaN, ±Infinity and 1.9; comparisons alone let NaN through.
    if (!(Number.isInteger(v) && v >= 0 && v < numClasses)) {
      if (firstBad < 0) firstBad = i;
      bad++;
    }
  }
  if (firstBad < 0) return;
  const v = values[firstBad]!;
  const shown = formatValue(v, dtype === 'float32' ? 'float32' : undefined);
  const why = explain(v, shown, numClasses);
  const more = bad > 1 ? ` (${bad - 1} more bad value${bad > 2 ? 's' : ''} after this one)` : '';
  throw new Error(
    `${name}[${firstBad}] = ${shown}: expected an integer class index in [0, ${numClasses}), got ${shown} (${dtype}). ${why}${more}`,
  );
}

/**
 * Why the value is not a class index, in the learner's terms: each kind of bad value gets its own explanation (the
 * tests check that none gets another kind's; the words themselves are free).
 */
function explain(v: number, shown: string, numClasses: number): string {
  // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
  if (Number.isNaN(v)) return 'NaN is usually a missing label; tf.cast would turn it into class 0';
  // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
  if (!Number.isFinite(v)) return 'an infinite label is a broken value; tf.cast would turn it into 0';
  if (!Number.isInteger(v)) {
    return `Labels must be whole numbers: cast with tf.cast(x, 'int32') only after checking (it would truncate ${shown} to ${Math.trunc(v)})`;
  }
  // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
  if (v < 0) return 'negative labels have no class; tf.oneHot turns them into an all-zero row that adds nothing to the loss';
  return (
    // Stryker disable next-line StringLiteral,ArithmeticOperator: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
    `numClasses is ${numClasses}: remap the dataset's labels to 0..${numClasses - 1} ` +
    // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
    `(e.g. Fashion-MNIST Dress=3, Coat=4 → 0, 1)`
  );
}

function rankMessage(name: string, shape: readonly number[]): string {
  const s = formatShape(shape);
  if (shape.length === 0) return `${name} is a scalar (shape ${s}): expected shape [B], one class index per example`;
  const head = `${name} has shape ${s} (rank ${shape.length}): expected shape [B] (rank 1); `;
  // [B,1] must point to the squeeze (tested); which hint a one-hot [B,C] or a rank-3 shape gets is wording.
  if (shape.length === 2 && shape[1] === 1) return head + `squeeze [B,1] to [B] first (kata 05-squeeze: squeezeTargets)`;
  // Stryker disable next-line all: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
  if (shape.length === 2) return head + `if these are one-hot rows, take tf.argMax(${name}, -1) first (kata 05-squeeze)`;
  // Stryker disable next-line StringLiteral: hint wording past the contract's fragments: docs/instructor-guide.md, Mutation testing
  return head + `find where the extra axes came from`;
}
