import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { loadKerasH5Weights, shortWeightName } from '../src/lib/models/keras-h5.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'models-h5-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** conv (bias) + BN + ReLU + GAP + dense, with Keras layer names. */
function tiny(seed: number, opts: { filters?: number; top?: boolean } = {}): tf.LayersModel {
  const { filters = 4, top = true } = opts;
  const input = tf.input({ shape: [8, 8, 3], name: 'input_1' });
  let x = tf.layers.conv2d({ name: 'conv1_conv', filters, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'conv1_bn', axis: 3, epsilon: 1.001e-5 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ name: 'conv1_relu', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  if (top) x = tf.layers.dense({ name: 'predictions', units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'tiny' });
}

/** Random values for every weight (BN statistics included, so that they matter). */
function randomise(m: tf.LayersModel, seed: number): void {
  m.setWeights(m.weights.map((w, i) => tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', seed + i)));
}

/**
 * Writes `m` in the Keras `save_weights` h5 layout: root attr layer_names; per layer a group with attr
 * weight_names ('conv1_conv/kernel:0', ...) and the datasets at those paths inside the group.
 * `shuffle` writes BN weights in another order, to show that matching is by name.
 */
async function writeKerasH5(m: tf.LayersModel, file: string, shuffle = false): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'w');
  try {
    const names = m.layers.map((l) => l.name);
    // Split like Keras does for large attributes (layer_names0, layer_names1, ...).
    const half = Math.ceil(names.length / 2);
    const width = `S${Math.max(...names.map((n) => n.length))}`;
    f.create_attribute('layer_names0', names.slice(0, half), null, width);
    f.create_attribute('layer_names1', names.slice(half), null, width);
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', '2.13.1');
    for (const layer of m.layers) {
      const g = f.create_group(layer.name);
      let ws = layer.weights.map((w, i) => ({ name: `${layer.name}/${shortWeightName(w.originalName)}:0`, value: layer.getWeights()[i]! }));
      if (shuffle) ws = [...ws].reverse();
      if (ws.length === 0) {
        g.create_attribute('weight_names', new Float64Array(0), [0], '<d'); // what Keras writes for no weights
        continue;
      }
      g.create_attribute('weight_names', ws.map((w) => w.name), null, `S${Math.max(...ws.map((w) => w.name.length))}`);
      const sub = g.create_group(layer.name);
      for (const w of ws) {
        sub.create_dataset({ name: w.name.split('/')[1]!, data: w.value.dataSync() as Float32Array, shape: w.value.shape, dtype: '<f' });
      }
    }
  } finally {
    f.close();
  }
}

describe('loadKerasH5Weights', async () => {
  const source = tiny(1);
  randomise(source, 10);
  const file = path.join(tmp, 'tiny.h5');
  await writeKerasH5(source, file, true);
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3);
  const expected = Buffer.from((source.predict(x) as tf.Tensor).dataSync() as Float32Array);

  it('loads by layer and weight name, and predictions equal the source', async () => {
    const target = tiny(2);
    const report = await loadKerasH5Weights(target, file);
    expect(report).toEqual({ loaded: ['conv1_conv', 'conv1_bn', 'predictions'], skipped: [], unused: [] });
    const got = Buffer.from((target.predict(x) as tf.Tensor).dataSync() as Float32Array);
    expect(got.equals(expected)).toBe(true);
    target.dispose();
  });

  it('names the layer and the shapes on a mismatch', async () => {
    const wide = tiny(2, { filters: 6 });
    await expect(loadKerasH5Weights(wide, file)).rejects.toThrow(
      /layer "conv1_conv" weight kernel: expected shape \[3, 3, 3, 6\], got \[3, 3, 3, 4\]/,
    );
    wide.dispose();
  });

  it('reports layers missing from the file (skipMissing) and file layers the model lacks', async () => {
    const noTop = tiny(2, { top: false });
    const file2 = path.join(tmp, 'notop.h5');
    randomise(noTop, 20);
    await writeKerasH5(noTop, file2);
    const withTop = tiny(3);
    await expect(loadKerasH5Weights(withTop, file2)).rejects.toThrow(/expected weights for layer "predictions" \(Dense\), got none/);
    const r = await loadKerasH5Weights(withTop, file2, { skipMissing: true });
    expect(r).toEqual({ loaded: ['conv1_conv', 'conv1_bn'], skipped: ['predictions'], unused: [] });
    const r2 = await loadKerasH5Weights(noTop, file);
    expect(r2.unused).toEqual(['predictions']);
    noTop.dispose();
    withTop.dispose();
  });

  it('rejects a missing file and a file that is not HDF5', async () => {
    const m = tiny(4);
    await expect(loadKerasH5Weights(m, path.join(tmp, 'none.h5'))).rejects.toThrow(/expected a Keras .h5 file, got no such file/);
    const fake = path.join(tmp, 'fake.h5');
    writeFileSync(fake, '<html>404 not found</html>');
    await expect(loadKerasH5Weights(m, fake)).rejects.toThrow(/expected an HDF5 file \(signature .*\), got 3c68746d/);
  });
});
