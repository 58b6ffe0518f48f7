/**
 * The three things a first port of the seed's loop gets wrong, in numbers.
 * Run: npx tsx katas/02-training-loop/demo.ts
 */
import { tf, backendLine } from '../../src/lib/tf.js';

console.log(backendLine(), '\n');

// 1. loss.item() * inputs.size(0): 10 examples in batches of 4, 4, 2 (the last batch is ragged).
const perExample = [0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 3.0, 3.0]; // the loss of each example
const sizes = [4, 4, 2];
const means = [0.1, 0.2, 3.0]; // what the loss function returns per batch: the batch mean
const trueMean = perExample.reduce((s, v) => s + v, 0) / perExample.length;
const weighted = means.reduce((s, m, i) => s + m * sizes[i]!, 0) / 10;
const meanOfMeans = means.reduce((s, m) => s + m, 0) / means.length;
console.log('1. loss over a dataset of 10, batches of 4, 4, 2, batch means', means);
console.log(`   mean over the 10 examples        = ${trueMean.toFixed(4)}`);
console.log(`   Σ(batch mean × batch size) / 10  = ${weighted.toFixed(4)}   the seed's way: the same number`);
console.log(`   mean of the 3 batch means        = ${meanOfMeans.toFixed(4)}   the 2-example batch weighs 1/3 instead of 2/10`);

// 2. model.train() / model.eval(): in tfjs the mode is an argument of every call.
const dropout = tf.layers.dropout({ rate: 0.5 });
const ones = tf.ones([1, 8]); // float32 [1,8]
const show = (t: tf.Tensor): string => `[${Array.from(t.dataSync()).join(', ')}]`;
console.log("\n2. a Dropout(0.5) layer on ones [1,8]");
console.log(`   apply(x, { training: true })  = ${show(dropout.apply(ones, { training: true }) as tf.Tensor)}   random zeros, the rest ×2`);
console.log(`   apply(x, { training: true })  = ${show(dropout.apply(ones, { training: true }) as tf.Tensor)}   a different mask every call`);
console.log(`   apply(x, { training: false }) = ${show(dropout.apply(ones, { training: false }) as tf.Tensor)}   identity: what validation needs`);
console.log(`   apply(x)                      = ${show(dropout.apply(ones) as tf.Tensor)}   no flag = inference`);

// 3. No garbage collector for tensors: count what one "batch" leaves behind.
const before = tf.memory().numTensors;
for (let i = 0; i < 100; i++) {
  const x = tf.randomUniform([4, 8]); // float32 [4,8]  — like a batch
  tf.sum(tf.mul(x, 2)).dataSync(); // float32 [4,8] and float32 [] made, read, never freed
}
console.log(`\n3. 100 loop steps without dispose: numTensors ${before} → ${tf.memory().numTensors}`);
const mid = tf.memory().numTensors;
for (let i = 0; i < 100; i++) {
  const x = tf.randomUniform([4, 8]);
  tf.tidy(() => tf.sum(tf.mul(x, 2)).dataSync()); // tidy frees what the function made
  x.dispose(); // x was made outside the tidy: dispose it yourself
}
console.log(`   100 loop steps with tidy + dispose: numTensors ${mid} → ${tf.memory().numTensors}`);
