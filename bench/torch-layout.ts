/**
 * Pure conversions between TensorFlow.js (Keras) and PyTorch conventions, used to export a tfjs model so that
 * bench/torch_bench.py computes exactly the same function:
 *  - conv kernels: tfjs HWIO [KH, KW, Ci, Co] → torch OIHW [Co, Ci, KH, KW]
 *  - dense kernels: tfjs [in, out] → torch nn.Linear.weight [out, in]
 *  - BatchNormalization gamma/beta/moving mean/moving variance: unchanged vectors (epsilon passed along)
 *  - TF 'same' padding: total = max((out - 1)·s + (k - 1)·d + 1 - n, 0) with out = ceil(n / s), split with the
 *    smaller half BEFORE (top/left) and the extra pixel AFTER: asymmetric when the total is odd, e.g. a 3x3 stride-2
 *    conv on 28 pixels pads 0 before and 1 after, which torch's symmetric `padding=` cannot express.
 */

/** HWIO → OIHW. `data` is row-major [KH, KW, Ci, Co]. */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  if (shape.length !== 4) throw new Error(`hwioToOihw: expected a 4-D kernel shape, got [${shape.join(', ')}]`);
  const [KH, KW, Ci, Co] = shape as [number, number, number, number];
  if (data.length !== KH * KW * Ci * Co) throw new Error(`hwioToOihw: expected ${KH * KW * Ci * Co} values, got ${data.length}`);
  const out = new Float32Array(data.length);
  for (let h = 0; h < KH; h++) {
    for (let w = 0; w < KW; w++) {
      for (let i = 0; i < Ci; i++) {
        for (let o = 0; o < Co; o++) {
          out[((o * Ci + i) * KH + h) * KW + w] = data[((h * KW + w) * Ci + i) * Co + o]!;
        }
      }
    }
  }
  return { data: out, shape: [Co, Ci, KH, KW] };
}

/** Dense [in, out] → [out, in]. */
export function denseToTorch(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  if (shape.length !== 2) throw new Error(`denseToTorch: expected a 2-D kernel shape, got [${shape.join(', ')}]`);
  const [I, O] = shape as [number, number];
  if (data.length !== I * O) throw new Error(`denseToTorch: expected ${I * O} values, got ${data.length}`);
  const out = new Float32Array(data.length);
  for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) out[o * I + i] = data[i * O + o]!;
  return { data: out, shape: [O, I] };
}

/** TF/Keras padding of one spatial axis: [before, after]. */
export function tfPadding(padding: 'same' | 'valid', n: number, k: number, s: number, d = 1): [number, number] {
  if (padding === 'valid') return [0, 0];
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** NHWC images → NCHW (what torch's convs take). */
export function nhwcToNchw(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [B, H, W, C] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        for (let c = 0; c < C; c++) out[((b * C + c) * H + h) * W + w] = data[((b * H + h) * W + w) * C + c]!;
      }
    }
  }
  return { data: out, shape: [B, C, H, W] };
}
