/**
 * Per-kernel GFLOP/s on the current backend (threads from --threads / KATA_THREADS, src/lib/threads), best of
 * several rounds (less sensitive to other processes than a mean): a 1024² matrix product, a ResNet50 stage-2 3x3
 * convolution, a 1x1 convolution, and one resnet-mini 3x3 convolution. docs/performance.md compares them with
 * PyTorch's (bench/kernel_gflops.py) and the machine's peak.
 *
 *   npx tsx bench/kernel-gflops.ts [--threads N] [--rounds 5]
 */
import os from 'node:os';
import { tf, backendLine } from '../src/lib/tf.js';

const i = process.argv.indexOf('--rounds');
const rounds = i >= 0 ? Number(process.argv[i + 1]) : 5;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${process.argv[i + 1]}`);

interface Case { name: string; flops: number; run: () => tf.Tensor }
const r = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
const a = r([1024, 1024], 1);
const b = r([1024, 1024], 2);
const x56 = r([4, 56, 56, 64], 3) as tf.Tensor4D;
const w3 = r([3, 3, 64, 64], 4) as tf.Tensor4D;
const w1 = r([1, 1, 64, 256], 5) as tf.Tensor4D;
const x28 = r([64, 28, 28, 16], 6) as tf.Tensor4D;
const w28 = r([3, 3, 16, 16], 7) as tf.Tensor4D;
const cases: Case[] = [
  { name: 'matMul 1024x1024x1024', flops: 2 * 1024 ** 3, run: () => tf.matMul(a, b) },
  { name: 'conv 3x3 64→64 on [4,56,56,64] (ResNet50 stage 2)', flops: 2 * 4 * 56 * 56 * 64 * 64 * 9, run: () => tf.conv2d(x56, w3, 1, 'same') },
  { name: 'conv 1x1 64→256 on [4,56,56,64] (ResNet50 stage 2)', flops: 2 * 4 * 56 * 56 * 64 * 256, run: () => tf.conv2d(x56, w1, 1, 'same') },
  { name: 'conv 3x3 16→16 on [64,28,28,16] (resnet-mini)', flops: 2 * 64 * 28 * 28 * 16 * 16 * 9, run: () => tf.conv2d(x28, w28, 1, 'same') },
];
console.log(`${backendLine()}\nload ${os.loadavg()[0]!.toFixed(2)}; best of ${rounds} rounds`);
const out: Record<string, number> = {};
for (const c of cases) {
  tf.tidy(() => void c.run().dataSync()); // warm-up
  let best = Infinity;
  for (let k = 0; k < rounds; k++) {
    const t0 = performance.now();
    tf.tidy(() => void c.run().dataSync());
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  out[c.name] = c.flops / best / 1e9;
  console.log(`${(c.flops / best / 1e9).toFixed(1).padStart(7)} GFLOP/s  ${c.name}`);
}
console.log(JSON.stringify(out));
