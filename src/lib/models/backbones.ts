/**
 * Feature extractors for transfer learning: a model that maps preprocessed images to features [B, F],
 * with its preprocessing and a note of where its weights came from.
 */
import path from 'node:path';
import { fileExists } from '../files.js';
import { tf } from '../tf.js';
import { assertPixelRange } from '../guards/images.js';
import { checkInputShape } from './blocks.js';
import { resnetMini } from './resnet-mini.js';
import { buildResNet50, caffePreprocess } from './resnet50.js';
import { loadWeightsFrom } from './weights.js';
import { REPO_ROOT } from '../data/paths.js';
import { BACKBONE_NAMES, type BackboneName } from './backbone-names.js';

export { BACKBONE_NAMES, type BackboneName } from './backbone-names.js';

export interface Backbone {
  name: BackboneName;
  /** Features [B, featureDim] from preprocessed input [B, ...inputShape]. */
  model: tf.LayersModel;
  inputShape: [number, number, number];
  featureDim: number;
  /** float32 [B, H, W, C] in [0, 1] → the model's input (channels and size adapted, then normalised). */
  preprocess(x: tf.Tensor4D): tf.Tensor4D;
  /** Where the weights came from: a path and format, or 'random init (seed N)'. */
  source: string;
}

export interface BackboneOptions {
  /** A tfjs model directory or a Keras .h5 file; 'random' for an untrained network. Default: see defaultWeights. */
  weights?: string;
  inputShape?: [number, number, number];
  /** Seed of the random initialisation (used when weights is 'random'). */
  seed?: number;
}

export { REPO_ROOT };

/** Where each backbone's weights are looked for by default. */
export function defaultWeights(name: BackboneName): string {
  return path.join(REPO_ROOT, 'models', name === 'resnet-mini' ? 'resnet-mini-fashion8' : 'resnet50-imagenet');
}

const HOW_TO_GET: Record<BackboneName, string> = {
  'resnet-mini': 'run npm run backbone:pretrain to create them (or pass weights: "random" for an untrained network)',
  resnet50:
    'run npx tsx src/cli/weights-resnet50.ts (downloads the Keras ImageNet notop .h5; offline: --from <file.h5>), ' +
    'or pass weights: <file.h5 or tfjs dir>',
};

/** Adapts [B, H, W, C] to the input's channels (1 ↔ 3) and size (bilinear), checking rank and dtype. */
export function adaptImages(x: tf.Tensor4D, inputShape: readonly [number, number, number], who: string): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`${who}: x: expected [batch, height, width, channels], got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new Error(`${who}: x: expected float32 in [0, 1], got dtype ${x.dtype}`);
  assertPixelRange(x, who, 'x'); // NaN or 0..255 pixels: a clear error here, not NaN or saturated features
  const [h, w, c] = inputShape;
  const cin = x.shape[3];
  if (cin !== c && !(cin === 1 && c === 3) && !(cin === 3 && c === 1)) {
    throw new Error(`${who}: x: expected ${c} channels (or 1/3 to convert), got shape [${x.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let y: tf.Tensor4D = x;
    if (cin === 1 && c === 3) y = tf.tile(y, [1, 1, 1, 3]);
    else if (cin === 3 && c === 1) y = tf.mean(y, 3, true);
    if (y.shape[1] !== h || y.shape[2] !== w) y = tf.image.resizeBilinear(y, [h, w]);
    return y === x ? tf.clone(x) : y;
  });
}

export async function loadBackbone(name: BackboneName, opts: BackboneOptions = {}): Promise<Backbone> {
  if (!BACKBONE_NAMES.includes(name)) {
    throw new Error(`loadBackbone: name: expected one of ${BACKBONE_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  const who = `loadBackbone('${name}')`;
  const inputShape = opts.inputShape ?? (name === 'resnet-mini' ? [28, 28, 1] : [224, 224, 3]);
  checkInputShape(who, inputShape);
  const weights = opts.weights ?? defaultWeights(name);
  if (weights !== 'random' && !fileExists(weights)) {
    throw new Error(`${who}: weights: expected pretrained weights at ${weights}, got no such path — ${HOW_TO_GET[name]}`);
  }
  const seed = opts.seed ?? 0;
  const model = name === 'resnet-mini' ? resnetMini({ inputShape, seed }) : buildResNet50({ inputShape, seed });
  let source: string;
  try {
    source = weights === 'random' ? `random init (seed ${seed})` : await loadWeightsFrom(model, weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const featureDim = model.outputs[0]!.shape[1] as number;
  const preprocess =
    name === 'resnet-mini'
      ? (x: tf.Tensor4D): tf.Tensor4D => adaptImages(x, inputShape, `${name} preprocess`)
      : (x: tf.Tensor4D): tf.Tensor4D =>
          tf.tidy(() => caffePreprocess(tf.mul(adaptImages(x, inputShape, `${name} preprocess`), 255) as tf.Tensor4D));
  return { name, model, inputShape, featureDim, preprocess, source };
}
