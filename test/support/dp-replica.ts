/**
 * A data-parallel replica for test/threads.test.ts: a small conv net WITHOUT BatchNorm (so that the per-shard
 * statistics of data parallelism cannot differ from the whole batch's), seeded weights, a seeded synthetic batch
 * per step, SGD. With it, 2 replicas must train exactly as 1 (up to float rounding).
 */
import { tf } from '../../src/lib/tf.js';
import { shardRange, type Replica } from '../../src/lib/threads/data-parallel.js';

export interface TestReplicaInit {
  batchSize: number;
  lr: number;
}

function buildNet(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, kernelInitializer: init(2) }),
    ],
  });
}

/** Batch `step`: x float32 [B,8,8,1], y int32 [B] in 0..2, the same on every replica. */
export function batch(step: number, b: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([b, 8, 8, 1], 0, 1, 'float32', 100 + step) as tf.Tensor4D,
    y: tf.tensor1d(Array.from({ length: b }, (_, i) => (i * 7 + step) % 3), 'int32'),
  }));
}

export async function createReplica(init: unknown, rank: number, world: number): Promise<Replica & { model: tf.LayersModel }> {
  const o = init as TestReplicaInit;
  const model = buildNet();
  return {
    model,
    vars: model.trainableWeights.map((w) => w.read() as tf.Variable),
    optimizer: tf.train.sgd(o.lr),
    shard(step) {
      const [s, e] = shardRange(o.batchSize, rank, world);
      const { x, y } = batch(step, o.batchSize);
      const xs = x.slice([s, 0, 0, 0], [e - s, 8, 8, 1]);
      const ys = y.slice([s], [e - s]);
      tf.dispose([x, y]);
      return {
        loss: () => tf.losses.softmaxCrossEntropy(tf.oneHot(ys, 3), model.apply(xs) as tf.Tensor2D) as tf.Scalar,
        count: e - s,
        release: () => tf.dispose([xs, ys]),
      };
    },
    dispose: () => model.dispose(),
  };
}
