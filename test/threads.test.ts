/**
 * src/lib/threads: the thread count's sources, the threaded wasm build against one thread (same losses), data
 * parallelism against one replica (same training), no leaked tensors, and processes that exit by themselves.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { chooseThreads } from '../src/lib/threads/count.js';
import { shardRange, startDataParallel } from '../src/lib/threads/data-parallel.js';
import type { LossPair } from '../bench/workloads.js';

const root = path.resolve(import.meta.dirname, '..');

describe('chooseThreads', () => {
  it('takes --threads (both forms) first, then KATA_THREADS, then the cores; 1 under Vitest', () => {
    expect(chooseThreads(['node', 'x', '--threads', '1'], { KATA_THREADS: '3' })).toEqual({ threads: 1, reason: 'requested by --threads=1' });
    expect(chooseThreads(['node', 'x', '--threads=4'], {}).threads).toBe(4);
    expect(chooseThreads(['node', 'x'], { KATA_THREADS: '3', VITEST: 'true' })).toEqual({ threads: 3, reason: 'requested by KATA_THREADS=3' });
    expect(chooseThreads(['node', 'x'], { VITEST: 'true' }).threads).toBe(1);
    const cores = os.availableParallelism();
    expect(chooseThreads(['node', 'x'], {})).toEqual({ threads: cores, reason: `${cores} core${cores === 1 ? '' : 's'} (os.availableParallelism())` });
  });

  it('rejects what is not a positive integer, naming the source and the value', () => {
    expect(() => chooseThreads(['node', 'x', '--threads', 'two'], {})).toThrow('--threads: expected a positive integer number of threads, got "two"');
    expect(() => chooseThreads(['node', 'x', '--threads'], {})).toThrow('--threads: expected a positive integer number of threads, got ""');
    expect(() => chooseThreads(['node', 'x'], { KATA_THREADS: '0' })).toThrow('KATA_THREADS: expected a positive integer number of threads, got "0"');
    expect(() => chooseThreads(['node', 'x'], { KATA_THREADS: '1.5' })).toThrow('got "1.5"');
  });
});

describe('data parallelism', () => {
  it('shards a batch with sizes differing by at most one', () => {
    expect([0, 1, 2].map((r) => shardRange(10, r, 3))).toEqual([[0, 4], [4, 7], [7, 10]]);
    expect(shardRange(64, 1, 2)).toEqual([32, 64]);
    expect([0, 1, 2, 3].map((r) => shardRange(3, r, 4))).toEqual([[0, 1], [1, 2], [2, 3], [3, 3]]);
  });

  it('2 replicas train as 1 (a net without BatchNorm), leak no tensor, and close their workers', async () => {
    const module = new URL('./support/dp-replica.ts', import.meta.url);
    const init = { batchSize: 7, lr: 0.1 };
    const run = async (world: number): Promise<{ losses: number[]; weights: Float32Array }> => {
      const before = tf.memory().numTensors;
      const dp = await startDataParallel({ module, init, world });
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) losses.push(await dp.step(i));
      const weights = Float32Array.from(dp.replica.vars.flatMap((v) => Array.from(v.dataSync())));
      await dp.close();
      expect(tf.memory().numTensors, `tensors left by world ${world}`).toBe(before);
      return { losses, weights };
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.losses[3]).toBeLessThan(one.losses[0]!); // it trains
    for (let i = 0; i < 4; i++) expect(two.losses[i]).toBeCloseTo(one.losses[i]!, 5);
    let maxDiff = 0;
    for (let j = 0; j < one.weights.length; j++) maxDiff = Math.max(maxDiff, Math.abs(one.weights[j]! - two.weights[j]!));
    expect(maxDiff).toBeLessThan(1e-5);
  }, 60_000);
});

interface ChildOut {
  line: string;
  check: LossPair;
  losses: number[];
  leakedByCheck: number;
  leakedBySteps: number;
}

function child(threads: number): ChildOut {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/threads-child.ts'], {
    cwd: root,
    env: { ...process.env, KATA_BACKEND: 'wasm', KATA_THREADS: String(threads), VITEST: '' },
    encoding: 'utf8',
    timeout: 90_000,
  });
  expect(r.signal, `the KATA_THREADS=${threads} process did not exit by itself within 90 s:\n${r.stderr}`).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildOut;
}

describe('threaded wasm (XNNPACK pool in worker_threads)', () => {
  it('2 threads compute the losses of 1 thread, leak nothing, say so in the backend line, and exit by themselves', () => {
    const two = child(2);
    const one = child(1);
    expect(two.line).toMatch(/^backend: wasm \(SIMD, 2 threads: requested by KATA_THREADS=2\)/);
    expect(one.line).toMatch(/^backend: wasm \(SIMD, 1 thread: requested by KATA_THREADS=1\)/);
    for (const k of ['loss0', 'loss1'] as const) expect(Math.abs(two.check[k] - one.check[k]) / one.check[k]).toBeLessThan(1e-5);
    expect(two.check.loss1).not.toBe(two.check.loss0); // the SGD step happened
    for (let i = 0; i < 2; i++) expect(two.losses[i]).toBeCloseTo(one.losses[i]!, 5);
    expect([two.leakedByCheck, two.leakedBySteps, one.leakedByCheck, one.leakedBySteps]).toEqual([0, 0, 0, 0]);
  }, 200_000);
});
