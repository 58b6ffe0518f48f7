/**
 * A faster Conv2DBackpropInput for the wasm backend. The stock wasm kernel is a plain scalar loop (~1-3 GFLOP/s,
 * slower than the cpu backend for stride 2); this one is ONE XNNPACK convolution:
 *
 *   dx[b,h,w,ci] = sum_{kh,kw,co} dyz[b, h - P + kh*dh, w - Q + kw*dw, co] * W[KH-1-kh, KW-1-kw, ci, co]
 *
 * where dyz is dy with (stride - 1) zeros inserted between its rows/cols (skipped for stride 1), P = (KH-1)*dh - top,
 * Q = (KW-1)*dw - left: a stride-1 convolution of dyz with the flipped filter, transposed to [KH, KW, Co, Ci].
 */
import { conv1x1BackpropInput, isPlain1x1 } from './conv1x1.js';
import { asKernelOutput, asTensor, convDataFormat, convSteps, insertZeros, pair, tf } from './util.js';

const NAME = 'Conv2DBackpropInput';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  inputShape: [number, number, number, number];
}

/**
 * dy with zeros inserted (stride > 1) and cropped/padded so that a stride-1 'valid' conv with the flipped filter
 * (dilated like the forward filter) yields dx of the input's height and width.
 */
export function dyWindow(
  dy: tf.Tensor4D,
  conv: tf.backend_util.Conv2DInfo,
): { z: tf.Tensor4D; pad: tf.backend_util.ExplicitPadding | 'valid' } {
  const { inHeight: H, inWidth: W, strideHeight: sh, strideWidth: sw } = conv;
  const { dilationHeight: dh, dilationWidth: dw, filterHeight: KH, filterWidth: KW } = conv;
  const { top, left } = conv.padInfo;
  let z = insertZeros(dy, sh, sw);
  // z's row i holds dyz row i; dx[h] reads z rows h - P + kh*dh, kh = 0..KH-1.
  let P = (KH - 1) * dh - top;
  let Q = (KW - 1) * dw - left;
  // Crop what would need negative padding on the top/left.
  if (P < 0 || Q < 0) {
    z = tf.slice(z, [0, Math.max(0, -P), Math.max(0, -Q), 0], [-1, -1, -1, -1]);
    P = Math.max(0, P);
    Q = Math.max(0, Q);
  }
  // Padded length needed: H + (KH-1)*dh rows.
  let bottom = H + (KH - 1) * dh - P - z.shape[1];
  let right = W + (KW - 1) * dw - Q - z.shape[2];
  if (bottom < 0 || right < 0) {
    z = tf.slice(z, [0, 0, 0, 0], [-1, z.shape[1] + Math.min(0, bottom), z.shape[2] + Math.min(0, right), -1]);
    bottom = Math.max(0, bottom);
    right = Math.max(0, right);
  }
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [P, bottom], [Q, right], [0, 0]];
  return { z, pad: P || bottom || Q || right ? pad : 'valid' };
}

export function conv2dBackpropInputNHWC(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  conv: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  if (isPlain1x1(conv)) return conv1x1BackpropInput(dy, filter, conv);
  const { z, pad } = dyWindow(dy, conv);
  const wf = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [KH, KW, Co, Ci]
  return tf.conv2d(z, wf, 1, pad, 'NHWC', [conv.dilationHeight, conv.dilationWidth]);
}

function kernelFunc(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as Attrs;
  const dataFormat = convDataFormat(attrs, NAME);
  const { strides, dilations } = convSteps(attrs, NAME);
  const out = tf.tidy(() => {
    let dy = asTensor<tf.Rank.R4>(backend, inputs.dy!);
    const filter = asTensor<tf.Rank.R4>(backend, inputs.filter!);
    let inShape = attrs.inputShape;
    if (dataFormat === 'NCHW') {
      dy = tf.transpose(dy, [0, 2, 3, 1]);
      inShape = [inShape[0], inShape[2], inShape[3], inShape[1]];
    }
    const conv = tf.backend_util.computeConv2DInfo(
      inShape, filter.shape, strides, dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
    );
    if (conv.outHeight !== dy.shape[1] || conv.outWidth !== dy.shape[2] || conv.outChannels !== dy.shape[3]) {
      throw new Error(`${NAME} (wasm): dy shape ${JSON.stringify(dy.shape)} does not match the conv output ` +
        `[${inShape[0]},${conv.outHeight},${conv.outWidth},${conv.outChannels}]`);
    }
    const dx = conv2dBackpropInputNHWC(dy, filter, conv);
    return dataFormat === 'NCHW' ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
  return asKernelOutput(backend, out);
}

/**
 * Wraps the stock wasm kernel: shapes where it is as fast or faster (few input channels) go to it, the rest to the
 * XNNPACK composition or, for 1x1 filters, to a matMul. Measured on x[64,28,28,16], 3x3, 16->16: stock 179 ms,
 * composed 39 ms; 1x1 16->32 on [64,28,28,16]: stock 89 ms, matMul ~6 ms.
 */
export function makeConv2dBackpropInputConfig(stock: tf.KernelConfig | undefined): tf.KernelConfig {
  const func = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const attrs = args.attrs as unknown as Attrs;
    const [KH, KW, Ci] = (args.inputs.filter as tf.TensorInfo).shape as number[];
    const dilations = pair(attrs.dilations, 'dilations', NAME);
    const stockCan = dilations[0] === 1 && dilations[1] === 1; // the stock kernel ignores dilations
    // 1x1 filters go to the matMul path (conv1x1.ts): ~10x faster than the stock loop.
    if (stock && stockCan && KH! * KW! > 1 && Ci! < 4) return stock.kernelFunc(args as never);
    return kernelFunc(args);
  };
  const config: tf.KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: func as unknown as tf.KernelFunc };
  // The stock setup (cwrap of the C++ kernel) must still run when the backend initialises.
  if (stock?.setupFunc) config.setupFunc = stock.setupFunc;
  return config;
}

/** The composed kernel alone (no fallback to the stock kernel). */
export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
};
