/** npx tsx katas/01-build-model/demo.ts — freezing, modes and BatchNorm, measured. */
import { tf, backendLine } from '../../src/lib/tf.js';
import { loadBackbone } from '../../src/lib/models/backbones.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';

console.log(backendLine());
const bb = await loadBackbone('resnet-mini');
console.log(`resnet-mini: ${bb.model.countParams()} parameters, ${bb.model.trainableWeights.length} trainable weight tensors`);
bb.model.trainable = false;
console.log(`after model.trainable = false: ${bb.model.trainableWeights.length} trainable weight tensors`);

const { x, y } = loadBundledPair().test.subset([0, 1, 2, 3]).toTensors(); // x float32 [4,28,28,1]
const mean = bb.model.getLayer('conv1_bn').getWeights()[2]!; // moving_mean of the first BatchNorm
const before = mean.dataSync()[0]!;
tf.tidy(() => { bb.model.apply(bb.preprocess(x), { training: true }); });
const after = bb.model.getLayer('conv1_bn').getWeights()[2]!.dataSync()[0]!;
console.log(`conv1_bn moving_mean[0]: ${before} → ${after} after ONE call with { training: true } on a frozen model`);
const f = tf.tidy(() => bb.model.apply(bb.preprocess(x), { training: false }) as tf.Tensor2D);
console.log(`features: ${f.dtype} [${f.shape.join(',')}]`);
tf.dispose([x, y, f]);
