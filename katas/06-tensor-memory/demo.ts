/**
 * Kata 06 — tensor memory: what tf.tidy, dispose and keep do, counted with tf.memory().
 * Run: npx tsx katas/06-tensor-memory/demo.ts
 */
import { tf, backendLine } from '../../src/lib/tf.js';

console.log(backendLine(), '\n');
const count = (): string => `${tf.memory().numTensors} tensors, ${tf.memory().numBytes} bytes`;
const w = tf.randomNormal([128, 2], 0, 1, 'float32', 1); // float32 [128,2], lives for the whole demo
const batch = (): tf.Tensor2D => tf.randomUniform([16, 128], 0, 1, 'float32', 2); // like a batch of features

console.log(`start                                 ${count()}`);
// 1. No garbage collector: the names go, the tensors stay.
for (let i = 0; i < 10; i++) {
  const x = batch();
  const logits = tf.matMul(x, w); // [16,2]
  tf.mean(logits).dataSync();
}
console.log(`1. 10 steps, nothing freed            ${count()}   3 tensors per step, forever`);

// 2. tf.tidy frees what its function made — except what it returns.
const base2 = tf.memory().numTensors;
let kept: tf.Tensor | undefined;
for (let i = 0; i < 10; i++) {
  kept?.dispose();
  kept = tf.tidy(() => tf.mean(tf.matMul(batch(), w))); // x and logits die here, the mean survives
}
console.log(`2. 10 steps in tf.tidy (returning the mean, disposing the previous one): +${tf.memory().numTensors - base2} tensor (the last mean)`);
kept!.dispose();

// 3. An outer variable is not a return value.
let f: tf.Tensor | undefined;
tf.tidy(() => {
  f = tf.matMul(batch(), w);
});
console.log(`3. assigned inside tidy, used after:  isDisposed = ${f!.isDisposed}   (use it and tfjs throws "Tensor is disposed")`);

// 4. tf.keep: survive the tidy without being returned (e.g. pushed into a list).
const parts: tf.Tensor[] = [];
tf.tidy(() => {
  const logits = tf.matMul(batch(), w);
  parts.push(tf.keep(logits));
});
console.log(`4. tf.keep inside tidy:               isDisposed = ${parts[0]!.isDisposed}`);
tf.dispose(parts);

// 5. tf.tidy cannot wrap an async function.
const before5 = tf.memory().numTensors;
const origError = console.error;
const logged: string[] = [];
console.error = (...a: unknown[]) => void logged.push(a.map(String).join(' '));
const loss5 = tf.tidy(() => tf.mean(tf.matMul(batch(), w)));
await tf.tidy((async () => {
  const x = batch(); // made before the first await: freed when tidy returns (right away)
  await loss5.data();
  const late = tf.matMul(batch(), w); // made after the await: no tidy is watching
  void x;
  void late;
}) as unknown as () => tf.Tensor);
console.error = origError;
loss5.dispose();
console.log(`5. tf.tidy(async () => { ...; await ...; ... }): tfjs logs "${logged[0]}" and goes on;`);
console.log(`   tensors made after the await leak: +${tf.memory().numTensors - before5} (the 2 of the line after the await)`);

// 6. The loop that stays flat: sync work in tidy, await outside, dispose what tidy returned.
const optimizer = tf.train.sgd(0.01);
const wv = tf.variable(tf.randomNormal([128, 2], 0, 1, 'float32', 3));
const at: number[] = [];
for (let epoch = 0; epoch < 3; epoch++) {
  for (let step = 0; step < 5; step++) {
    const loss = tf.tidy(() => {
      const x = batch();
      return optimizer.minimize(() => tf.mean(tf.square(tf.matMul(x, wv))), true, [wv])!; // survives: returned
    });
    await loss.data(); // outside the tidy
    loss.dispose();
  }
  at.push(tf.memory().numTensors);
}
console.log(`6. tidy + await outside + dispose, numTensors at the end of 3 epochs: ${at.join(', ')}`);
