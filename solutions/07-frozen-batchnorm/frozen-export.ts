/**
 * Kata 07 — frozen means frozen (reference solution).
 * One tfjs LayersModel — backbone + head — that model.fit can train and saveModel/loadModel can
 * round-trip, whose backbone never changes: not its weights, not its BatchNorm statistics.
 *
 * The Keras way, `x = base(inputs, training=False)`, does not survive in tfjs: the `training`
 * kwarg given while building the graph is stored (it is even written to model.json) but ignored
 * when the model runs — the executor hands the OUTER call's { training } to every layer, so
 * model.fit runs the backbone's BatchNorm layers in training mode. The backbone must decide its
 * mode itself, at call time: InferenceMode wraps it and always calls it with { training: false }.
 */
import { tf } from '../../src/lib/tf.js';
import type { Backbone } from '../../src/lib/models/backbones.js';

export interface ExportOptions {
  /** Number of classes: an integer >= 2. Default 2. */
  numClasses?: number;
  /** Dropout rate of the head. Default 0.5. */
  dropout?: number;
}

interface InferenceModeArgs {
  /** The wrapped model (the backbone). */
  layer: tf.LayersModel;
  name?: string;
  /** Default: the wrapped model's own flag. loadModel passes the saved one back. */
  trainable?: boolean;
}

/**
 * A layer that runs the model it wraps in inference mode, whatever the caller's mode: BatchNorm
 * uses (and never updates) its moving statistics, Dropout is off. Its weights are the wrapped
 * model's weights (so save/load and trainable = false reach them). Registered for serialization:
 * loadModel rebuilds it from model.json.
 */
export class InferenceMode extends tf.layers.Layer {
  static className = 'InferenceMode';
  readonly inner: tf.LayersModel;

  constructor(args: InferenceModeArgs) {
    super({ name: args.name ?? `inference_mode_${args.layer.name}` });
    this.inner = args.layer;
    // model.json stores `trainable` in THIS layer's config (a nested model's own flag is not saved):
    // restore it, or a loaded backbone comes back trainable.
    if (args.trainable !== undefined) this.inner.trainable = args.trainable;
  }

  override build(): void {
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[] {
    void kwargs; // the caller's mode — deliberately ignored: this is the point of the layer
    return this.inner.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return this.inner.computeOutputShape(inputShape);
  }

  // The wrapped model's weights are this layer's weights (like tfjs's own Wrapper layers).
  override get trainable(): boolean {
    return this.inner?.trainable ?? false;
  }
  override set trainable(value: boolean) {
    if (this.inner) this.inner.trainable = value;
  }
  override get trainableWeights(): tf.LayerVariable[] {
    return this.inner.trainableWeights;
  }
  override get nonTrainableWeights(): tf.LayerVariable[] {
    return this.inner.nonTrainableWeights;
  }
  override getWeights(): tf.Tensor[] {
    return this.inner.getWeights();
  }
  override setWeights(weights: tf.Tensor[]): void {
    this.inner.setWeights(weights);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      layer: { className: this.inner.getClassName(), config: this.inner.getConfig() as tf.serialization.ConfigDict },
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { layer, ...rest } = config as { layer: { config: tf.serialization.ConfigDict } } & tf.serialization.ConfigDict;
    // The wrapped backbone is a functional model: rebuild it from its own config.
    const inner = (tf.LayersModel as unknown as {
      fromConfig(c: unknown, cfg: tf.serialization.ConfigDict): tf.LayersModel;
    }).fromConfig(tf.LayersModel, layer.config);
    return new cls({ ...rest, layer: inner } as unknown as tf.serialization.ConfigDict);
  }
}
tf.serialization.registerClass(InferenceMode);

/**
 * backbone (frozen, always in inference mode) → Dense(500) → ReLU → Dropout → Dense(numClasses), as one
 * LayersModel: input float32 [B, ...backbone.inputShape] (already preprocessed), output logits [B, numClasses].
 */
export function buildExportModel(backbone: Backbone, opts: ExportOptions = {}): tf.LayersModel {
  const { numClasses = 2, dropout = 0.5 } = opts;
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`buildExportModel: numClasses: expected an integer >= 2, got ${String(numClasses)}`);
  }
  backbone.model.trainable = false; // no optimizer may touch it ...
  const frozen = new InferenceMode({ layer: backbone.model, name: 'frozen_backbone' }); // ... and no mode may either

  const input = tf.input({ shape: backbone.inputShape, name: 'images' });
  const features = frozen.apply(input) as tf.SymbolicTensor; // [B, featureDim]
  let x = tf.layers.dense({ units: 500, name: 'head_dense' }).apply(features) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'head_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: dropout, name: 'head_dropout' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, name: 'head_logits' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'transfer_export' });
}
