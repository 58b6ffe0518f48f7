import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { resnetMini } from '../src/lib/models/resnet-mini.js';
import { loadModel, loadWeightsInto, saveModel } from '../src/lib/models/io.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'models-io-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = (t: tf.Tensor): Buffer => Buffer.from((t.dataSync() as Float32Array).slice().buffer);
const input = (): tf.Tensor4D => tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 42) as tf.Tensor4D;

/** A fresh copy of a saved model dir, to corrupt. */
function copyDir(src: string, name: string): string {
  const dst = path.join(tmp, name);
  rmSync(dst, { recursive: true, force: true });
  cpSync(src, dst, { recursive: true });
  return dst;
}

describe('saveModel / loadModel (directory IOHandler, any backend)', async () => {
  const dir = path.join(tmp, 'mini');
  const model = resnetMini({ includeTop: true, classes: 8, seed: 5 });
  await saveModel(model, dir);

  it('writes model.json with topology + manifest pointing at weights.bin', () => {
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.config.name).toBe('resnet-mini');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const n = json.weightsManifest[0].weights.reduce((a: number, w: { shape: number[] }) => a + w.shape.reduce((p, d) => p * d, 1), 0);
    expect(readFileSync(path.join(dir, 'weights.bin')).byteLength).toBe(4 * n);
  });

  it('round-trips to bit-identical predictions', async () => {
    const loaded = await loadModel(dir);
    const x = input();
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(bytes(b).equals(bytes(a))).toBe(true);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    tf.dispose([x, a, b]);
    loaded.dispose();
  });

  it('loadWeightsInto sets the same weights into a freshly built model', async () => {
    const fresh = resnetMini({ includeTop: true, classes: 8, seed: 99 });
    const report = await loadWeightsInto(fresh, dir);
    expect(report.loaded).toHaveLength(fresh.weights.length);
    const x = input();
    const a = model.predict(x) as tf.Tensor;
    const b = fresh.predict(x) as tf.Tensor;
    expect(bytes(b).equals(bytes(a))).toBe(true);
    tf.dispose([x, a, b]);
    fresh.dispose();
  });

  it('rejects a truncated weights.bin, naming expected and actual bytes', async () => {
    const bad = copyDir(dir, 'truncated');
    const size = readFileSync(path.join(bad, 'weights.bin')).byteLength;
    truncateSync(path.join(bad, 'weights.bin'), size - 10);
    await expect(loadModel(bad)).rejects.toThrow(new RegExp(`weights.bin: expected ${size} bytes .* got ${size - 10} bytes`));
    appendFileSync(path.join(bad, 'weights.bin'), Buffer.alloc(20));
    await expect(loadModel(bad)).rejects.toThrow(new RegExp(`expected ${size} bytes .* got ${size + 10} bytes`));
  });

  it('rejects a corrupted weights.bin of the right size (sha256 recorded at save)', async () => {
    const bad = copyDir(dir, 'corrupt');
    const buf = readFileSync(path.join(bad, 'weights.bin'));
    buf[100] = buf[100]! ^ 0xff;
    writeFileSync(path.join(bad, 'weights.bin'), buf);
    await expect(loadModel(bad)).rejects.toThrow(/weights.bin: expected sha256 [0-9a-f]{64} .* got [0-9a-f]{64} — the file is corrupted/);
  });

  it('names the missing directory, missing model.json and invalid JSON', async () => {
    await expect(loadModel(path.join(tmp, 'nope'))).rejects.toThrow(/loadModel\(.*nope\): expected a model directory .* got no such directory/);
    const empty = path.join(tmp, 'empty');
    rmSync(empty, { recursive: true, force: true });
    mkdirSync(empty);
    await expect(loadModel(empty)).rejects.toThrow(/expected .*empty\/model.json, got no such file/);
    const broken = copyDir(dir, 'badjson');
    writeFileSync(path.join(broken, 'model.json'), '{"modelTopology": ');
    await expect(loadModel(broken)).rejects.toThrow(/model.json: expected valid JSON, got a parse error/);
    writeFileSync(path.join(broken, 'model.json'), '{"weights": []}');
    await expect(loadModel(broken)).rejects.toThrow(/expected an object with "modelTopology", got keys weights/);
  });

  it('rejects weights of another architecture, naming layer and shapes', async () => {
    const rgb = resnetMini({ inputShape: [28, 28, 3] });
    await expect(loadWeightsInto(rgb, dir)).rejects.toThrow(
      /a weights file for another architecture: expected resnet-mini weight conv1_conv\/kernel shape \[3, 3, 3, 16\], got \[3, 3, 1, 16\]/,
    );
    rgb.dispose();
    const noTop = resnetMini();
    await expect(loadWeightsInto(noTop, dir)).rejects.toThrow(/expected no weight predictions\/kernel \(not in resnet-mini\), got one of shape \[128, 8\]/);
    const r = await loadWeightsInto(noTop, dir, { ignoreExtra: true });
    expect(r.ignored).toEqual(['predictions/kernel', 'predictions/bias']);
    noTop.dispose();
  });
});
