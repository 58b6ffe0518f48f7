/**
 * Faster Sum and Mean for the wasm backend when the reduced axes are the leading ones (x [M, ...rest] → [...rest]),
 * as in every BatchNorm statistic and gradient (NHWC, reduce over B, H, W) and every bias gradient. The stock
 * kernels transpose the reduced axes to the end first (a slow scalar transpose): ~16-26 ms for [64,28,28,32] → [32].
 * Here the reduction is one XNNPACK average pooling over the whole [h, w] "image" of a [1, h, w, K] view (h·w = M):
 * ~0.5-1 ms (a gemm ones[1, M] · x[M, K] takes ~15 ms, most of it packing x as the weights). Sum = mean · M.
 * Other cases go to the stock kernels.
 */
import { asKernelOutput, asTensor, tf } from './util.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

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
    const out = tf.tidy(() => {
      const t = asTensor(args.backend, x);
      const w = k >= 2 ? x.shape[k - 1]! : 1;
      const h = M / w;
      let r: tf.Tensor = tf.avgPool(tf.reshape(t, [1, h, w, K]) as tf.Tensor4D, [h, w], 1, 'valid');
      if (!mean) r = tf.mul(r, tf.scalar(M));
      return tf.reshape(r, keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest);
    });
    return asKernelOutput(args.backend, out);
  };
  const config: tf.KernelConfig = { kernelName: stock.kernelName, backendName: 'wasm', kernelFunc: func as unknown as tf.KernelFunc };
  if (stock.setupFunc) config.setupFunc = stock.setupFunc;
  return config;
}

export const makeSumConfig = (stock: tf.KernelConfig): tf.KernelConfig => makeConfig(stock, false);
export const makeMeanConfig = (stock: tf.KernelConfig): tf.KernelConfig => makeConfig(stock, true);
