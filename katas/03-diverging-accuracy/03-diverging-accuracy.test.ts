import { afterAll, beforeAll, describe, it } from 'vitest';
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import type { EpochRecord } from '../../solutions/02-training-loop/training-loop.js';
import { runSeedExperiment, SEED_EXPERIMENT } from './experiment.js';
import { portSeedModel } from './seed-port.js';

/** Every backbone weight — kernels, BN gamma/beta and BN moving mean/variance — copied out. */
function snapshot(m: tf.LayersModel): Map<string, Float32Array> {
  return new Map(m.weights.map((w) => [w.originalName, w.read().dataSync().slice() as Float32Array]));
}
/** Names of the weights that differ from the snapshot, with the largest change of each. */
function changed(before: Map<string, Float32Array>, m: tf.LayersModel): string[] {
  const out: string[] = [];
  for (const w of m.weights) {
    const a = before.get(w.originalName)!;
    const b = w.read().dataSync();
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    if (worst > 0) out.push(`${w.originalName} (max change ${worst.toPrecision(2)})`);
  }
  return out;
}
function curve(h: EpochRecord[]): string {
  return h.map((r) => `epoch ${r.epoch}: ${r.accuracy.toFixed(3)}`).join(', ');
}

const images = (() => {
  const t = loadBundledPair().test.subset([0, 1, 2, 3, 4, 5, 6, 7]).toTensors();
  t.y.dispose();
  return t.x; // float32 [8,28,28,1]
})();
afterAll(() => images.dispose());

describe('kata 03 — the root cause', () => {
  let backbone: Backbone;
  beforeAll(async () => {
    backbone = await loadBackbone('resnet-mini');
  });
  afterAll(() => {
    try {
      backbone.model.dispose();
    } catch {
      // already disposed
    }
  });

  it('a forward pass with { training: true } leaves every backbone weight bit-identical, BatchNorm statistics included', () => {
    const model = portSeedModel(backbone, 2);
    const before = snapshot(backbone.model);
    model.forward(images, { training: true }).dispose();
    const diff = changed(before, backbone.model);
    if (diff.length > 0) {
      throw new Error(
        `backbone after ONE forward pass in training mode: expected no weight to change (it is frozen), got ${diff.length} changed:\n  ` +
          diff.slice(0, 4).join('\n  ') +
          '\n  No optimizer ran. What else writes to a non-trainable weight when training is true?',
      );
    }
  });

  it('dropout is still active while training: { training: true } and { training: false } give different logits', () => {
    const model = portSeedModel(backbone, 2);
    const a = model.forward(images, { training: true });
    const b = model.forward(images, { training: false });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
    tf.dispose([a, b]);
    if (diff === 0) {
      throw new Error(
        'forward({ training: true }) and forward({ training: false }): expected different logits (the head\'s dropout is active in training), got identical ones.\n' +
          '  Turning training mode off everywhere hides the bug by switching off dropout too: fix the backbone only.',
      );
    }
  });

  it('only the head is trainable: 65,502 parameters for 128 features and 2 classes', () => {
    const model = portSeedModel(backbone, 2);
    const got = model.trainableVariables().reduce((n, v) => n + v.size, 0);
    const expected = backbone.featureDim * 500 + 500 + 500 * 2 + 2;
    if (got !== expected) {
      throw new Error(`trainableVariables(): expected ${expected} parameters (the head), got ${got}`);
    }
  });
});

describe('kata 03 — the symptom', () => {
  it(`validation accuracy stays at or above 0.85 at every epoch after the first (${SEED_EXPERIMENT.epochs} epochs, 500 Dress and 500 Coat images)`, async () => {
    const backbone = await loadBackbone('resnet-mini');
    const before = snapshot(backbone.model);
    const { history, model } = await runSeedExperiment(() => {}, backbone);
    const diff = changed(before, backbone.model);
    model.dispose(); // frees the backbone too, or not, depending on how the model holds it:
    try {
      backbone.model.dispose();
    } catch {
      // already disposed by model.dispose()
    }
    const bad = history.slice(1).filter((r) => !(r.accuracy >= 0.85));
    if (bad.length > 0) {
      throw new Error(
        `validation accuracy: expected >= 0.85 at every epoch after the first, got ${curve(history)}` +
          (diff.length ? `\n  and ${diff.length} backbone weights changed during training, e.g. ${diff.slice(0, 2).join(', ')}` : ''),
      );
    }
  }, 120_000);
});
