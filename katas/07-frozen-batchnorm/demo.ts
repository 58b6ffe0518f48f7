/**
 * Kata 07 — does { training: false } at graph-building time keep BatchNorm frozen in tfjs? Measured.
 * Run: npx tsx katas/07-frozen-batchnorm/demo.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf, backendLine } from '../../src/lib/tf.js';
import { loadModel, saveModel } from '../../src/lib/models/io.js';

console.log(backendLine(), '\n');
const x = tf.randomNormal([16, 4], 3, 2, 'float32', 1); // float32 [16,4], feature mean ≈ 3
const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), 'int32'), 2); // [16,2]
const mean0 = (bn: tf.layers.Layer): string => bn.getWeights()[2]!.dataSync()[0]!.toFixed(6); // moving_mean[0]

// The Keras recipe: base.trainable = False; x = base(inputs, training=False)
const baseIn = tf.input({ shape: [4] });
const bn = tf.layers.batchNormalization({ name: 'bn' });
const base = tf.model({ inputs: baseIn, outputs: bn.apply(baseIn) as tf.SymbolicTensor, name: 'base' });
base.trainable = false;
const inp = tf.input({ shape: [4] });
const features = base.apply(inp, { training: false }) as tf.SymbolicTensor; // ← the kwarg in question
const model = tf.model({ inputs: inp, outputs: tf.layers.dense({ units: 2, name: 'head' }).apply(features) as tf.SymbolicTensor });
model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });

console.log('1. base(inputs, { training: false }) inside a functional model, base.trainable = false');
console.log(`   bn moving_mean[0] before                    ${mean0(bn)}`);
await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
console.log(`   after model.fit, 1 step                     ${mean0(bn)}   moved: the kwarg was ignored`);
tf.tidy(() => { model.apply(x, { training: true }); });
console.log(`   after model.apply(x, { training: true })    ${mean0(bn)}   the outer call's mode reaches every layer`);
tf.tidy(() => { model.predict(x); });
console.log(`   after model.predict(x)                      ${mean0(bn)}   inference: unchanged`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'kata07-demo-'));
await saveModel(model, dir);
const json = readFileSync(path.join(dir, 'model.json'), 'utf8');
console.log(`\n2. model.json keeps the kwarg: ${/"training":false/.test(json) ? 'yes, "training":false is in inbound_nodes' : 'no'} — and still ignores it`);
console.log(`   trainable weights before save: ${model.trainableWeights.map((w) => w.originalName).join(', ')}`);
const loaded = await loadModel(dir);
console.log(`   trainable weights after load:  ${loaded.trainableWeights.map((w) => w.originalName).join(', ')}   base is trainable again`);
rmSync(dir, { recursive: true, force: true });

// The fix: the frozen part picks its own mode when it is CALLED.
class InferenceOnly extends tf.layers.Layer {
  static className = 'InferenceOnly';
  constructor(readonly inner: tf.layers.Layer) {
    super({});
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return this.inner.apply(inputs, { training: false }) as tf.Tensor; // whatever the caller says
  }
}
const bn2 = tf.layers.batchNormalization({ name: 'bn2' });
bn2.apply(tf.input({ shape: [4] })); // build it
const inp2 = tf.input({ shape: [4] });
const f2 = new InferenceOnly(bn2).apply(inp2) as tf.SymbolicTensor;
const model2 = tf.model({ inputs: inp2, outputs: tf.layers.dense({ units: 2 }).apply(f2) as tf.SymbolicTensor });
model2.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
const before2 = mean0(bn2);
await model2.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
console.log(`\n3. the same BatchNorm inside a layer whose call() always says { training: false }`);
console.log(`   moving_mean[0] ${before2} → ${mean0(bn2)} after model.fit   (the kata's InferenceMode also saves and loads)`);
