/**
 * npx tsx katas/05-squeeze/seed-demo.ts [epochs] — the seed's loop on float32 [B,1] targets, without
 * guards and then with YOUR squeezeTargets (kata 05), toClassIndices (kata 04) and accuracy.
 * Also: what TensorFlow.js does with [B,1] targets, operation by operation (4 examples, a model right on all four).
 */
import { tf, backendLine } from '../../src/lib/tf.js';
import { toClassIndices } from '../04-dtype-cast/dtype-cast.js';
import { runSeedLoop, SEED_FAILURE, seedAccuracy, seedCrossEntropy } from './seed-failure.js';
import { accuracy, squeezeTargets } from './squeeze.js';

const epochs = Number(process.argv[2] ?? 8);
console.log(backendLine());

const logits = tf.tensor2d([[2, 0], [0, 2], [0, 2], [2, 0]]); // float32 [4,2], right on all four
const col = tf.tensor2d([[0], [1], [1], [0]], [4, 1], 'float32'); // the seed's targets
const flat = tf.tensor1d([0, 1, 1, 0], 'int32');
const attempt = (what: string, f: () => string): void => {
  try {
    console.log(`  ${what.padEnd(62)} ${f()}`);
  } catch (e) {
    console.log(`  ${what.padEnd(62)} throws: ${(e as Error).message.split('\n')[0]!.slice(0, 90)}`);
  }
};
console.log('\nOne batch, 4 examples, a model that is right on all four:');
attempt('seed accuracy, targets int32 [4]', () => seedAccuracy(logits, flat).toFixed(3));
attempt('seed accuracy, targets float32 [4,1] (a [4,4] comparison)', () => seedAccuracy(logits, col).toFixed(3));
attempt('hand-written cross-entropy, int32 [4]', () => seedCrossEntropy(logits, flat).dataSync()[0]!.toFixed(3));
attempt('hand-written cross-entropy, float32 [4,1] cast to int32', () => seedCrossEntropy(logits, col).dataSync()[0]!.toFixed(3));
attempt('tf.oneHot(float32 [4,1], 2)', () => String(tf.oneHot(col as unknown as tf.Tensor1D, 2).shape));
attempt('tf.losses.softmaxCrossEntropy(oneHot [4,1,2], logits [4,2])', () =>
  tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(col, 'int32'), 2), logits).dataSync()[0]!.toFixed(3));
attempt('tf.metrics.sparseCategoricalAccuracy, label 1.9 (should be 1?)', () =>
  tf.metrics.sparseCategoricalAccuracy(tf.tensor1d([0, 1.9, 1, 0]), logits).dataSync().join(' '));

for (const [label, guards] of [
  ['without guards', null],
  ['with your guards (squeezeTargets, toClassIndices, accuracy)', { squeezeTargets, toClassIndices, accuracy }],
] as const) {
  console.log(`\nThe seed's loop, ${label}: ${SEED_FAILURE.perClass} Dress and ${SEED_FAILURE.perClass} Coat images, ${epochs} epochs`);
  const t0 = Date.now();
  try {
    await runSeedLoop(guards, console.log, { ...SEED_FAILURE, epochs });
  } catch (e) {
    console.log(`  threw: ${(e as Error).message}`);
  }
  console.log(`  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
