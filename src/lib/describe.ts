/**
 * Small helpers that turn tensors, shapes and values into the short strings used in error
 * messages and test failures: "float32 [4,1]", "[4,1]", "1.9", "\"1\"".
 * Pure functions: they never create tensors (reading values uses dataSync on the given tensor only).
 */
import { tf } from './tf.js';

/** `[4,1]`; a scalar is `[]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** `float32 [4,1]` */
export function describeTensor(t: tf.Tensor): string {
  return `${t.dtype} ${formatShape(t.shape)}`;
}

/**
 * The shortest decimal that is the same float32 as `v`: float32 1.9 is stored as
 * 1.899999976158142, shown here as `1.9`. Integers, NaN and ±Infinity print as themselves.
 */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === Math.fround(v)) return String(s);
  }
  return String(v);
}

/** One value as a learner would type it: numbers plain, strings quoted, arrays in brackets. */
export function formatValue(v: unknown, dtype?: tf.DataType): string {
  if (typeof v === 'number') return dtype === 'float32' ? formatFloat32(v) : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, dtype)).join(', ')}]`;
  if (v instanceof tf.Tensor) return `a tensor (${describeTensor(v)})`;
  if (v === null || v === undefined) return String(v);
  return `${typeof v} ${String(v)}`;
}

/** `[0, 1, 1.9, 0]`, or the first `max` values and `… (100 values)`; for a tensor, its flat values. */
export function previewValues(values: tf.Tensor | ArrayLike<unknown>, max = 8): string {
  let dtype: tf.DataType | undefined;
  let flat: ArrayLike<unknown>;
  if (values instanceof tf.Tensor) {
    dtype = values.dtype;
    flat = values.isDisposed ? [] : (values.dataSync() as ArrayLike<unknown>);
  } else {
    flat = values;
  }
  const shown = Array.from({ length: Math.min(flat.length, max) }, (_, i) => formatValue(flat[i], dtype));
  const more = flat.length > max ? `, … (${flat.length} values)` : '';
  return `[${shown.join(', ')}${more}]`;
}

/** `float32 [4] [0, 1, 1.9, 0]` for a tensor, `array of 4 [0, 1, "1", 0]` for an array. */
export function describeValue(x: unknown): string {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) return `${describeTensor(x)} (disposed)`;
    return `${describeTensor(x)} ${previewValues(x)}`;
  }
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const arr = x as unknown as ArrayLike<unknown>;
    const kind = Array.isArray(x) ? 'array' : x.constructor.name;
    return `${kind} of ${arr.length} ${previewValues(arr)}`;
  }
  if (typeof x === 'number') return `the number ${x}`;
  return formatValue(x);
}
