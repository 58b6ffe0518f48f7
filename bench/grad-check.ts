/**
 * npx tsx bench/grad-check.ts [images=16] [balanced|one-class]
 *
 * Whole-network gradient check: resnet-mini (seeded random weights, every layer trainable, BatchNorm in
 * training mode) + Dense(2), softmax cross-entropy on bundled images; tf.variableGrads on the cpu backend
 * (JavaScript loops, float64 accumulation) and on wasm with the project's kernels. Prints the loss on both and
 * the relative L2 difference of each variable's gradient (the largest, and a few layers from bottom to top).
 */
import { tf, useWasmBackend } from '../src/lib/tf.js';
import { loadBackbone } from '../src/lib/models/backbones.js';
import { loadBundledPair } from '../src/lib/data/bundled.js';

const n = Number(process.argv[2] ?? 16);
const pool = loadBundledPair().train;
const ds =
  process.argv[3] === 'one-class'
    ? pool.subset(pool.indicesByClass()[0]!.slice(0, n))
    : pool.subset(Array.from({ length: n }, (_, i) => i * 37));

async function gradients(backend: 'cpu' | 'wasm'): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  if (backend === 'wasm') await useWasmBackend();
  else await tf.setBackend('cpu');
  const bb = await loadBackbone('resnet-mini', { weights: 'random', seed: 5 });
  bb.model.trainable = true;
  const dense = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) });
  const { x, y } = ds.toTensors(); // float32 [n,28,28,1], int32 [n]
  const xs = bb.preprocess(x);
  const vars = bb.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const logits = dense.apply(bb.model.apply(xs, { training: true })) as tf.Tensor2D; // [n,2]
    return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), logits) as tf.Scalar;
  }, vars);
  const out = new Map<string, Float32Array>();
  for (const w of bb.model.trainableWeights) out.set(w.originalName, grads[(w.read() as tf.Variable).name]!.dataSync() as Float32Array);
  const loss = value.dataSync()[0]!;
  tf.dispose([x, y, xs, value, ...Object.values(grads)]);
  dense.dispose();
  bb.model.dispose();
  return { loss, grads: out };
}

const cpu = await gradients('cpu');
const wasm = await gradients('wasm');
console.log(`${n} images (${process.argv[3] ?? 'balanced'}): loss cpu ${cpu.loss} wasm ${wasm.loss}`);
let worst = { name: '', rel: 0 };
for (const [name, a] of cpu.grads) {
  const b = wasm.grads.get(name)!;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  const rel = Math.sqrt(num / den);
  if (rel > worst.rel) worst = { name, rel };
  if (/^(conv1_conv|conv2_block1_1_conv|conv3_block1_1_conv|conv4_block2_3_conv)\/kernel$/.test(name)) {
    console.log(`  ${name.padEnd(30)} relative difference ${rel.toExponential(2)}`);
  }
}
console.log(`largest: ${worst.name} ${worst.rel.toExponential(2)}`);
