/**
 * Faster — and more accurate — Sum and Mean for the wasm backend when the reduced axes are the leading ones
 * (x [M, ...rest] → [...rest]), as in every BatchNorm statistic and gradient (NHWC, reduce over B, H, W) and every
 * bias gradient. The stock kernels transpose the reduced axes to the end first (a slow scalar transpose): ~16-26 ms
 * for [64,28,28,32] → [32].
 *
 * Two levels, so that no float32 sum runs over more than one image row:
 *  1. one XNNPACK average pooling with a [1, w] window over a [1, M/w, w, K] view (w = the last reduced axis, the
 *     image width): the mean of each row, float32, ~w terms each;
 *  2. a JavaScript loop that adds the M/w row means in float64 (JS numbers), then rounds once to float32.
 * A single float32 pooling over all of M (the first version) accumulated 50,176 terms per channel: on a whole
 * network in training mode, where BatchNorm gradients are small differences of large sums, the conv gradients then
 * differed from the cpu backend's (which accumulates in float64) by up to 6% — and by 1% between two orders of the
 * same batch. With the two levels they agree to ~1e-5. Cost: ~0.35 → ~0.5 ms for [64,28,28,32] → [32].
 * Other cases go to the stock kernels.
 */
import { asKernelOutput, asTensor, tf } from './util.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** What this file uses of the wasm backend (BackendWasm): views of tensors on its heap. */
interface WasmBackendHeap {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
}

/** Means of each row of w values: x viewed as [1, rows, w, K] → float32 [rows, K] (a TensorInfo the caller disposes). */
function rowMeansOf(backend: unknown, x: tf.TensorInfo, rows: number, w: number, K: number): tf.TensorInfo {
  const out = tf.tidy(() => {
    const t = asTensor(backend, x);
    return tf.reshape(tf.avgPool(tf.reshape(t, [1, rows, w, K]) as tf.Tensor4D, [1, w], [1, w], 'valid'), [rows, K]);
  });
  return asKernelOutput(backend, out);
}

/** The number of leading axes reduced, when the reduced axes are exactly 0..k-1 with 0 < k < rank; else 0. */
export function leadingAxes(axis: number | number[] | undefined, rank: number): number {
  if (axis === undefined || axis === null) return 0;
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length >= rank) return 0;
  return sorted.every((a, i) => a === i) ? sorted.length : 0;
}

function makeConfig(stock: tf.KernelConfig, mean: boolean): tf.KernelConfig {
  const func = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const k = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : 0;
    const M = x.shape.slice(0, k).reduce((a, d) => a * d, 1);
    const rest = x.shape.slice(k);
    const K = rest.reduce((a, d) => a * d, 1);
    if (k === 0 || M < 2 || K < 2 || M * K < 4096) return stock.kernelFunc(args as never);
    const w = k >= 2 && x.shape[k - 1]! >= 4 ? x.shape[k - 1]! : 1; // width of the rows that level 1 averages
    const rows = M / w;
    const be = args.backend as WasmBackendHeap;
    // Level 1: row means, float32 [rows, K] (w = 1: the input itself).
    const rowMeans = w > 1 ? rowMeansOf(args.backend, x, rows, w, K) : x;
    // Level 2: float64 sum of the row means, one rounding at the end.
    const outInfo = be.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest, 'float32');
    const rv = be.typedArrayFromHeap(rowMeans); // after makeOutput: it may grow (and move) the wasm heap
    const acc = new Float64Array(K);
    for (let r = 0; r < rows; r++) {
      const off = r * K;
      for (let j = 0; j < K; j++) acc[j] = acc[j]! + rv[off + j]!;
    }
    const scale = mean ? w / M : w; // Σ rows of (row mean) × w = Σ all; ÷ M for the mean
    const ov = be.typedArrayFromHeap(outInfo);
    for (let j = 0; j < K; j++) ov[j] = acc[j]! * scale;
    if (rowMeans !== x) be.disposeData(rowMeans.dataId);
    return outInfo;
  };
  const config: tf.KernelConfig = { kernelName: stock.kernelName, backendName: 'wasm', kernelFunc: func as unknown as tf.KernelFunc };
  if (stock.setupFunc) config.setupFunc = stock.setupFunc;
  return config;
}

export const makeSumConfig = (stock: tf.KernelConfig): tf.KernelConfig => makeConfig(stock, false);
export const makeMeanConfig = (stock: tf.KernelConfig): tf.KernelConfig => makeConfig(stock, true);
