/**
 * What TensorFlow.js does with float labels. Run: npx tsx katas/04-dtype-cast/demo.ts
 * Nothing here is a guard — it shows why you need one.
 */
import { tf, backendLine } from '../../src/lib/tf.js';

const show = (label: string, f: () => tf.Tensor | string) => {
  try {
    const r = f();
    const out = typeof r === 'string' ? r : `${r.dtype} [${r.shape}] [${Array.from(r.dataSync()).join(', ')}]`;
    console.log(`${label}\n  → ${out}`);
  } catch (e) {
    console.log(`${label}\n  → throws: ${(e as Error).message.split('\n')[0]}`);
  }
};

console.log(backendLine(), '\n');

// 1. tf.cast truncates toward zero, and NaN/Infinity become 0 — no error, no warning.
show("tf.cast(tf.tensor1d([0, 1, 1.9, -0.5, NaN, 2.7, -1.9]), 'int32')", () =>
  tf.cast(tf.tensor1d([0, 1, 1.9, -0.5, NaN, 2.7, -1.9]), 'int32'));
show("tf.cast(tf.tensor1d([Infinity, -Infinity]), 'int32')", () => tf.cast(tf.tensor1d([Infinity, -Infinity]), 'int32'));
// 2. Making an int32 tensor from numbers or strings converts silently too.
show("tf.tensor1d([0, 1.9, -0.5, NaN], 'int32')", () => tf.tensor1d([0, 1.9, -0.5, NaN], 'int32'));
show("tf.tensor1d(['0', '1', 'cat'], 'int32')   // strings from a CSV", () =>
  tf.tensor1d(['0', '1', 'cat'] as unknown as number[], 'int32'));

// 3. tf.oneHot refuses float indices outright — the one loud op — but takes -1 and 2 quietly.
show('tf.oneHot(tf.tensor1d([0, 1, 1.9]), 2)', () => tf.oneHot(tf.tensor1d([0, 1, 1.9]) as tf.Tensor1D, 2));
show("tf.oneHot(tf.tensor1d([0, 1, 2, -1], 'int32'), 2)", () => tf.oneHot(tf.tensor1d([0, 1, 2, -1], 'int32') as tf.Tensor1D, 2));

// 4. tf.losses.softmaxCrossEntropy wants one-hot labels [B,C]; class indices [B] are an error.
const logits = tf.tensor2d([[2, 0], [0, 2], [0, 2], [2, 0]]); // float32 [4,2]: predicts 0, 1, 1, 0
show('tf.losses.softmaxCrossEntropy(tf.tensor1d([0, 1, 1, 0]), logits)', () =>
  tf.losses.softmaxCrossEntropy(tf.tensor1d([0, 1, 1, 0]) as unknown as tf.Tensor2D, logits));
show("tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2), logits)", () =>
  tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32') as tf.Tensor1D, 2), logits));

// 5. tf.metrics.sparseCategoricalAccuracy compares labels with argMax as floats: 1.9 ≠ 1.
show('tf.metrics.sparseCategoricalAccuracy(tf.tensor1d([0, 1, 1.9, 0]), tf.softmax(logits))', () =>
  tf.metrics.sparseCategoricalAccuracy(tf.tensor1d([0, 1, 1.9, 0]), tf.softmax(logits)));

// 6. A layers model compiled with loss 'sparseCategoricalCrossentropy': the loss FLOORS the labels
//    (tfjs-layers: cast(floor(flatten(target)), 'int32') then oneHot), the accuracy metric does not.
const model = tf.sequential({
  layers: [tf.layers.dense({ units: 2, inputShape: [2], useBias: false, activation: 'softmax' })],
});
model.setWeights([tf.tensor2d([[2, 0], [0, 2]])]); // same predictions as `logits` above
model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const x = tf.tensor2d([[1, 0], [0, 1], [0, 1], [1, 0]]);
console.log("\nmodel.evaluate(x, targets) with loss 'sparseCategoricalCrossentropy', metrics ['accuracy']:");
for (const labels of [[0, 1, 1, 0], [0, 1, 1.9, 0], [0, 1, 0.9, 0], [0, 1, NaN, 0], [0, 1, 2, 0], [0, 1, -1, 0]]) {
  const [loss, acc] = (model.evaluate(x, tf.tensor1d(labels)) as tf.Scalar[]).map((s) => s.dataSync()[0]!);
  console.log(`  targets [${labels.join(', ')}] → loss ${loss!.toFixed(4)}, accuracy ${acc!.toFixed(4)}`);
}
