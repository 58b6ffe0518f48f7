/** A data-parallel replica (see data-parallel.ts): computes its shard's gradients, applies the averaged ones. */
import { parentPort, workerData } from 'node:worker_threads';
import { tf } from '../src/lib/tf.js';
import { loadWeightsInto } from '../src/lib/models/io.js';
import { loadBenchData } from './data.js';
import { applyFlat, shardGradients } from './data-parallel.js';
import { buildRawModel } from './models.js';
import { trainableVars } from './workloads.js';

const w = workerData as { weightsDir: string; lr: number; epsilon: number; batchSize: number; rank: number; world: number; epochs: number };
const d = loadBenchData(w.epochs);
const model = buildRawModel();
await loadWeightsInto(model, w.weightsDir);
const vars = trainableVars(model);
const opt = tf.train.adam(w.lr, 0.9, 0.999, w.epsilon);
parentPort!.on('message', (msg: { cmd: 'grad'; step: number } | { cmd: 'apply'; grads: Float32Array }) => {
  if (msg.cmd === 'grad') {
    const r = shardGradients(model, vars, d, msg.step, w.batchSize, w.rank, w.world);
    parentPort!.postMessage(r, [r.grads.buffer as ArrayBuffer]);
  } else {
    applyFlat(opt, vars, msg.grads);
  }
});
parentPort!.postMessage({ ready: true });
