/**
 * npx tsx katas/09-from-scratch/demo.ts [perClass] [epochs] — a from-scratch resnet-mini (seeded random
 * weights) trained briefly with model.fit on the bundled Dress/Coat images, evaluated in inference mode
 * before and after YOUR recalibrateBatchNorm.
 */
import { backendLine, tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { loadBackbone } from '../../src/lib/models/backbones.js';
import { batchNormLayers, evaluate, recalibrateBatchNorm } from './from-scratch.js';

const perClass = Number(process.argv[2] ?? 400);
const epochs = Number(process.argv[3] ?? 2);
console.log(backendLine());
const { train, test } = loadBundledPair();
const backbone = await loadBackbone('resnet-mini', { weights: 'random', seed: 1 });
const input = tf.input({ shape: backbone.inputShape });
const features = backbone.model.apply(input) as tf.SymbolicTensor; // [B,128]
const probs = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(features) as tf.SymbolicTensor;
const model = tf.model({ inputs: input, outputs: probs });
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });

const tensors = (ds: typeof train) => {
  const { x, y } = ds.toTensors();
  const xs = tf.tidy(() => backbone.preprocess(x)); // the model's input
  x.dispose();
  return { xs, y };
};
const tr = tensors(train.perClass(perClass, 1));
const te = tensors(test);
console.log(`from scratch: ${tr.y.shape[0]} training images, ${epochs} epochs, batch 32, Adam 1e-3; ${batchNormLayers(backbone.model).length} BatchNorm layers in the backbone`);
const t0 = Date.now();
const h = await model.fit(tr.xs, tf.cast(tr.y, 'float32'), { epochs, batchSize: 32, shuffle: true, verbose: 0 });
console.log(`training loss per epoch: ${(h.history.loss as number[]).map((l) => l.toFixed(3)).join(', ')} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
const share = (acc: number) => `${(acc * 100).toFixed(1)}%`;
console.log(`test accuracy, inference mode, statistics as training left them: ${share(evaluate(model, te.xs, te.y))}`);
recalibrateBatchNorm(backbone.model, tr.xs); // the BatchNorm layers live in the backbone
console.log(`test accuracy after your recalibrateBatchNorm:                   ${share(evaluate(model, te.xs, te.y))}`);
tf.dispose([tr.xs, tr.y, te.xs, te.y]);
