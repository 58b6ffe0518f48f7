/**
 * resnet-mini: the Keras ResNet v1 bottleneck design scaled down to 28x28x1 (Fashion-MNIST).
 *
 *   conv1: 3x3 conv (16) stride 1 + BN + ReLU          28x28x16   (no 7x7, no max-pool: the image is small)
 *   conv2: 1 bottleneck block, width 8,  stride 1      28x28x32
 *   conv3: 2 bottleneck blocks, width 16, stride 2     14x14x64
 *   conv4: 2 bottleneck blocks, width 32, stride 2      7x7x128
 *   avg_pool: global average → 128-d feature vector
 *   [predictions: Dense(classes), logits — only with includeTop]
 *
 * Bottleneck expansion 4, BatchNorm (epsilon 1.001e-5, axis 3), convs without bias (BN follows),
 * He-normal kernels from a seed. Cost ≈ 5.3 M MACs ≈ 10.6 MFLOP forward per image (see countFlops).
 */
import { tf } from '../tf.js';
import { bn, checkInputShape, conv, relu, SeedSequence, stack, type ConvStyle } from './blocks.js';

export const RESNET_MINI_NAME = 'resnet-mini';
export const RESNET_MINI_STAGES = [
  { name: 'conv2', filters: 8, blocks: 1, stride1: 1 },
  { name: 'conv3', filters: 16, blocks: 2, stride1: 2 },
  { name: 'conv4', filters: 32, blocks: 2, stride1: 2 },
] as const;
export const RESNET_MINI_STEM_FILTERS = 16;
export const RESNET_MINI_FEATURE_DIM = 4 * RESNET_MINI_STAGES[RESNET_MINI_STAGES.length - 1]!.filters;

export interface ResNetMiniOptions {
  inputShape?: [number, number, number];
  /** Adds Dense(classes) named 'predictions' (logits, no softmax) after avg_pool. */
  includeTop?: boolean;
  classes?: number;
  /** Integer seed for the kernel initialisers; the same seed gives the same weights. Default 0. */
  seed?: number;
}

export function resnetMini(opts: ResNetMiniOptions = {}): tf.LayersModel {
  const { inputShape = [28, 28, 1], includeTop = false, classes, seed = 0 } = opts;
  checkInputShape('resnetMini', inputShape, undefined, 4);
  if (includeTop && (classes === undefined || !Number.isInteger(classes) || classes < 1)) {
    throw new Error(`resnetMini: classes: expected a positive integer with includeTop, got ${String(classes)}`);
  }
  if (!includeTop && classes !== undefined) {
    throw new Error(`resnetMini: classes: expected no classes without includeTop (features only), got ${classes}`);
  }
  const style: ConvStyle = { init: 'heNormal', useBias: false, bnEpsilon: 1.001e-5, seeds: new SeedSequence(seed) };
  const input = tf.input({ shape: inputShape, name: 'input_1' });
  let x = conv(input, style, 'conv1_conv', RESNET_MINI_STEM_FILTERS, 3, 1, 'same');
  x = relu(bn(x, style, 'conv1_bn'), 'conv1_relu');
  for (const s of RESNET_MINI_STAGES) x = stack(x, style, s);
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  if (includeTop) {
    const seedTop = style.seeds.take();
    x = tf.layers
      .dense({ units: classes!, name: 'predictions', kernelInitializer: tf.initializers.glorotUniform({ seed: seedTop }) })
      .apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name: RESNET_MINI_NAME });
}

/** resnet-mini takes x in [0, 1] as is (the pretraining uses the same): a copy of x, checked. */
export function resnetMiniPreprocess(x: tf.Tensor4D, channels = 1): tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== channels) {
    throw new Error(`resnetMini preprocess: x: expected [batch, height, width, ${channels}] in [0, 1], got shape [${x.shape.join(', ')}]`);
  }
  return tf.cast(x, 'float32') as tf.Tensor4D;
}
