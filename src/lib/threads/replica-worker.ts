/**
 * A data-parallel replica's worker thread (started by data-parallel.ts, with KATA_THREADS=1): builds the replica
 * from the module it is given, takes the main thread's initial weights, then computes its shard's gradients and
 * applies the averaged ones, step after step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { applyFlat, assignFlat, shardGradients, type ReplicaFactory, type ToWorker } from './data-parallel.js';

const w = workerData as { module: string; init: unknown; rank: number; world: number };
const { createReplica } = (await import(w.module)) as { createReplica: ReplicaFactory };
const rep = await createReplica(w.init, w.rank, w.world);
parentPort!.on('message', (msg: ToWorker) => {
  if (msg.cmd === 'weights') {
    assignFlat(rep.vars, msg.flat);
    parentPort!.postMessage({ ready: true });
  } else if (msg.cmd === 'grad') {
    const r = shardGradients(rep, msg.step);
    parentPort!.postMessage(r, [r.grads.buffer as ArrayBuffer]);
  } else {
    applyFlat(rep, msg.grads);
  }
});
