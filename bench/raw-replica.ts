/**
 * The raw training step as a data-parallel replica (src/lib/threads/data-parallel.ts): resnet-mini + Dense(2),
 * every layer trainable, BatchNorm in training mode, Adam; replica r of w takes its shard of each batch of the
 * bundled pool.
 */
import { tf } from '../src/lib/tf.js';
import { loadWeightsInto } from '../src/lib/models/io.js';
import { shardRange, type Replica } from '../src/lib/threads/data-parallel.js';
import { gather, loadBenchData, rawBatchIndices } from './data.js';
import { buildRawModel } from './models.js';
import { crossEntropy, trainableVars } from './workloads.js';

export interface RawReplicaInit {
  weightsDir: string;
  lr: number;
  epsilon: number;
  batchSize: number;
  /** Epoch orders to draw (BenchData), as the other variants. */
  epochs: number;
}

export async function createReplica(init: unknown, rank: number, world: number): Promise<Replica & { model: tf.LayersModel }> {
  const o = init as RawReplicaInit;
  const d = loadBenchData(o.epochs);
  const model = buildRawModel();
  await loadWeightsInto(model, o.weightsDir);
  return {
    model,
    vars: trainableVars(model),
    optimizer: tf.train.adam(o.lr, 0.9, 0.999, o.epsilon),
    shard(step) {
      const idx = rawBatchIndices(d, step, o.batchSize);
      const [s, e] = shardRange(idx.length, rank, world);
      const { x, y } = gather(d, idx.subarray(s, e)); // x float32 [e-s,28,28,1], y int32 [e-s]
      return {
        loss: () => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y),
        count: e - s,
        release: () => tf.dispose([x, y]),
      };
    },
    dispose: () => model.dispose(),
  };
}
