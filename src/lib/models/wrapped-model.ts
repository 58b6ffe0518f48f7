/**
 * A layer that wraps a whole LayersModel (a backbone) so that it can be ONE layer of another model —
 * the plumbing of kata 07, ready-made. Its weights are the wrapped model's weights (as tfjs's own
 * Wrapper layers do), so `trainable = false`, model.fit's variable list, getWeights/setWeights and
 * saveModel reach them; getConfig saves the wrapped model and fromConfig rebuilds it, and the saved
 * `trainable` flag is applied again on load (a nested model's own flag is not written to model.json).
 *
 * What it does NOT decide is the mode in which the wrapped model runs: a subclass's `call()` does.
 * A subclass sets `static className` and is registered with tf.serialization.registerClass.
 */
import { tf } from '../tf.js';

export interface WrappedModelArgs {
  /** The wrapped model (the backbone). */
  layer: tf.LayersModel;
  name?: string;
  /** Default: the wrapped model's own flag. loadModel passes the saved one back. */
  trainable?: boolean;
}

export abstract class WrappedModel extends tf.layers.Layer {
  readonly inner: tf.LayersModel;

  constructor(args: WrappedModelArgs) {
    super({ name: args.name ?? `wrapped_${args.layer.name}` });
    this.inner = args.layer;
    if (args.trainable !== undefined) this.inner.trainable = args.trainable;
  }

  override build(): void {
    this.built = true;
  }

  /** Runs the wrapped model: the subclass decides with which { training }. */
  abstract override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[];

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return this.inner.computeOutputShape(inputShape);
  }

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
    const inner = (tf.LayersModel as unknown as {
      fromConfig(c: unknown, cfg: tf.serialization.ConfigDict): tf.LayersModel;
    }).fromConfig(tf.LayersModel, layer.config);
    return new cls({ ...rest, layer: inner } as unknown as tf.serialization.ConfigDict);
  }
}
