/**
 * What a [B,1] target does to an accuracy, and what tf.squeeze does to shapes.
 * Run: npx tsx katas/05-squeeze/demo.ts
 */
import { tf } from '../../src/lib/tf.js';

const fmt = (t: tf.Tensor) => `${t.dtype} [${t.shape}] [${Array.from(t.dataSync()).join(', ')}]`;

// Four examples; the model gets every one right: it predicts 0, 1, 1, 0.
const logits = tf.tensor2d([[2, 0], [0, 2], [0, 2], [2, 0]]); // float32 [4,2]
const predicted = tf.argMax(logits, -1); // int32 [4]
const targetsB = tf.tensor1d([0, 1, 1, 0], 'int32'); // int32 [4]
const targetsB1 = tf.tensor2d([[0], [1], [1], [0]], [4, 1], 'int32'); // int32 [4,1] — as loaded from a CSV column

console.log('predicted              =', fmt(predicted));
console.log('equal(predicted, [4])  =', fmt(tf.equal(predicted, targetsB)));
console.log('accuracy with [4]      =', tf.mean(tf.cast(tf.equal(predicted, targetsB), 'float32')).dataSync()[0]);
const matrix = tf.equal(predicted, targetsB1); // broadcasts: [4] vs [4,1] → [4,4]
console.log('equal(predicted, [4,1]) =', `${matrix.dtype} [${matrix.shape}]`);
matrix.cast('int32').print();
console.log('accuracy with [4,1]    =', tf.mean(tf.cast(matrix, 'float32')).dataSync()[0]);

console.log('\ntf.squeeze on shapes:');
for (const shape of [[4, 1], [1, 1], [1], [4, 1, 1], [4, 2]]) {
  const t = tf.zeros(shape);
  console.log(`  ${`tf.squeeze(zeros [${shape}])`.padEnd(31)} → [${tf.squeeze(t).shape}]`);
}
console.log(`  tf.squeeze(zeros [1,1], [1])    → [${tf.squeeze(tf.zeros([1, 1]), [1]).shape}]`);
console.log(`  tf.reshape(zeros [4,2], [-1])   → [${tf.reshape(tf.zeros([4, 2]), [-1]).shape}]`);
