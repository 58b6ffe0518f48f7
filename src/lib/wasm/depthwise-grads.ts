/**
 * DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput for the wasm backend (both missing
 * from @tensorflow/tfjs-backend-wasm 4.22). Filter [KH, KW, Ci, M]; output channel c*M + q. Each is ONE depthwise
 * convolution:
 *  - input:  dx = sum_q depthwise(dyz, flip(W)) — dyz as in conv2d-backprop-input.ts, channels c*M+q with
 *            multiplier 1, then summed over q.
 *  - filter: with the channels (c, b) side by side, dW[kh,kw,c,q] = sum_b depthwise(xt, dyt) where
 *            xt[0, h, w, c*B+b] = x[b,h,w,c] and dyt[oh, ow, c*B+b, q] = dy[b,oh,ow,c*M+q] is the filter (dilated by
 *            the forward stride, applied with the forward dilation as stride), then summed over b.
 */
import { dyWindow } from './conv2d-backprop-input.js';
import { inputWindow } from './conv2d-backprop-filter.js';
import { asKernelOutput, asTensor, convSteps, tf } from './util.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  filterShape?: [number, number, number, number];
  inputShape?: [number, number, number, number];
}

function geometry(name: string, attrs: Attrs, xShape: number[], filterShape: number[]): tf.backend_util.Conv2DInfo {
  const { strides, dilations } = convSteps(attrs, name);
  if (strides.some((s) => s > 1) && dilations.some((d) => d > 1)) {
    throw new Error(`${name} (wasm): unsupported strides ${JSON.stringify(strides)} with dilations ` +
      `${JSON.stringify(dilations)} (one of them must be 1)`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    strides, dilations, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast',
  );
}

export function depthwiseBackpropFilterNHWC(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  conv: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const [B, , , Ci] = x.shape;
  const [, OH, OW] = dy.shape;
  const { filterHeight: KH, filterWidth: KW } = conv;
  const M = conv.outChannels / Ci;
  const { xc, pad } = inputWindow(x, conv);
  const [, Hc, Wc] = xc.shape;
  const xt = tf.reshape(tf.transpose(xc, [1, 2, 3, 0]), [1, Hc, Wc, Ci * B]);
  const dyt = tf.reshape(tf.transpose(tf.reshape(dy, [B, OH, OW, Ci, M]), [1, 2, 3, 0, 4]), [OH, OW, Ci * B, M]);
  const r = tf.depthwiseConv2d(
    xt as tf.Tensor4D, dyt as tf.Tensor4D, [conv.dilationHeight, conv.dilationWidth], pad, 'NHWC', [conv.strideHeight, conv.strideWidth],
  ); // [1, KH, KW, (c*B + b)*M + q]
  return tf.sum(tf.reshape(r, [KH, KW, Ci, B, M]), 3);
}

export function depthwiseBackpropInputNHWC(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  conv: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const [KH, KW, Ci, M] = filter.shape;
  const [B] = dy.shape;
  const { z, pad } = dyWindow(dy, conv);
  const wf = tf.reshape(tf.reverse(filter, [0, 1]), [KH, KW, Ci * M, 1]) as tf.Tensor4D;
  const r = tf.depthwiseConv2d(z, wf, 1, pad, 'NHWC', [conv.dilationHeight, conv.dilationWidth]);
  if (M === 1) return r;
  return tf.sum(tf.reshape(r, [B, conv.inHeight, conv.inWidth, Ci, M]), 4);
}

const FILTER = 'DepthwiseConv2dNativeBackpropFilter';
const INPUT = 'DepthwiseConv2dNativeBackpropInput';

function filterKernel(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as Attrs;
  const out = tf.tidy(() => {
    const x = asTensor<tf.Rank.R4>(backend, inputs.x!);
    const dy = asTensor<tf.Rank.R4>(backend, inputs.dy!);
    const conv = geometry(FILTER, attrs, x.shape, attrs.filterShape!);
    if (conv.outHeight !== dy.shape[1] || conv.outWidth !== dy.shape[2] || conv.outChannels !== dy.shape[3]) {
      throw new Error(`${FILTER} (wasm): dy shape ${JSON.stringify(dy.shape)} does not match the conv output`);
    }
    return depthwiseBackpropFilterNHWC(x, dy, conv);
  });
  return asKernelOutput(backend, out);
}

function inputKernel(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as Attrs;
  const out = tf.tidy(() => {
    const dy = asTensor<tf.Rank.R4>(backend, inputs.dy!);
    const filter = asTensor<tf.Rank.R4>(backend, inputs.filter!);
    const conv = geometry(INPUT, attrs, attrs.inputShape!, filter.shape);
    if (conv.outHeight !== dy.shape[1] || conv.outWidth !== dy.shape[2] || conv.outChannels !== dy.shape[3]) {
      throw new Error(`${INPUT} (wasm): dy shape ${JSON.stringify(dy.shape)} does not match the conv output`);
    }
    return depthwiseBackpropInputNHWC(dy, filter, conv);
  });
  return asKernelOutput(backend, out);
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: FILTER,
  backendName: 'wasm',
  kernelFunc: filterKernel as unknown as tf.KernelFunc,
};
export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: INPUT,
  backendName: 'wasm',
  kernelFunc: inputKernel as unknown as tf.KernelFunc,
};
