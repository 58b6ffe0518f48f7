/**
 * Shared helpers for the wasm training kernels.
 *
 * These files import TensorFlow.js directly (not from ../tf.js): tf.ts imports register.ts, and importing it back
 * would be a cycle through tf.ts's top-level await. '@tensorflow/tfjs' re-exports the one tfjs-core instance.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };

/** The slice of the backend interface a composed kernel needs. */
export interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Hands a tensor computed with tfjs ops back to the engine as a kernel output: adds a reference to its data,
 * then disposes the tensor, so that the engine's new tensor owns the data and nothing leaks.
 */
export function asKernelOutput(backend: unknown, t: tf.Tensor): tf.TensorInfo {
  (backend as RefCountingBackend).incRef(t.dataId);
  const info: tf.TensorInfo = { dataId: t.dataId, shape: t.shape.slice(), dtype: t.dtype };
  t.dispose();
  return info;
}

/**
 * A kernel input as a Tensor usable by ops, without copying its data. The engine passes real Tensors to kernels;
 * a bare TensorInfo gets wrapped (with its own reference, so disposing the wrapper, e.g. by tidy, is safe).
 * Call inside tf.tidy.
 */
export function asTensor<R extends tf.Rank>(backend: unknown, info: tf.TensorInfo): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  const t = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
  (backend as RefCountingBackend).incRef(info.dataId);
  return t;
}

export type Pair = [number, number];
export function pair(v: number | number[] | undefined, name: string, kernel: string): Pair {
  if (v === undefined || v === null) return [1, 1];
  if (typeof v === 'number') return [v, v];
  if (v.length === 2) return [v[0]!, v[1]!];
  if (v.length === 4) return [v[1]!, v[2]!]; // [1, h, w, 1] form
  throw new Error(`${kernel} (wasm): unsupported ${name} ${JSON.stringify(v)}`);
}

/** The strides and dilations of a conv kernel's attributes: positive integers, or an error naming the attribute. */
export function convSteps(
  attrs: { strides?: number | number[]; dilations?: number | number[] },
  kernel: string,
): { strides: Pair; dilations: Pair } {
  const strides = pair(attrs.strides, 'strides', kernel);
  const dilations = pair(attrs.dilations, 'dilations', kernel);
  for (const [what, v] of [['strides', strides], ['dilations', dilations]] as const) {
    if (v.some((s) => !(Number.isInteger(s) && s >= 1))) {
      throw new Error(`${kernel} (wasm): unsupported ${what} ${JSON.stringify(attrs[what])}`);
    }
  }
  return { strides, dilations };
}

/** The data format of a conv kernel's attributes: NHWC (the default) or NCHW, or an error naming it. */
export function convDataFormat(attrs: { dataFormat?: string }, kernel: string): 'NHWC' | 'NCHW' {
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') {
    throw new Error(`${kernel} (wasm): unsupported dataFormat ${String(dataFormat)}`);
  }
  return dataFormat;
}

/** Inserts (s-1) zeros after every row/col of an NHWC tensor: [B,OH,OW,C] → [B,OH*sh,OW*sw,C]. */
export function insertZeros(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [B, OH, OW, C] = dy.shape;
  const d6 = tf.reshape(dy, [B, OH, 1, OW, 1, C]);
  const z = tf.pad(d6, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(z, [B, OH * sh, OW * sw, C]);
}
