/**
 * Data-parallel training on CPU cores: the main thread and (workers - 1) worker_threads each hold a replica of the
 * model on their own single-threaded wasm backend. Every step, each replica computes the gradients of its shard of
 * the batch; the main thread averages them (weighted by shard size) and every replica applies the same average with
 * its own Adam, so the weights stay identical. As with PyTorch's DistributedDataParallel without SyncBatchNorm,
 * BatchNorm uses per-shard batch statistics (and each replica keeps its own moving averages).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { tf } from '../src/lib/tf.js';
import { loadWeightsInto } from '../src/lib/models/io.js';
import { type BenchData, gather, rawBatchIndices } from './data.js';
import { buildRawModel } from './models.js';
import { crossEntropy, type RawResult, timeRounds, trainableVars } from './workloads.js';

export interface ShardMessage {
  step: number;
  loss: number;
  count: number;
  grads: Float32Array;
}

/** The shard [start, end) of a batch of n for replica r of w: sizes differ by at most one. */
export function shardRange(n: number, r: number, w: number): [number, number] {
  const base = Math.floor(n / w);
  const extra = n % w;
  const start = r * base + Math.min(r, extra);
  return [start, start + base + (r < extra ? 1 : 0)];
}

/** One replica's loss and flat gradients on its shard of batch `step`. */
export function shardGradients(model: tf.LayersModel, vars: tf.Variable[], d: BenchData, step: number, batchSize: number, r: number, w: number): ShardMessage {
  const idx = rawBatchIndices(d, step, batchSize);
  const [s, e] = shardRange(idx.length, r, w);
  const { x, y } = gather(d, idx.subarray(s, e));
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), vars);
  const total = vars.reduce((a, v) => a + v.size, 0);
  const flat = new Float32Array(total);
  let at = 0;
  for (const v of vars) {
    flat.set(grads[v.name]!.dataSync() as Float32Array, at);
    at += v.size;
  }
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads), x, y]);
  return { step, loss, count: e - s, grads: flat };
}

/** Applies flat gradients (in `vars` order) with `opt`. */
export function applyFlat(opt: tf.Optimizer, vars: tf.Variable[], flat: Float32Array): void {
  tf.tidy(() => {
    const named: tf.NamedTensorMap = {};
    let at = 0;
    for (const v of vars) {
      named[v.name] = tf.tensor(flat.subarray(at, at + v.size), v.shape);
      at += v.size;
    }
    opt.applyGradients(named);
  });
}

/**
 * The worker's entry: worker_threads do not inherit tsx's module hooks, so the worker loads dp-worker.ts through
 * tsx's API (as test/global-setup.ts does for the test session).
 */
function workerBootstrap(): string {
  const api = createRequire(import.meta.url).resolve('tsx/esm/api');
  const url = new URL('./dp-worker.ts', import.meta.url).href;
  return `require(${JSON.stringify(api)}).tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)})` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
}

export async function rawStepDataParallel(
  d: BenchData,
  weightsDir: string,
  o: { lr: number; epsilon: number; batchSize: number; steps: number; warmup: number; workers: number },
): Promise<RawResult & { workers: number }> {
  const W = Math.max(1, o.workers);
  const model = buildRawModel();
  await loadWeightsInto(model, weightsDir);
  const vars = trainableVars(model);
  const opt = tf.train.adam(o.lr, 0.9, 0.999, o.epsilon);
  const workers = Array.from({ length: W - 1 }, (_, i) =>
    new Worker(workerBootstrap(), {
      eval: true,
      workerData: { weightsDir, lr: o.lr, epsilon: o.epsilon, batchSize: o.batchSize, rank: i + 1, world: W, epochs: d.orders.length },
    }));
  const inbox = workers.map(() => [] as ((m: ShardMessage) => void)[]);
  const next = (k: number): Promise<ShardMessage> => new Promise((resolve) => inbox[k]!.push(resolve));
  workers.forEach((w, k) => {
    w.on('message', (msg: ShardMessage | { ready: true }) => {
      if ('ready' in msg) return void inbox[k]!.shift()?.(msg as unknown as ShardMessage);
      inbox[k]!.shift()!(msg);
    });
    w.on('error', (e) => {
      throw e;
    });
  });
  await Promise.all(workers.map((_, k) => next(k))); // each worker says ready once its model is loaded

  const step = async (i: number): Promise<number> => {
    const replies = workers.map((_, k) => next(k));
    workers.forEach((w) => w.postMessage({ cmd: 'grad', step: i }));
    const mine = shardGradients(model, vars, d, i, o.batchSize, 0, W);
    const all = [mine, ...(await Promise.all(replies))];
    const n = all.reduce((a, r) => a + r.count, 0);
    const avg = new Float32Array(mine.grads.length);
    for (const r of all) {
      const wgt = r.count / n;
      for (let j = 0; j < avg.length; j++) avg[j]! += wgt * r.grads[j]!;
    }
    workers.forEach((w) => w.postMessage({ cmd: 'apply', grads: avg }));
    applyFlat(opt, vars, avg);
    return all.reduce((a, r) => a + (r.loss * r.count) / n, 0);
  };
  for (let i = 0; i < o.warmup; i++) await step(i);
  const t = await timeRounds(o.steps, o.batchSize, step, o.warmup);
  await Promise.all(workers.map((w) => w.terminate()));
  opt.dispose();
  model.dispose();
  return { steps: o.steps, batchSize: o.batchSize, ...t, workers: W };
}
