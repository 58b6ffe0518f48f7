/**
 * The raw training step with data-parallel workers: the library's feature (src/lib/threads/data-parallel.ts) on
 * the bench's replica (raw-replica.ts), timed in rounds like the other variants.
 */
import { startDataParallel } from '../src/lib/threads/data-parallel.js';
import type { RawReplicaInit } from './raw-replica.js';
import { type RawResult, timeRounds } from './workloads.js';

export async function rawStepDataParallel(
  weightsDir: string,
  o: { lr: number; epsilon: number; batchSize: number; steps: number; warmup: number; workers: number; epochs: number },
): Promise<RawResult & { workers: number }> {
  const init: RawReplicaInit = { weightsDir, lr: o.lr, epsilon: o.epsilon, batchSize: o.batchSize, epochs: o.epochs };
  const dp = await startDataParallel({ module: new URL('./raw-replica.ts', import.meta.url), init, world: Math.max(1, o.workers) });
  try {
    for (let i = 0; i < o.warmup; i++) await dp.step(i);
    const t = await timeRounds(o.steps, o.batchSize, (i) => dp.step(i), o.warmup);
    return { steps: o.steps, batchSize: o.batchSize, ...t, workers: dp.world };
  } finally {
    await dp.close();
  }
}
