/**
 * Gradients of a 1x1 convolution as plain matrix products (the fast path for ResNet bottlenecks, whose 1x1 convs
 * carry most of the work). With x2 = x (strided by the forward stride) as [N, Ci] and dy2 = dy as [N, Co]:
 *
 *   dW = x2ᵀ · dy2                      [Ci, Co]
 *   dx = dy2 · Wᵀ  (then zeros between rows/cols for stride > 1, cropped/padded to the input size)
 *
 * The transposes are explicit: the wasm matMul with transposeA/transposeB is a scalar loop (~1 GFLOP/s measured),
 * while transpose + XNNPACK gemm runs at ~10 GFLOP/s. Measured for x[64,28,28,32] → 1x1 stride 2 → 64 channels:
 * backprop-filter 140 ms → ~10 ms (the conv-with-batch-as-channel form makes a 14x14 "kernel" XNNPACK handles poorly).
 */
import { insertZeros, tf } from './util.js';

/** True when the conv is 1x1 without padding (any stride): the case these functions handle. */
export function isPlain1x1(conv: tf.backend_util.Conv2DInfo): boolean {
  const p = conv.padInfo;
  return conv.filterHeight === 1 && conv.filterWidth === 1 && p.top === 0 && p.left === 0 && p.bottom === 0 && p.right === 0;
}

/**
 * The input pixels a 1x1 conv with this stride reads: x[:, ::sh, ::sw, :], exactly OH x OW. Taken by a 1x1 max-pool
 * with the same stride (exact: the max of one value is the value), an XNNPACK operator: ~0.2 ms for [64,28,28,32],
 * against ~60 ms for the wasm stridedSlice.
 */
function readPixels(x: tf.Tensor4D, conv: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = conv;
  const [, H, W] = x.shape;
  if (sh === 1 && sw === 1 && OH === H && OW === W) return x;
  const r = tf.maxPool(x, [1, 1], [sh, sw], 'valid');
  if (r.shape[1] !== OH || r.shape[2] !== OW) {
    throw new Error(`conv1x1 (wasm): strided read gave ${JSON.stringify(r.shape)}, expected ${OH}x${OW} pixels`);
  }
  return r;
}

/** dW [1, 1, Ci, Co] of a padding-free 1x1 conv. Transposes the narrower of x2 and dy2. */
export function conv1x1BackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, conv: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { inChannels: Ci, outChannels: Co } = conv;
  const xs = readPixels(x, conv);
  const n = xs.shape[0] * xs.shape[1] * xs.shape[2];
  const x2 = tf.reshape(xs, [n, Ci]);
  const dy2 = tf.reshape(dy, [n, Co]);
  const dW = Ci <= Co
    ? tf.matMul(tf.transpose(x2), dy2) // [Ci,N]·[N,Co]
    : tf.transpose(tf.matMul(tf.transpose(dy2), x2)); // ([Co,N]·[N,Ci])ᵀ
  return tf.reshape(dW, [1, 1, Ci, Co]);
}

/** dx [B, H, W, Ci] of a padding-free 1x1 conv. */
export function conv1x1BackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, conv: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { inChannels: Ci, outChannels: Co, inHeight: H, inWidth: W, strideHeight: sh, strideWidth: sw } = conv;
  const [B, OH, OW] = dy.shape;
  const wT = tf.transpose(tf.reshape(filter, [Ci, Co])); // [Co, Ci]
  const dx2 = tf.matMul(tf.reshape(dy, [B * OH * OW, Co]), wT);
  let dx = tf.reshape(dx2, [B, OH, OW, Ci]) as tf.Tensor4D;
  if (sh === 1 && sw === 1 && OH === H && OW === W) return dx;
  dx = insertZeros(dx, sh, sw); // [B, OH*sh, OW*sw, Ci]
  const [rows, cols] = [dx.shape[1], dx.shape[2]];
  if (rows > H || cols > W) dx = tf.slice(dx, [0, 0, 0, 0], [B, Math.min(rows, H), Math.min(cols, W), Ci]);
  const bottom = H - dx.shape[1];
  const right = W - dx.shape[2];
  if (bottom > 0 || right > 0) dx = tf.pad(dx, [[0, 0], [0, bottom], [0, right], [0, 0]]);
  return dx;
}
