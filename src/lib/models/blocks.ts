/**
 * Building blocks shared by the ResNet models: seeded initialisers, conv/BN helpers and the
 * Keras-applications bottleneck block (`block1` / `stack1` in keras/applications/resnet.py).
 * Layer names follow Keras exactly: `<stage>_block<i>_<j>_conv`, `_bn`, `_relu`, `_0_conv` (projection
 * shortcut), `_add`, `_out`.
 */
import { tf } from '../tf.js';

export type Init = 'glorotUniform' | 'heNormal';

/** Hands out consecutive seeds so that every layer gets its own deterministic stream. */
export class SeedSequence {
  private next: number | undefined;
  constructor(seed?: number) {
    if (seed !== undefined && !Number.isInteger(seed)) {
      throw new Error(`seed: expected an integer, got ${String(seed)}`);
    }
    this.next = seed;
  }
  take(): number | undefined {
    if (this.next === undefined) return undefined;
    return this.next++;
  }
}

export interface ConvStyle {
  /** Kernel initialiser: Keras default glorotUniform (ResNet50) or heNormal (resnet-mini). */
  init: Init;
  useBias: boolean;
  bnEpsilon: number;
  seeds: SeedSequence;
}

function initializer(style: ConvStyle): ReturnType<typeof tf.initializers.heNormal> {
  const seed = style.seeds.take();
  const args = seed === undefined ? {} : { seed };
  return style.init === 'heNormal' ? tf.initializers.heNormal(args) : tf.initializers.glorotUniform(args);
}

export function conv(
  x: tf.SymbolicTensor,
  style: ConvStyle,
  name: string,
  filters: number,
  kernelSize: number,
  strides = 1,
  padding: 'valid' | 'same' = 'valid',
): tf.SymbolicTensor {
  return tf.layers
    .conv2d({ name, filters, kernelSize, strides, padding, useBias: style.useBias, kernelInitializer: initializer(style) })
    .apply(x) as tf.SymbolicTensor;
}

/** BatchNormalization over the channel axis (3, NHWC) with the Keras ResNet epsilon. */
export function bn(x: tf.SymbolicTensor, style: ConvStyle, name: string): tf.SymbolicTensor {
  return tf.layers.batchNormalization({ name, axis: 3, epsilon: style.bnEpsilon, momentum: 0.99 }).apply(x) as tf.SymbolicTensor;
}

export function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.activation({ name, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
}

/**
 * Keras `block1`: 1x1 (stride) → 3x3 same → 1x1 x expansion, with a projection shortcut (`_0_conv`)
 * when `convShortcut`, else the identity.
 */
export function bottleneck(
  x: tf.SymbolicTensor,
  style: ConvStyle,
  o: { filters: number; stride: number; convShortcut: boolean; name: string; expansion?: number },
): tf.SymbolicTensor {
  const out = o.filters * (o.expansion ?? 4);
  const n = o.name;
  let shortcut = x;
  if (o.convShortcut) {
    shortcut = bn(conv(x, style, `${n}_0_conv`, out, 1, o.stride), style, `${n}_0_bn`);
  } else {
    const c = x.shape[3];
    if (c !== out || o.stride !== 1) {
      throw new Error(`${n}: an identity shortcut needs ${out} input channels and stride 1, got ${String(c)} and ${o.stride}`);
    }
  }
  let y = relu(bn(conv(x, style, `${n}_1_conv`, o.filters, 1, o.stride), style, `${n}_1_bn`), `${n}_1_relu`);
  y = relu(bn(conv(y, style, `${n}_2_conv`, o.filters, 3, 1, 'same'), style, `${n}_2_bn`), `${n}_2_relu`);
  y = bn(conv(y, style, `${n}_3_conv`, out, 1), style, `${n}_3_bn`);
  const sum = tf.layers.add({ name: `${n}_add` }).apply([shortcut, y]) as tf.SymbolicTensor;
  return relu(sum, `${n}_out`);
}

/** Keras `stack1`: block1 with a projection shortcut, then `blocks - 1` identity blocks. */
export function stack(
  x: tf.SymbolicTensor,
  style: ConvStyle,
  o: { filters: number; blocks: number; stride1: number; name: string; expansion?: number },
): tf.SymbolicTensor {
  if (!Number.isInteger(o.blocks) || o.blocks < 1) throw new Error(`${o.name}: blocks: expected an integer ≥ 1, got ${o.blocks}`);
  let y = bottleneck(x, style, { ...o, stride: o.stride1, convShortcut: true, name: `${o.name}_block1` });
  for (let i = 2; i <= o.blocks; i++) {
    y = bottleneck(y, style, { ...o, stride: 1, convShortcut: false, name: `${o.name}_block${i}` });
  }
  return y;
}

/** Checks an [H, W, C] input shape; `who` names the caller in the error. */
export function checkInputShape(who: string, shape: readonly number[], channels?: number, minSide = 1): [number, number, number] {
  const ok = shape.length === 3 && shape.every((d) => Number.isInteger(d) && d > 0);
  if (!ok) throw new Error(`${who}: inputShape: expected [height, width, channels] of positive integers, got [${shape.join(', ')}]`);
  const [h, w, c] = shape as [number, number, number];
  if (channels !== undefined && c !== channels) {
    throw new Error(`${who}: inputShape: expected ${channels} channels, got [${shape.join(', ')}]`);
  }
  if (h < minSide || w < minSide) {
    throw new Error(`${who}: inputShape: expected height and width ≥ ${minSide}, got [${shape.join(', ')}]`);
  }
  return [h, w, c];
}
