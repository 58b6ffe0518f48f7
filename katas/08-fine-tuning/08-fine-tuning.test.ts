import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { showCurves } from '../../test/support/curves.js';
import { tf } from '../../src/lib/tf.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import type { InMemoryDataset } from '../../src/lib/data/dataset.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import { buildHead, setDropoutSeed, splitBelowTopStage, trainHeadOnFeatures } from './experiment.js';
import { buildFineTuneModel, createFineTuner, crossEntropy, TOP_STAGE, type FineTuneConfig, type FineTuneModel, type FineTuner } from './fine-tune.js';

// ---------- fixtures ----------

// The fast tests use the pretrained resnet-mini built for 12x12 inputs (the same layers, names, weights and 128
// features; only the images are smaller) and 27 images: a step takes milliseconds. The slow test trains at 28x28.
const N = 27;
const SIDE = 12;
let pair: { train: InMemoryDataset; test: InMemoryDataset };
let x: tf.Tensor4D; // float32 [27,12,12,1]: 27 bundled training images, both classes, resized to the backbone's input
let y: tf.Tensor1D; // int32 [27]
const disposables: Array<{ dispose(): void }> = [];

beforeAll(() => {
  pair = loadBundledPair();
  const t = pair.train.subset(Array.from({ length: N }, (_, i) => i * 71)).toTensors();
  x = tf.tidy(() => tf.image.resizeBilinear(t.x, [SIDE, SIDE]));
  y = t.y;
  t.x.dispose();
});
afterAll(() => tf.dispose([x, y]));
afterEach(() => {
  for (const d of disposables.splice(0).reverse()) {
    try {
      d.dispose();
    } catch {
      /* already disposed */
    }
  }
});

const TOP = 'conv4_';
const isTop = (name: string): boolean => name.startsWith(TOP);
const isStat = (name: string): boolean => /moving_(mean|variance)$/.test(name);

/**
 * The state kata 01 leaves: the pretrained resnet-mini, frozen (backbone.model.trainable = false), and a
 * head Dense(500) → ReLU → Dropout → Dense(2) with seeded kernels; then the learner's fine-tuning model.
 */
async function fresh(opts: { dropout?: number; seed?: number } = {}): Promise<{ backbone: Backbone; head: tf.Sequential; model: FineTuneModel }> {
  const backbone = await loadBackbone('resnet-mini', { inputShape: [SIDE, SIDE, 1] });
  backbone.model.trainable = false; // as kata 01 froze it
  const head = buildHead(backbone.featureDim, 2, opts.dropout ?? 0.5, opts.seed ?? 1);
  disposables.push(backbone.model, head);
  const model = explain('buildFineTuneModel(backbone, head)', () => buildFineTuneModel(backbone, head));
  return { backbone, head, model };
}

function tuner(model: FineTuneModel, cfg?: FineTuneConfig): FineTuner {
  const t = explain(`createFineTuner(model${cfg ? `, ${JSON.stringify(cfg)}` : ''})`, () => createFineTuner(model, cfg));
  disposables.push(t);
  return t;
}

function step(t: FineTuner, images = x, labels = y): number {
  return explain('tuner.step(images, labels)', () => t.step(images, labels));
}

/** Runs fn; an error comes back as a sentence about what the kata's code did. */
function explain<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${what} threw: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Every weight of the backbone by its Keras name, copied out (kernels, gamma/beta AND moving statistics). */
function snapshot(weights: tf.LayerVariable[]): Map<string, Float32Array> {
  return new Map(weights.map((w) => [w.originalName, Float32Array.from(w.read().dataSync() as Float32Array)]));
}

/** name → largest |after − before| over the weight's elements. */
function maxSteps(before: Map<string, Float32Array>, weights: tf.LayerVariable[]): Map<string, number> {
  return new Map(
    weights.map((w) => {
      const a = before.get(w.originalName)!;
      const b = w.read().dataSync();
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(b[i]! - a[i]!));
      return [w.originalName, m];
    }),
  );
}

/** The Keras name of each of the learner's variables (a tf.Variable is a LayerVariable's value). */
function namesOf(vars: tf.Variable[], ...models: tf.LayersModel[]): string[] {
  const byValue = new Map<tf.Variable, string>();
  for (const m of models) for (const w of m.weights) byValue.set(w.read() as tf.Variable, w.originalName);
  return vars.map((v) => byValue.get(v) ?? `(not a weight of the backbone or the head: ${v.name})`);
}

function list(names: string[], n = 4): string {
  return names.slice(0, n).join(', ') + (names.length > n ? `, … (${names.length} in all)` : '');
}

/** Calls fn with every BatchNorm and Dropout layer's `training` flag recorded, by layer name. */
function recordModes<T>(layers: tf.layers.Layer[], fn: () => T): { result: T; modes: Map<string, Array<boolean | undefined>> } {
  const modes = new Map<string, Array<boolean | undefined>>();
  const restore: Array<() => void> = [];
  for (const l of layers) {
    const cls = l.getClassName();
    if (cls !== 'BatchNormalization' && cls !== 'Dropout') continue;
    const layer = l as unknown as { call: (inputs: unknown, kwargs: { training?: boolean }) => unknown };
    const original = layer.call;
    layer.call = function (inputs, kwargs) {
      if (!modes.has(l.name)) modes.set(l.name, []);
      modes.get(l.name)!.push(kwargs?.training);
      return original.call(this, inputs, kwargs);
    };
    restore.push(() => {
      layer.call = original;
    });
  }
  try {
    return { result: fn(), modes };
  } finally {
    restore.forEach((r) => r());
  }
}

function trainingModeBatchNorms(modes: Map<string, Array<boolean | undefined>>, backbone: Backbone): string[] {
  const bns = new Set(backbone.model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.name));
  return [...modes].filter(([name, flags]) => bns.has(name) && flags.some((f) => f === true)).map(([name]) => name);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

const TOP_VARIABLES = 21; // 7 conv kernels (no bias: BatchNorm follows) + 7 BatchNorm × gamma, beta
const TOP_PARAMETERS = 41_984;
const HEAD_PARAMETERS = 65_502;

// ---------- what is unfrozen ----------

describe('kata 08 — unfreeze the top stage, and only it', () => {
  it('trainableVariables are exactly conv4\'s kernels, gamma and beta (21 variables, 41,984 parameters) and the head\'s 4 (65,502)', async () => {
    const { backbone, head, model } = await fresh();
    const vars = model.trainableVariables();
    const names = namesOf(vars, backbone.model, head);
    const headNames = new Set(head.weights.map((w) => w.originalName));
    const backboneNames = names.filter((n) => !headNames.has(n));
    const want = backbone.model.weights.map((w) => w.originalName).filter((n) => isTop(n) && !isStat(n));
    const outside = backboneNames.filter((n) => !isTop(n));
    const stats = backboneNames.filter(isStat);
    const missing = want.filter((n) => !backboneNames.includes(n));
    const problems: string[] = [];
    if (outside.length) {
      problems.push(
        `${outside.length} from below the top stage, e.g. ${list(outside)}: conv1–conv3 must stay as pretrained (they hold the general ` +
          'edges and textures; with few labels, training them costs time and risks overfitting). backbone.model.trainable = true unfreezes every layer: ' +
          'then set each layer\'s trainable by its name (conv4_*)',
      );
    }
    if (stats.length) {
      problems.push(
        `${stats.length} BatchNorm moving statistics, e.g. ${list(stats)}: they are not learned by gradients (they are not trainable, and ` +
          'tf.variableGrads gives them no gradient), so they do not belong among the variables an optimizer may change. Take the layers\' ' +
          'trainableWeights, not every weight whose name matches',
      );
    }
    if (missing.length) {
      problems.push(
        `${missing.length} of conv4's ${want.length} missing, e.g. ${list(missing)}` +
          (missing.length === want.length
            ? '. The backbone arrives frozen (kata 01: backbone.model.trainable = false), and a model whose trainable is false reports no ' +
              'trainable weights at all, whatever its layers say: set backbone.model.trainable = true, then each layer'
            : ''),
      );
    }
    const headCount = names.filter((n) => headNames.has(n)).length;
    if (headCount !== 4) problems.push(`${headCount} of the head's 4 variables (its two kernels and biases)`);
    const params = vars.reduce((a, v) => a + v.size, 0);
    if (problems.length || params !== TOP_PARAMETERS + HEAD_PARAMETERS) {
      throw new Error(
        `model.trainableVariables(): expected conv4's ${TOP_VARIABLES} kernels/gamma/beta + the head's 4 = ` +
          `${(TOP_PARAMETERS + HEAD_PARAMETERS).toLocaleString('en-US')} parameters, got ${vars.length} variables, ` +
          `${params.toLocaleString('en-US')} parameters, with:\n  ` +
          problems.join('\n  '),
      );
    }
    const bb = namesOf(model.backboneVariables(), backbone.model, head);
    if (bb.length !== TOP_VARIABLES || bb.some((n) => !isTop(n) || isStat(n))) {
      throw new Error(`model.backboneVariables(): expected conv4's ${TOP_VARIABLES} kernels/gamma/beta, got ${bb.length}: ${list(bb)}`);
    }
  });

  it('a fine-tuning step changes conv4 and the head, and leaves conv1–conv3 bit-identical (BatchNorm statistics included)', async () => {
    const { backbone, head, model } = await fresh();
    const before = snapshot(backbone.model.weights);
    const headBefore = snapshot(head.weights);
    step(tuner(model));
    const moved = [...maxSteps(before, backbone.model.weights)].filter(([, d]) => d > 0).map(([n]) => n);
    const lower = moved.filter((n) => !isTop(n));
    if (lower.length) {
      const stats = lower.filter(isStat);
      throw new Error(
        `after one step: expected every weight below conv4 bit-identical, got ${lower.length} changed, e.g. ${list(lower)}.\n  ` +
          (lower.length > stats.length
            ? 'Kernels, gamma or beta of conv1–conv3 changed: they were given to an optimizer (unfreeze conv4_* only).'
            : 'Only BatchNorm moving statistics changed: the backbone ran in training mode (see the BatchNorm tests).'),
      );
    }
    const topTrainable = backbone.model.weights.filter((w) => isTop(w.originalName) && !isStat(w.originalName)).map((w) => w.originalName);
    const still = topTrainable.filter((n) => !moved.includes(n));
    if (still.length) {
      throw new Error(`after one step: expected every conv4 kernel, gamma and beta to change (Adam moves each by about its learning rate), got ${still.length} unchanged: ${list(still)}`);
    }
    const headMoved = [...maxSteps(headBefore, head.weights)].filter(([, d]) => d > 0).length;
    if (headMoved !== 4) throw new Error(`after one step: expected the head's 4 variables to change, got ${headMoved}`);
  });
  it('conv1–conv3 are frozen in the backbone itself: every layer outside conv4 says trainable false, and an optimizer given no variable list leaves them bit-identical', async () => {
    const { backbone, model } = await fresh();
    const open = backbone.model.layers.filter((l) => l.trainable && l.weights.length > 0 && !l.name.startsWith(`${TOP_STAGE}_`)).map((l) => l.name);
    const trainableBelow = backbone.model.trainableWeights.map((w) => w.originalName).filter((n) => !isTop(n));
    if (open.length > 0 || trainableBelow.length > 0) {
      throw new Error(
        `backbone.model: expected every layer outside ${TOP_STAGE} to be frozen (trainable false), got ${open.length} layers still trainable, e.g. ${list(open)}, ` +
          `and ${trainableBelow.length} of backbone.model.trainableWeights below ${TOP_STAGE}, e.g. ${list(trainableBelow)}.\n  ` +
          'Filtering the optimizer\'s variable list is not a freeze: the model still says those weights may learn, and any code that asks the ' +
          'model — model.fit, optimizer.minimize(f) without a list, a saved model trained elsewhere — trains them (kata 01 rejects the same shortcut). ' +
          'Set each layer\'s trainable by its name.',
      );
    }
    // What "frozen in the model" buys: an optimizer that is given no list trains every trainable variable it can reach.
    const before = snapshot(backbone.model.weights);
    const x = tf.tidy(() => tf.randomUniform([4, SIDE, SIDE, 1], 0, 1, 'float32', 8) as tf.Tensor4D);
    const y = tf.tensor1d([0, 1, 1, 0], 'int32');
    const optimizer = tf.train.sgd(0.1);
    try {
      optimizer.minimize(() => crossEntropy(model.forward(x, { training: true }), y), true)?.dispose();
    } finally {
      optimizer.dispose();
      tf.dispose([x, y]);
    }
    const moved = [...maxSteps(before, backbone.model.weights)].filter(([n, d]) => d > 0 && !isTop(n)).map(([n]) => n);
    if (moved.length > 0) {
      throw new Error(`optimizer.minimize(loss) with no variable list: expected conv1–conv3 bit-identical, got ${moved.length} changed, e.g. ${list(moved)}`);
    }
  });
});

describe('kata 08 — a top stage that is not there is an error', () => {
  it('rejects a backbone without a conv4 stage (cut after conv3): buildFineTuneModel throws naming conv4', async () => {
    const { backbone, head } = await fresh();
    // The same layers up to conv3's output: a backbone whose top stage is missing (or named otherwise, e.g. 'block4', 'layer4').
    const lower = tf.model({ inputs: backbone.model.inputs, outputs: backbone.model.getLayer('conv3_block2_out').output as tf.SymbolicTensor, name: 'below_conv4' });
    let message: string | undefined;
    try {
      buildFineTuneModel({ ...backbone, model: lower }, head);
    } catch (e) {
      message = (e as Error).message;
    }
    if (message === undefined || !message.includes(TOP_STAGE)) {
      throw new Error(
        `buildFineTuneModel(a backbone with no ${TOP_STAGE}_* layer, head): expected an error naming ${TOP_STAGE}, got ${message === undefined ? 'a model' : `"${message}"`}. ` +
          'With no layer to unfreeze every backbone layer stays frozen: only the head learns, the run still calls itself fine-tuning, and the numbers ' +
          'look like a worse recipe instead of a wrong name. Check that the stage you unfreeze exists.',
      );
    }
  });
});

// ---------- BatchNorm in inference mode, dropout in training mode ----------

describe('kata 08 — BatchNorm stays in inference mode while conv4 trains', () => {
  it('three fine-tuning steps leave every BatchNorm moving_mean and moving_variance bit-identical', async () => {
    const { backbone, model } = await fresh();
    const stats = backbone.model.weights.filter((w) => isStat(w.originalName));
    const before = snapshot(stats);
    const t = tuner(model);
    const { modes } = recordModes(backbone.model.layers, () => {
      for (let i = 0; i < 3; i++) step(t);
    });
    const changed = [...maxSteps(before, stats)].filter(([, d]) => d > 0);
    if (changed.length) {
      const training = trainingModeBatchNorms(modes, backbone);
      throw new Error(
        `after 3 steps: expected all ${stats.length} BatchNorm moving statistics bit-identical, got ${changed.length} changed, ` +
          `e.g. ${changed[0]![0]} by up to ${changed[0]![1].toPrecision(3)}.\n  ` +
          (training.length
            ? `${training.length} BatchNorm layers ran with { training: true } (e.g. ${list(training, 3)}): in training mode BatchNorm ` +
              'normalises with the batch\'s statistics and overwrites its moving averages — trainable or not. Call the backbone with ' +
              '{ training: false } while conv4 trains: the gradients still reach its kernels, gamma and beta.'
            : 'No BatchNorm ran in training mode, so an optimizer changed them: moving statistics must not be in the variables it gets.'),
      );
    }
  });

  it('in training mode the backbone computes its inference features: with dropout 0, forward(x, { training: true }) = forward(x, { training: false })', async () => {
    const { backbone, model } = await fresh({ dropout: 0 });
    const inference = explain('model.forward(x, { training: false })', () => model.forward(x, { training: false }));
    disposables.push(inference);
    const { result: training, modes } = recordModes(backbone.model.layers, () =>
      explain('model.forward(x, { training: true })', () => model.forward(x, { training: true })),
    );
    disposables.push(training);
    const d = maxAbsDiff(inference, training);
    if (d > 1e-5) {
      const bns = trainingModeBatchNorms(modes, backbone);
      throw new Error(
        `logits [${N},2] with { training: true } vs { training: false } (dropout 0, so the head is the same in both): expected a max difference < 1e-5, got ${d.toPrecision(3)}.\n  ` +
          (bns.length ? `${bns.length} BatchNorm layers ran with { training: true }, e.g. ${list(bns, 3)}. ` : '') +
          'In training mode BatchNorm uses the batch\'s own statistics: conv4 would learn on features it never sees at inference, ' +
          `and a batch of ${N} is a noisy estimate of what pretraining measured on 48,000 images. ` +
          '(momentum = 1 stops the moving averages, not this.) The backbone must run with { training: false }.',
      );
    }
  });

  it('the head\'s dropout still trains: a step runs Dropout with { training: true }, and forward(x, { training: true }) is not the inference output', async () => {
    const { backbone, head, model } = await fresh({ dropout: 0.5 });
    const t = tuner(model);
    const { modes } = recordModes([...head.layers, ...backbone.model.layers], () => step(t));
    const drop = head.layers.find((l) => l.getClassName() === 'Dropout')!.name;
    const flags = modes.get(drop) ?? [];
    if (!flags.includes(true)) {
      throw new Error(
        `tuner.step: expected the head's Dropout (${drop}) to run with { training: true }, got ${flags.length ? `{ training: ${flags.join(', ')} }` : 'no call'}.\n  ` +
          'Keeping BatchNorm in inference mode is the backbone\'s business: the head still trains with dropout. Call the backbone with ' +
          '{ training: false } and the head with the caller\'s mode — not the whole model with { training: false }.',
      );
    }
    const a = model.forward(x, { training: true });
    const b = model.forward(x, { training: false });
    disposables.push(a, b);
    if (maxAbsDiff(a, b) === 0) {
      throw new Error('model.forward(x, { training: true }) with dropout 0.5: expected logits that differ from { training: false } (units dropped), got identical logits: the head ignores the mode');
    }
  });
});

// ---------- learning rates ----------

describe('kata 08 — the backbone learns at least 10 times slower than the head', () => {
  it('Adam\'s first step moves each conv4 weight by at most backboneLr and the head\'s by up to headLr (headLr 1e-3, backboneLr 5e-5)', async () => {
    const { backbone, head, model } = await fresh();
    const cfg = { headLr: 1e-3, backboneLr: 5e-5 };
    const t = tuner(model, cfg);
    const top = backbone.model.weights.filter((w) => isTop(w.originalName) && !isStat(w.originalName));
    const before = snapshot([...top, ...head.weights]);
    step(t);
    const topSteps = [...maxSteps(before, top)];
    const topMax = Math.max(...topSteps.map(([, d]) => d));
    const headMax = Math.max(...[...maxSteps(before, head.weights)].map(([, d]) => d));
    const why =
      '  Adam\'s first step moves every weight by about its learning rate, whatever the gradient\'s size (it divides the gradient by its ' +
      'own RMS). So scaling conv4\'s gradients by backboneLr / headLr does NOT lower its learning rate with Adam (it would with SGD). ' +
      'tfjs has no parameter groups: make one tf.train.adam per learning rate, compute the gradients once (tf.variableGrads) and let ' +
      'each optimizer applyGradients to its own group.';
    if (!(topMax <= cfg.backboneLr * 1.01 && topMax >= cfg.backboneLr * 0.5)) {
      const worst = topSteps.sort((p, q) => q[1] - p[1])[0]!;
      throw new Error(
        `largest conv4 step after one Adam step: expected about backboneLr = ${cfg.backboneLr} (at most ${cfg.backboneLr}), got ${topMax.toPrecision(3)} ` +
          `(${worst[0]}); the head's largest step: ${headMax.toPrecision(3)} (headLr ${cfg.headLr}).\n${why}`,
      );
    }
    if (!(headMax <= cfg.headLr * 1.01 && headMax >= cfg.headLr * 0.5)) {
      throw new Error(`largest head step after one Adam step: expected about headLr = ${cfg.headLr}, got ${headMax.toPrecision(3)} (conv4: ${topMax.toPrecision(3)}).\n${why}`);
    }
  });

  it('by default the backbone\'s learning rate is at most headLr / 10: createFineTuner(model, { headLr: 2e-3 })', async () => {
    const { backbone, model } = await fresh();
    const t = tuner(model, { headLr: 2e-3 });
    const top = backbone.model.weights.filter((w) => isTop(w.originalName) && !isStat(w.originalName));
    const before = snapshot(top);
    step(t);
    const topMax = Math.max(...maxSteps(before, top).values());
    if (!(t.headLr === 2e-3 && t.backboneLr <= 2e-4 * (1 + 1e-9))) {
      throw new Error(`createFineTuner(model, { headLr: 2e-3 }): expected headLr 0.002 and a default backboneLr of at most 0.0002 (headLr / 10), got headLr ${t.headLr}, backboneLr ${t.backboneLr}`);
    }
    if (!(topMax <= 2e-4 * 1.01)) {
      throw new Error(
        `createFineTuner(model, { headLr: 2e-3 }) reports backboneLr ${t.backboneLr}: expected conv4's largest step after one Adam step at most 0.0002, ` +
          `got ${topMax.toPrecision(3)} — conv4 learns at the head's rate. Adam's step does not depend on the gradient's scale: one optimizer per learning rate.`,
      );
    }
  });

  it('rejects a backbone learning rate above headLr / 10, naming backboneLr, its value and the limit', async () => {
    const { model } = await fresh();
    for (const cfg of [{ headLr: 1e-3, backboneLr: 1e-3 }, { headLr: 1e-3, backboneLr: 2e-4 }]) {
      let message: string | undefined;
      try {
        createFineTuner(model, cfg).dispose();
      } catch (e) {
        message = (e as Error).message;
      }
      if (message === undefined || !message.includes('backboneLr') || !message.includes(String(cfg.backboneLr)) || !message.includes('0.0001')) {
        throw new Error(
          `createFineTuner(model, ${JSON.stringify(cfg)}): expected an error naming backboneLr, ${cfg.backboneLr} and the limit headLr / 10 = 0.0001, ` +
            `got ${message === undefined ? 'no error (it would fine-tune the pretrained stage at a learning rate the rule forbids)' : `"${message}"`}`,
        );
      }
    }
    // the limit itself is allowed (3e-4 / 10 is 2.9999999999999997e-5 in floating point)
    explain('createFineTuner(model, { headLr: 3e-4, backboneLr: 3e-5 })', () => createFineTuner(model, { headLr: 3e-4, backboneLr: 3e-5 })).dispose();
  });
});

describe('kata 08 — a learning rate is a positive number', () => {
  it('rejects learning rates that are not positive finite numbers (backboneLr 0, -1e-5, NaN; headLr 0, -1e-3, NaN, Infinity), naming which one and its value', async () => {
    const { model } = await fresh();
    const cases: Array<[keyof FineTuneConfig, FineTuneConfig, string]> = [
      ['backboneLr', { headLr: 1e-3, backboneLr: 0 }, '0'],
      ['backboneLr', { headLr: 1e-3, backboneLr: -1e-5 }, '-0.00001'],
      ['backboneLr', { headLr: 1e-3, backboneLr: NaN }, 'NaN'],
      ['headLr', { headLr: 0 }, '0'],
      ['headLr', { headLr: -1e-3 }, '-0.001'],
      ['headLr', { headLr: NaN }, 'NaN'],
      ['headLr', { headLr: Infinity, backboneLr: 1e-4 }, 'Infinity'],
    ];
    for (const [name, cfg, shown] of cases) {
      let message: string | undefined;
      try {
        createFineTuner(model, cfg).dispose();
      } catch (e) {
        message = (e as Error).message;
      }
      const value = String(cfg[name]);
      if (message === undefined || !message.includes(name) || !(message.includes(value) || message.includes(shown))) {
        throw new Error(
          `createFineTuner(model, { ${Object.entries(cfg).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }): expected an error naming ${name} and ${value}, ` +
            `got ${message === undefined ? 'a fine-tuner' : `"${message}"`}. A rate of 0 trains nothing, a negative one climbs the loss, NaN turns ` +
            'every weight into NaN after one step and Infinity too: none of them shows up until the accuracy does.',
        );
      }
    }
  });
});

// ---------- memory, and the outcome ----------

describe('kata 08 — fine-tuning leaks nothing and learns what the frozen head cannot', () => {
  it('leaks no tensor: numTensors is the same after steps 2 and 5 (Adam makes its state in step 1), forward leaves only its result, and dispose() frees the tuner\'s and the model\'s tensors', async () => {
    const { backbone, head, model } = await fresh();
    const t = tuner(model);
    const [x8, y8] = [tf.slice(x, 0, 8), tf.slice(y, 0, 8)];
    disposables.push(x8, y8);
    step(t, x8, y8);
    step(t, x8, y8);
    const after2 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step(t, x8, y8);
    const after5 = tf.memory().numTensors;
    if (after5 !== after2) {
      throw new Error(`tf.memory().numTensors: expected ${after2} after step 5 (as after step 2), got ${after5}: ${(after5 - after2) / 3} tensors leaked per step`);
    }
    const before = tf.memory().numTensors;
    const out = model.forward(x, { training: true });
    const made = tf.memory().numTensors - before;
    out.dispose();
    if (made !== 1) throw new Error(`model.forward: expected 1 new tensor (the logits it returns), got ${made}`);
    // Adam keeps two moments per variable it trains (conv4's 21 and the head's 4): tuner.dispose() must free them.
    const beforeTuner = tf.memory().numTensors;
    t.dispose();
    const freed = beforeTuner - tf.memory().numTensors;
    if (freed < 2 * (TOP_VARIABLES + 4)) {
      throw new Error(`tuner.dispose(): expected Adam's state freed (2 moments × ${TOP_VARIABLES + 4} variables = ${2 * (TOP_VARIABLES + 4)} tensors at least), got ${freed} freed: dispose every optimizer it made`);
    }
    const weights = backbone.model.weights.length + head.weights.length;
    const beforeModel = tf.memory().numTensors;
    model.dispose();
    const gone = beforeModel - tf.memory().numTensors;
    if (gone !== weights) {
      throw new Error(`model.dispose(): expected the backbone's and the head's ${weights} weights freed, got ${gone}`);
    }
  });

  it('fine-tuning fits what the frozen head cannot: 16 steps from the same head end at a lower loss on their 256 images than 16 steps of the head alone', async (ctx) => {
    // Held-out accuracy needs a longer run (demo.ts, README: 10 epochs of 2000 images); this checks the mechanism in
    // 16 steps: with conv4 learning too, the same steps fit the images better than the head alone (measured: 2.5% lower).
    // conv1–conv3 are frozen and in inference mode (the tests above), a fixed function: their output is computed once
    // (kata 06's caching, one stage lower), and the learner's model gets a backbone made of the top stage alone —
    // the same layer names, a copy of the same weights: top(lower(x)) = backbone(x).
    const lr = { headLr: 3e-4, backboneLr: 3e-5 };
    const full = await loadBackbone('resnet-mini');
    disposables.push(full.model);
    const { lower, top } = splitBelowTopStage(full);
    top.model.trainable = false; // as kata 01 left the backbone
    const head = buildHead(top.featureDim, 2, 0.5, 3);
    disposables.push(top.model, head);
    const ds = pair.train.perClass(128, 8); // 256 images
    const images = ds.toTensors();
    disposables.push(images.x, images.y);
    const below = tf.tidy(() => lower.apply(full.preprocess(images.x), { training: false }) as tf.Tensor4D); // [256,14,14,64]
    const fx = tf.tidy(() => top.model.apply(below, { training: false }) as tf.Tensor2D); // frozen features [256,128]
    disposables.push(below, fx);
    // the starting point of both arms: the head trained on the frozen features (kata 01)
    trainHeadOnFeatures(head, fx.dataSync() as Float32Array, ds.labels, { epochs: 10, batchSize: 32, lr: 1e-3, seed: 8 });
    const frozenHead = buildHead(top.featureDim, 2, 0.5, 0);
    disposables.push(frozenHead);
    frozenHead.setWeights(head.getWeights());
    const batches = Array.from({ length: 16 }, (_, s) => Array.from({ length: 32 }, (_, j) => (s * 32 + j * 37) % 256));
    const lossOf = (logits: tf.Tensor2D): number => {
      const l = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(images.y, 2), logits));
      const v = l.dataSync()[0]!;
      tf.dispose([l, logits]);
      return v;
    };
    // arm 1: the frozen head alone, Adam at headLr, on the frozen features
    const opt = tf.train.adam(lr.headLr);
    disposables.push(opt);
    const headVars = frozenHead.trainableWeights.map((w) => w.read() as tf.Variable);
    const headLosses: number[] = []; // per step, for the curves
    const fineLosses: number[] = [];
    batches.forEach((rows, s) => {
      setDropoutSeed(frozenHead, 100 + s);
      tf.tidy(() => {
        const idx = tf.tensor1d(rows, 'int32');
        const cost = opt.minimize(() => {
          const logits = frozenHead.apply(tf.gather(fx, idx), { training: true }) as tf.Tensor2D;
          return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.gather(images.y, idx), 2), logits) as tf.Scalar;
        }, true, headVars);
        headLosses.push(cost!.dataSync()[0]!);
      });
    });
    const frozen = lossOf(tf.tidy(() => frozenHead.apply(fx, { training: false }) as tf.Tensor2D));
    // arm 2: the same head and conv4 with the learner's fine-tuner: the same batches, the same dropout masks
    const model = explain('buildFineTuneModel(top stage, head)', () => buildFineTuneModel(top, head));
    const t = tuner(model, lr);
    batches.forEach((rows, s) => {
      setDropoutSeed(head, 100 + s);
      const [bx, by] = tf.tidy(() => {
        const idx = tf.tensor1d(rows, 'int32');
        return [tf.gather(below, idx), tf.gather(images.y, idx)] as [tf.Tensor4D, tf.Tensor1D];
      });
      try {
        fineLosses.push(step(t, bx, by));
      } finally {
        tf.dispose([bx, by]);
      }
    });
    const fineTuned = lossOf(explain('model.forward(images, { training: false })', () => model.forward(below, { training: false })));
    await showCurves(ctx, `batch loss per step (then on all 256 images: head alone ${frozen.toFixed(4)}, fine-tuned ${fineTuned.toFixed(4)})`, [
      { label: 'loss, head alone', values: headLosses, panel: 'training loss per step' },
      { label: 'loss, fine-tuned (yours)', values: fineLosses, panel: 'training loss per step', expected: 'to end below the head alone' },
    ], { xTitle: 'step', firstX: 1 });
    if (!(fineTuned < frozen)) {
      throw new Error(
        `loss on the 256 images after 16 steps (headLr ${lr.headLr}, backboneLr ${lr.backboneLr}) from the same head: expected fine-tuned < ` +
          `the frozen head's ${frozen.toFixed(4)}, got ${fineTuned.toFixed(4)}. With conv4 learning too, the same steps should fit ` +
          'the images better than the head alone (measured: about 2.5% lower).',
      );
    }
  });
});
