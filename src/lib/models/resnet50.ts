/**
 * ResNet50 v1 with the exact topology and layer names of `keras.applications.ResNet50`
 * (keras/applications/resnet.py: ZeroPadding + 7x7/2 stem, 3x3/2 max-pool, stack1 stages [3, 4, 6, 3]),
 * so that the official Keras weights load by layer name. 23,587,712 parameters without the top.
 */
import { tf } from '../tf.js';
import { checkInputShape, conv, bn, relu, stack, SeedSequence, type ConvStyle } from './blocks.js';
import { loadWeightsFrom } from './weights.js';

export const RESNET50_NOTOP_PARAMS = 23_587_712;
/** ImageNet channel means in BGR order, as subtracted by Keras `preprocess_input(mode='caffe')`. */
export const IMAGENET_BGR_MEANS = [103.939, 116.779, 123.68] as const;

export interface ResNet50Options {
  inputShape?: [number, number, number];
  includeTop?: boolean;
  /** Global pooling when includeTop is false: 'avg' (avg_pool), 'max' (max_pool) or 'none' (4D features). */
  pooling?: 'avg' | 'max' | 'none';
  /** Classes of the softmax 'predictions' layer when includeTop (Keras: 1000). */
  classes?: number;
  /** A Keras .h5 file or a tfjs model directory, loaded by layer name (resnet50() only). */
  weights?: string;
  seed?: number;
}

/** Builds the graph and, when `weights` is given, loads them by layer name (.h5 or tfjs dir). */
export async function resnet50(opts: ResNet50Options = {}): Promise<tf.LayersModel> {
  const model = buildResNet50(opts);
  if (opts.weights !== undefined) {
    try {
      await loadWeightsFrom(model, opts.weights);
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  return model;
}

/** Builds the randomly initialised Keras ResNet50 graph (synchronous; `weights` is ignored here). */
export function buildResNet50(opts: ResNet50Options = {}): tf.LayersModel {
  const { inputShape = [224, 224, 3], includeTop = false, pooling = 'avg', classes = 1000 } = opts;
  checkInputShape('resnet50', inputShape, 3, 32);
  if (!['avg', 'max', 'none'].includes(pooling)) {
    throw new Error(`resnet50: pooling: expected 'avg', 'max' or 'none', got ${JSON.stringify(pooling)}`);
  }
  if (includeTop && (!Number.isInteger(classes) || classes < 1)) {
    throw new Error(`resnet50: classes: expected a positive integer, got ${classes}`);
  }
  const style: ConvStyle = { init: 'glorotUniform', useBias: true, bnEpsilon: 1.001e-5, seeds: new SeedSequence(opts.seed) };
  const input = tf.input({ shape: inputShape, name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }).apply(input) as tf.SymbolicTensor;
  x = relu(bn(conv(x, style, 'conv1_conv', 64, 7, 2), style, 'conv1_bn'), 'conv1_relu');
  x = tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as tf.SymbolicTensor;
  x = stack(x, style, { filters: 64, blocks: 3, stride1: 1, name: 'conv2' });
  x = stack(x, style, { filters: 128, blocks: 4, stride1: 2, name: 'conv3' });
  x = stack(x, style, { filters: 256, blocks: 6, stride1: 2, name: 'conv4' });
  x = stack(x, style, { filters: 512, blocks: 3, stride1: 2, name: 'conv5' });
  if (includeTop) {
    x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: classes, activation: 'softmax', name: 'predictions' }).apply(x) as tf.SymbolicTensor;
  } else if (pooling === 'avg') {
    x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  } else if (pooling === 'max') {
    x = tf.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name: 'resnet50' });
}

/**
 * Keras `preprocess_input(mode='caffe')`: x is float [B, H, W, 3], RGB in 0..255.
 * Returns BGR with the ImageNet means subtracted (no scaling).
 */
export function caffePreprocess(x: tf.Tensor4D): tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== 3) {
    throw new Error(`caffePreprocess: x: expected a [batch, height, width, 3] RGB tensor, got shape [${x.shape.join(', ')}]`);
  }
  if (x.dtype !== 'float32') throw new Error(`caffePreprocess: x: expected dtype float32, got ${x.dtype}`);
  return tf.tidy(() => {
    const bgr = tf.reverse(x, 3);
    return tf.sub(bgr, tf.tensor1d([...IMAGENET_BGR_MEANS])) as tf.Tensor4D;
  });
}
