/**
 * Scratch benchmark: one epoch of `fit` of a small CNN on 512 random 28x28x1 images (batch 64), on the wasm backend
 * (with the training kernels of src/lib/wasm/) and on the cpu backend, in one process.
 *
 *   npx tsx src/cli/bench-fit.ts [--skip-cpu]
 */
import { tf, useWasmBackend } from '../lib/tf.js';

function smallCnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, padding: 'same', useBias: false }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', useBias: false }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dropout({ rate: 0.2 }));
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return m;
}

async function timeEpoch(backendName: 'wasm' | 'cpu'): Promise<number> {
  if (!(await tf.setBackend(backendName))) throw new Error(`backend ${backendName} unavailable`);
  await tf.ready();
  const xs = tf.randomNormal([512, 28, 28, 1]);
  const ys = tf.oneHot(tf.randomUniform([512], 0, 10, 'int32') as tf.Tensor1D, 10);
  const model = smallCnn();
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  // Warm-up on one batch (kernel setup, XNNPACK operator creation, optimizer state).
  await model.fit(xs.slice(0, 64), ys.slice(0, 64), { epochs: 1, batchSize: 64, verbose: 0 });
  const t0 = performance.now();
  const h = await model.fit(xs, ys, { epochs: 1, batchSize: 64, verbose: 0 });
  const s = (performance.now() - t0) / 1000;
  console.log(`${backendName.padEnd(4)}: ${s.toFixed(2)} s/epoch (512 images, batch 64), loss ${(h.history.loss![0] as number).toFixed(4)}`);
  tf.dispose([xs, ys]);
  model.dispose();
  return s;
}

// tf.ts may have picked another backend (e.g. KATA_BACKEND=cpu): load wasm here too.
await useWasmBackend();

const wasmS = await timeEpoch('wasm');
if (!process.argv.includes('--skip-cpu')) {
  const cpuS = await timeEpoch('cpu');
  console.log(`cpu / wasm = ${(cpuS / wasmS).toFixed(1)}x`);
}
