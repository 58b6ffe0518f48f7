/**
 * Data-parallel training on CPU cores. The main thread and (world - 1) worker_threads each hold a replica of the
 * model on their own single-threaded wasm backend. Every step, each replica computes the loss and gradients of its
 * shard of the batch; the main thread averages the gradients (weighted by shard size) and every replica applies
 * the same average with its own optimizer, so the weights stay identical (the main thread's initial weights are
 * copied to every worker at start). As with PyTorch's DistributedDataParallel without SyncBatchNorm, BatchNorm
 * uses per-shard batch statistics and each replica keeps its own moving averages.
 *
 * The model, data and loss come from a replica module, given by URL, that exports
 *
 *   export async function createReplica(init: unknown, rank: number, world: number): Promise<Replica>
 *
 * (it runs once in the main thread as rank 0 and once in each worker; `init` must survive structured cloning).
 *
 *   const dp = await startDataParallel({ module: new URL('./my-replica.ts', import.meta.url), init, world: 2 });
 *   for (let i = 0; i < steps; i++) loss = await dp.step(i);
 *   await dp.close();
 *
 * Idle workers are unref'd, so a process that forgets close() still exits by itself. Workers run with
 * KATA_THREADS=1; run the main thread on one thread too (KATA_THREADS=1), or its XNNPACK pool and the workers
 * compete for the same cores.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

export interface Replica {
  /** The variables trained, in the same order on every replica. */
  vars: tf.Variable[];
  optimizer: tf.Optimizer;
  /**
   * This replica's part of batch `step`: `loss` computes the mean loss of the shard (a scalar, differentiated
   * with respect to `vars`), `count` is the shard's size; `release` frees the shard's tensors afterwards.
   */
  shard(step: number): { loss: () => tf.Scalar; count: number; release?: () => void };
  dispose?(): void;
}

export type ReplicaFactory = (init: unknown, rank: number, world: number) => Promise<Replica>;

/** One replica's answer for one step. */
export interface ShardResult {
  loss: number;
  count: number;
  /** The gradients of `vars`, flattened in order (float32). */
  grads: Float32Array;
}

/** Messages from the main thread to a worker. */
export type ToWorker =
  | { cmd: 'weights'; flat: Float32Array }
  | { cmd: 'grad'; step: number }
  | { cmd: 'apply'; grads: Float32Array };

/** The shard [start, end) of a batch of n for replica r of w: sizes differ by at most one. */
export function shardRange(n: number, r: number, w: number): [number, number] {
  const base = Math.floor(n / w);
  const extra = n % w;
  const start = r * base + Math.min(r, extra);
  return [start, start + base + (r < extra ? 1 : 0)];
}

/** The replica's loss and flattened gradients for its shard of batch `step`. Leaks no tensor. */
export function shardGradients(rep: Replica, step: number): ShardResult {
  const s = rep.shard(step);
  try {
    // An empty shard (a batch smaller than the replicas) adds nothing: its mean loss would be NaN.
    if (s.count === 0) return { loss: 0, count: 0, grads: new Float32Array(rep.vars.reduce((a, v) => a + v.size, 0)) };
    const { value, grads } = tf.variableGrads(s.loss, rep.vars);
    const flat = new Float32Array(rep.vars.reduce((a, v) => a + v.size, 0));
    let at = 0;
    for (const v of rep.vars) {
      flat.set(grads[v.name]!.dataSync() as Float32Array, at);
      at += v.size;
    }
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, count: s.count, grads: flat };
  } finally {
    s.release?.();
  }
}

/** Applies flat gradients (in `vars` order) with the replica's optimizer. */
export function applyFlat(rep: Replica, flat: Float32Array): void {
  tf.tidy(() => {
    const named: tf.NamedTensorMap = {};
    let at = 0;
    for (const v of rep.vars) {
      named[v.name] = tf.tensor(flat.subarray(at, at + v.size), v.shape);
      at += v.size;
    }
    rep.optimizer.applyGradients(named);
  });
}

/** The variables' values, flattened in order. */
export function flatWeights(vars: tf.Variable[]): Float32Array {
  const flat = new Float32Array(vars.reduce((a, v) => a + v.size, 0));
  let at = 0;
  for (const v of vars) {
    flat.set(v.dataSync() as Float32Array, at);
    at += v.size;
  }
  return flat;
}

/** Assigns flat values (in order) to the variables. */
export function assignFlat(vars: tf.Variable[], flat: Float32Array): void {
  let at = 0;
  for (const v of vars) {
    tf.tidy(() => v.assign(tf.tensor(flat.subarray(at, at + v.size), v.shape, 'float32')));
    at += v.size;
  }
}

export interface DataParallel {
  /** Replicas in all (main thread included). */
  world: number;
  /** The main thread's replica (rank 0): its model holds the trained weights. */
  replica: Replica;
  /** One synchronous data-parallel step on batch `step`; the batch's mean loss (shards weighted by size). */
  step(step: number): Promise<number>;
  /** Ends the workers (and disposes the main replica unless keepReplica). */
  close(o?: { keepReplica?: boolean }): Promise<void>;
}

/**
 * Worker scripts do not inherit tsx's module hooks: the worker loads replica-worker.ts through tsx's API (as
 * test/global-setup.ts does for the test session).
 */
function bootstrap(): string {
  const api = createRequire(import.meta.url).resolve('tsx/esm/api');
  const url = new URL('./replica-worker.ts', import.meta.url).href;
  return `require(${JSON.stringify(api)}).tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)})` +
    `.catch((e) => { console.error(e); process.exit(1); });`;
}

export async function startDataParallel(o: { module: URL; init: unknown; world: number }): Promise<DataParallel> {
  if (!Number.isInteger(o.world) || o.world < 1) throw new Error(`startDataParallel world: expected a positive integer, got ${String(o.world)}`);
  const { createReplica } = (await import(o.module.href)) as { createReplica?: ReplicaFactory };
  if (typeof createReplica !== 'function') throw new Error(`startDataParallel: ${o.module.href} exports no createReplica function`);
  const replica = await createReplica(o.init, 0, o.world);
  const workers = Array.from({ length: o.world - 1 }, (_, k) =>
    new Worker(bootstrap(), {
      eval: true,
      // One thread per replica: the replicas are the parallelism (src/lib/threads/count.ts reads KATA_THREADS).
      env: { ...process.env, KATA_THREADS: '1' },
      workerData: { module: o.module.href, init: o.init, rank: k + 1, world: o.world },
    }));
  // Replies arrive in order per worker: a queue of waiting resolvers each.
  const waiting = workers.map(() => [] as { resolve: (m: ShardResult) => void; reject: (e: Error) => void }[]);
  let failure: Error | undefined;
  const fail = (k: number, e: Error): void => {
    failure ??= new Error(`data-parallel worker ${k + 1}: ${e.message}`);
    for (const q of waiting) for (const p of q.splice(0)) p.reject(failure);
  };
  workers.forEach((w, k) => {
    w.on('message', (m: ShardResult) => waiting[k]!.shift()?.resolve(m));
    w.on('error', (e) => fail(k, e));
    w.on('exit', (code) => {
      if (code !== 0) fail(k, new Error(`exited with code ${code}`));
    });
  });
  const reply = (k: number): Promise<ShardResult> =>
    failure ? Promise.reject(failure) : new Promise((resolve, reject) => waiting[k]!.push({ resolve, reject }));
  /** Keeps the workers ref'd (the process alive) only while the main thread waits for them. */
  const busy = async <T>(f: () => Promise<T>): Promise<T> => {
    workers.forEach((w) => w.ref());
    try {
      return await f();
    } finally {
      workers.forEach((w) => w.unref());
    }
  };
  let closed = false;
  const close = async (c: { keepReplica?: boolean } = {}): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all(workers.map((w) => w.terminate()));
    if (!c.keepReplica) {
      replica.optimizer.dispose();
      replica.dispose?.();
    }
  };
  try {
    await busy(async () => {
      const ready = workers.map((_, k) => reply(k)); // each worker answers once its replica exists
      const flat = flatWeights(replica.vars);
      workers.forEach((w) => w.postMessage({ cmd: 'weights', flat } satisfies ToWorker));
      await Promise.all(ready);
    });
  } catch (e) {
    await close();
    throw e;
  }

  const step = (i: number): Promise<number> =>
    busy(async () => {
      if (closed) throw new Error('data-parallel step after close()');
      const replies = workers.map((_, k) => reply(k));
      workers.forEach((w) => w.postMessage({ cmd: 'grad', step: i } satisfies ToWorker));
      const all = [shardGradients(replica, i), ...(await Promise.all(replies))];
      const n = all.reduce((a, r) => a + r.count, 0);
      const avg = new Float32Array(all[0]!.grads.length);
      for (const r of all) {
        const wgt = r.count / n;
        for (let j = 0; j < avg.length; j++) avg[j]! += wgt * r.grads[j]!;
      }
      workers.forEach((w) => w.postMessage({ cmd: 'apply', grads: avg } satisfies ToWorker));
      applyFlat(replica, avg);
      return all.reduce((a, r) => a + (r.loss * r.count) / n, 0);
    });
  return { world: o.world, replica, step, close };
}
