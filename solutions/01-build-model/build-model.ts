/**
 * Kata 01 — build the transfer model: a pretrained backbone, frozen, and a new head
 *   Dense(500) → ReLU → Dropout → Dense(numClasses), returning logits.
 */
import { tf } from '../../src/lib/tf.js';
import { loadBackbone, type Backbone, type BackboneName } from '../../src/lib/models/backbones.js';
import type { ForwardOptions, TransferModel } from '../../src/lib/classifier.js';

export interface BuildModelOptions {
  /** Number of classes of the new task: an integer >= 2. Default 2. */
  numClasses?: number;
  /** Freeze the backbone: no backbone weight trainable, backbone always in inference mode. Default true. */
  freezeBackbone?: boolean;
  /** A backbone name (loaded with its pretrained weights) or a loaded Backbone. Default 'resnet-mini'. */
  backbone?: BackboneName | Backbone;
  /** Dropout rate of the head. Default 0.5. */
  dropout?: number;
}

export async function buildModel(opts: BuildModelOptions = {}): Promise<TransferModel> {
  const { numClasses = 2, freezeBackbone = true, backbone = 'resnet-mini', dropout = 0.5 } = opts;
  // Fail loudly, before any work: a 1-class or 2.5-class head trains into nonsense without an error.
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`buildModel: numClasses: expected an integer >= 2, got ${typeof numClasses === 'string' ? JSON.stringify(numClasses) : String(numClasses)}`);
  }
  const bb = typeof backbone === 'string' ? await loadBackbone(backbone) : backbone;

  // PyTorch: for p in model.parameters(): p.requires_grad = False
  bb.model.trainable = !freezeBackbone;

  // PyTorch: model.fc = nn.Sequential(nn.Linear(2048, 500), nn.ReLU(), nn.Dropout(), nn.Linear(500, num_classes))
  const head = tf.sequential({
    name: 'head',
    layers: [
      tf.layers.dense({ inputShape: [bb.featureDim], units: 500, name: 'head_dense' }), // [B,F] → [B,500]
      tf.layers.activation({ activation: 'relu', name: 'head_relu' }),
      tf.layers.dropout({ rate: dropout, name: 'head_dropout' }),
      tf.layers.dense({ units: numClasses, name: 'head_logits' }), // [B,500] → [B,numClasses], linear: logits
    ],
  });

  return {
    backbone: bb,
    head,
    numClasses,
    frozen: freezeBackbone,
    forward(images: tf.Tensor4D, { training }: ForwardOptions): tf.Tensor2D {
      return tf.tidy(() => {
        const x = bb.preprocess(images); // float32 [B,H,W,C] as the backbone expects it
        // A frozen backbone runs in inference mode even while the head trains: otherwise its
        // BatchNorm layers use batch statistics and overwrite their moving averages.
        const features = bb.model.apply(x, { training: training && !freezeBackbone }) as tf.Tensor2D; // [B,F]
        return head.apply(features, { training }) as tf.Tensor2D; // float32 [B,numClasses]
      });
    },
    trainableVariables(): tf.Variable[] {
      const layers = freezeBackbone ? [head] : [bb.model, head];
      return layers.flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
    },
    dispose(): void {
      head.dispose();
      bb.model.dispose();
    },
  };
}
