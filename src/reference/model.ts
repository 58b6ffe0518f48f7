/**
 * The pipeline's model: kata 01's buildModel with a pretrained frozen backbone (transfer), or the same
 * architecture randomly initialised and all trainable (from scratch); and the head alone, for
 * training on cached features.
 */
import { tf } from '../lib/tf.js';
import type { Classifier, ForwardOptions, TransferModel } from '../lib/classifier.js';
import { loadBackbone, type BackboneName } from '../lib/models/backbones.js';
import { buildModel } from '../../solutions/01-build-model/build-model.js';

export interface PipelineModelOptions {
  backbone: BackboneName;
  /** Pretrained weights (a tfjs dir or Keras .h5; default: the backbone's default); 'random' for an untrained one. Ignored from scratch. */
  weights?: string;
  /** Same architecture, random initialisation (seeded), backbone trainable. */
  fromScratch: boolean;
  seed: number;
  numClasses: number;
  dropout: number;
  inputShape?: [number, number, number];
}

export async function buildPipelineModel(o: PipelineModelOptions): Promise<TransferModel> {
  const backbone = o.fromScratch
    ? await loadBackbone(o.backbone, { weights: 'random', seed: o.seed, inputShape: o.inputShape })
    : await loadBackbone(o.backbone, { weights: o.weights, seed: o.seed, inputShape: o.inputShape });
  return buildModel({ numClasses: o.numClasses, backbone, freezeBackbone: !o.fromScratch, dropout: o.dropout });
}

/**
 * The head of a frozen-backbone model as a Classifier over cached features: x float32 [B,1,1,F]
 * (as PipelineLoader yields them) → logits [B, numClasses]. Same head, same weights, same dropout:
 * model.forward(images) = head(backbone(images) in inference mode) = this.forward(features).
 */
export function headOnly(model: TransferModel): Classifier {
  if (!model.frozen) {
    throw new Error('headOnly: expected a model with a frozen backbone (features are fixed only then), got a trainable backbone');
  }
  const f = model.backbone.featureDim;
  return {
    numClasses: model.numClasses,
    forward(x: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      if (x.rank !== 4 || x.shape[1] !== 1 || x.shape[2] !== 1 || x.shape[3] !== f) {
        throw new Error(`headOnly forward: x: expected cached features [B, 1, 1, ${f}], got [${x.shape.join(', ')}]`);
      }
      return tf.tidy(() => model.head.apply(tf.reshape(x, [x.shape[0], f]), { training }) as tf.Tensor2D); // [B,F] → [B,C]
    },
    trainableVariables: () => model.trainableVariables(),
    dispose: () => {}, // the TransferModel owns the head
  };
}

/** Trainable parameters: the optimizer's variables. */
export function countTrainable(model: Classifier): number {
  return model.trainableVariables().reduce((a, v) => a + v.size, 0);
}
