import { afterAll, beforeAll, describe, it } from 'vitest';
import { tf } from '../../src/lib/tf.js';
import { describeTensor, formatShape } from '../../src/lib/describe.js';
import { loadBundledPair } from '../../src/lib/data/bundled.js';
import { loadBackbone, type Backbone } from '../../src/lib/models/backbones.js';
import type { TransferModel } from '../../src/lib/classifier.js';
import { pathFromUrl, readTextFile } from '../../src/lib/files.js';
import { buildModel } from './build-model.js';
import { checkDevice, type DeviceWanted } from './device.js';
import type { DeviceFacts } from '../../src/lib/device.js';

// ---------- fixtures ----------

// Through the file loader (src/lib/files.ts): from disk under Node, from the dev server in the browser.
const fixture = JSON.parse(readTextFile(pathFromUrl(new URL('./pretrained-features.json', import.meta.url)))) as {
  indices: number[];
  features: number[][];
};
const data = loadBundledPair();
let images: tf.Tensor4D; // float32 [6,28,28,1], bundled test images (Dress and Coat)
let backbone: Backbone; // resnet-mini with the committed pretrained weights, shared by the frozen tests

beforeAll(async () => {
  const t = data.test.subset(fixture.indices).toTensors();
  images = t.x;
  t.y.dispose();
  backbone = await loadBackbone('resnet-mini');
});
afterAll(() => {
  images.dispose();
  backbone.model.dispose();
});

/** Builds a model on a fresh copy of the pretrained backbone (so tests cannot disturb each other). */
async function fresh(opts: Parameters<typeof buildModel>[0] = {}): Promise<TransferModel> {
  return buildModel({ backbone: await loadBackbone('resnet-mini'), ...opts });
}

function headParams(featureDim: number, numClasses: number): number {
  return featureDim * 500 + 500 + 500 * numClasses + numClasses;
}
function countParams(vars: tf.Variable[]): number {
  return vars.reduce((n, v) => n + v.size, 0);
}
function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Every backbone weight (kernels, BatchNorm gamma/beta AND moving mean/variance), copied out. */
function snapshot(m: tf.LayersModel): Map<string, Float32Array> {
  return new Map(m.weights.map((w) => [w.originalName, w.read().dataSync().slice() as Float32Array]));
}
function changedWeights(before: Map<string, Float32Array>, m: tf.LayersModel): string[] {
  return m.weights
    .filter((w) => {
      const a = before.get(w.originalName)!;
      const b = w.read().dataSync();
      return a.some((v, i) => v !== b[i]);
    })
    .map((w) => w.originalName);
}

/** One step of plain training on the head: forward in training mode, cross-entropy, Adam. */
function trainingStep(model: TransferModel, x: tf.Tensor4D, y: tf.Tensor1D): void {
  const optimizer = tf.train.adam(0.01);
  tf.tidy(() => {
    optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, model.numClasses), model.forward(x, { training: true })),
      false,
      model.trainableVariables(),
    );
  });
  optimizer.dispose();
}

// ---------- the model's output ----------

describe('kata 01 — buildModel returns logits [B, numClasses]', () => {
  it('forward(images [6,28,28,1]) gives float32 [6, 2] with the defaults', async () => {
    const model = await buildModel({ backbone });
    const out = model.forward(images, { training: false });
    const desc = describeTensor(out);
    out.dispose();
    model.head.dispose();
    if (desc !== 'float32 [6,2]') throw new Error(`logits: expected float32 [6,2] (B=6 images, numClasses=2), got ${desc}`);
  });

  it('numClasses: 5 gives logits [6, 5]', async () => {
    const model = await buildModel({ backbone, numClasses: 5 });
    const out = model.forward(images, { training: false });
    const shape = formatShape(out.shape);
    out.dispose();
    model.head.dispose();
    if (shape !== '[6,5]') throw new Error(`logits: expected shape [6,5] for numClasses 5, got ${shape}`);
  });

  it('returns logits, not probabilities: the last layer is linear (the loss applies softmax itself)', async () => {
    const model = await buildModel({ backbone });
    const last = model.head.layers[model.head.layers.length - 1]!;
    const activation = (last.getConfig() as { activation?: string }).activation;
    const out = model.forward(images, { training: false });
    const rowSums = tf.tidy(() => tf.sum(out, 1).arraySync() as number[]);
    out.dispose();
    model.head.dispose();
    const allSumToOne = rowSums.every((s) => Math.abs(s - 1) < 1e-5);
    if (activation !== 'linear' || allSumToOne) {
      throw new Error(
        `head output: expected logits from a linear Dense(numClasses), got activation '${activation}' on layer '${last.name}'` +
          (allSumToOne ? ` and rows that sum to 1 (${rowSums.map((s) => s.toFixed(4)).join(', ')}): probabilities.` : '.') +
          `\n  softmaxCrossEntropy(labels, logits) applies softmax itself; softmax twice flattens the gradient and the loss.`,
      );
    }
  });

  it('the head is Dense(500) → ReLU → Dropout → Dense(numClasses)', async () => {
    const model = await buildModel({ backbone, numClasses: 3 });
    const kinds: string[] = [];
    for (const l of model.head.layers) {
      const cfg = l.getConfig() as { units?: number; activation?: string; rate?: number };
      const cls = l.getClassName();
      if (cls === 'Dense') {
        kinds.push(`Dense(${cfg.units})`);
        if (cfg.activation && cfg.activation !== 'linear') kinds.push(cfg.activation === 'relu' ? 'ReLU' : cfg.activation);
      } else if (cls === 'Activation') kinds.push(cfg.activation === 'relu' ? 'ReLU' : String(cfg.activation));
      else if (cls === 'ReLU') kinds.push('ReLU');
      else if (cls === 'Dropout') kinds.push(cfg.rate! > 0 ? 'Dropout' : 'Dropout(0)');
      else kinds.push(cls);
    }
    model.head.dispose();
    const got = kinds.join(' → ');
    const expected = 'Dense(500) → ReLU → Dropout → Dense(3)';
    if (got !== expected) throw new Error(`head: expected ${expected}, got ${got}`);
  });

  it("a saved head loads back into a new buildModel() by weight name: the head's Dense layers have names of their own", async () => {
    // model.save writes each weight under its name, `layer/kernel`; loading matches by that name (as loadBackbone
    // does with the Keras names of the pretrained backbone). The second build stands for the next run of the program.
    const first = await buildModel({ backbone, numClasses: 3 });
    const second = await buildModel({ backbone, numClasses: 3 });
    let saved: tf.NamedTensorMap = {};
    await first.head.save(tf.io.withSaveHandler(async (a) => {
      saved = tf.io.decodeWeights(a.weightData!, a.weightSpecs!);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const inFile = Object.keys(saved);
    const inModel = second.head.weights.map((w) => w.originalName);
    let problem = '';
    try {
      second.head.loadWeights(saved); // strict: every weight of the file and of the model matched by name
      const [p, q] = [first, second].map((m) => m.forward(images, { training: false }));
      if (tf.tidy(() => tf.max(tf.abs(tf.sub(p!, q!))).dataSync()[0]) !== 0) problem = 'the loaded head computes other logits than the saved one';
      tf.dispose([p!, q!]);
    } catch (e) {
      problem = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    } finally {
      tf.dispose(Object.values(saved));
      first.head.dispose();
      second.head.dispose();
    }
    if (problem) {
      throw new Error(
        `a head saved from one buildModel() and loaded into the next: ${problem}\n` +
          `  weights in the file:    ${inFile.join(', ')}\n  weights of the new head: ${inModel.join(', ')}\n` +
          "  A layer without a name gets tfjs's automatic one (dense_Dense12), counted up with every layer the program has\n" +
          "  built: the next build's weights have other names and a saved head no longer fits. Name the head's layers\n" +
          "  (head_dense, head_relu, head_dropout, head_logits), as the backbone's Keras names (conv1_conv …) are fixed.",
      );
    }
  });

  it("the dropout option sets the head's Dropout rate: 0.5 by default, 0.2 when asked", async () => {
    const rates: number[] = [];
    for (const opts of [{}, { dropout: 0.2 }]) {
      const model = await buildModel({ backbone, ...opts });
      const d = model.head.layers.find((l) => l.getClassName() === 'Dropout');
      rates.push(d ? (d.getConfig() as { rate: number }).rate : Number.NaN);
      model.head.dispose();
    }
    if (rates[0] !== 0.5 || rates[1] !== 0.2) {
      throw new Error(
        `head Dropout rate: expected 0.5 with the defaults and 0.2 with { dropout: 0.2 }, got ${rates.join(' and ')}.\n` +
          '  An option the function accepts and then ignores is a silent bug: the caller believes it changed something.',
      );
    }
  });

  it('dropout is active with { training: true } and off with { training: false }', async () => {
    const model = await buildModel({ backbone });
    const [a, b, c, d] = [false, false, true, true].map((training) => model.forward(images, { training })) as [
      tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D,
    ];
    const same = (p: tf.Tensor, q: tf.Tensor): boolean => tf.tidy(() => tf.max(tf.abs(tf.sub(p, q)))).dataSync()[0] === 0;
    const inferenceStable = same(a, b);
    const trainingVaries = !same(c, d);
    tf.dispose([a, b, c, d]);
    model.head.dispose();
    if (!inferenceStable) throw new Error('forward({ training: false }) twice: expected identical logits (no dropout), got different ones');
    if (!trainingVaries) throw new Error('forward({ training: true }) twice: expected different logits (dropout active), got identical ones');
  });
});

// ---------- frozen means frozen ----------

describe('kata 01 — the frozen backbone', () => {
  it('loads the pretrained weights: features of 6 known images match the stored ones', async () => {
    const model = await buildModel({ backbone: 'resnet-mini' });
    const got = tf.tidy(() => {
      const f = model.backbone.model.apply(model.backbone.preprocess(images), { training: false }) as tf.Tensor2D;
      return f.arraySync();
    });
    model.dispose();
    let worst = 0;
    got.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - fixture.features[i]![j]!)))));
    if (!(worst < 1e-3)) {
      throw new Error(
        `backbone features: expected the stored features of the pretrained resnet-mini (max difference < 1e-3), got a max difference of ${worst.toPrecision(3)}. ` +
          'Is the backbone loaded with its pretrained weights (loadBackbone), not built from scratch?',
      );
    }
  });

  it('frozen (the default): no backbone weight is trainable, and only the head is: 65,502 parameters for 128 features, 2 classes', async () => {
    const model = await fresh();
    const trainableInBackbone = model.backbone.model.trainableWeights.map((w) => w.originalName);
    const got = countParams(model.trainableVariables());
    const expected = headParams(model.backbone.featureDim, 2);
    model.dispose();
    if (trainableInBackbone.length > 0) {
      throw new Error(
        `backbone: expected every weight non-trainable when freezeBackbone is true, got ${trainableInBackbone.length} trainable (e.g. ${trainableInBackbone.slice(0, 3).join(', ')})`,
      );
    }
    if (got !== expected) {
      throw new Error(`trainableVariables(): expected ${fmt(expected)} parameters (the head only), got ${fmt(got)}`);
    }
  });

  it('freezeBackbone: false makes every weight trainable: backbone + head', async () => {
    const model = await fresh({ freezeBackbone: false });
    const backboneTrainable = model.backbone.model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
    const got = countParams(model.trainableVariables());
    const expected = backboneTrainable + headParams(model.backbone.featureDim, 2);
    const nonTrainableKernels = model.backbone.model.nonTrainableWeights.filter((w) => !/moving_(mean|variance)/.test(w.originalName));
    model.dispose();
    if (nonTrainableKernels.length > 0 || got !== expected || backboneTrainable === 0) {
      throw new Error(
        `trainableVariables() with freezeBackbone false: expected ${fmt(expected)} parameters (backbone ${fmt(backboneTrainable)} + head), got ${fmt(got)}` +
          (nonTrainableKernels.length ? `; still frozen: ${nonTrainableKernels.map((w) => w.originalName).slice(0, 3).join(', ')}` : ''),
      );
    }
  });

  it('a training step changes the head and leaves every backbone weight bit-identical, BatchNorm statistics included', async () => {
    const model = await fresh();
    const before = snapshot(model.backbone.model);
    const headBefore = snapshot(model.head);
    const y = tf.tensor1d([0, 0, 0, 0, 1, 1], 'int32');
    trainingStep(model, images, y);
    y.dispose();
    const changed = changedWeights(before, model.backbone.model);
    const headChanged = changedWeights(headBefore, model.head);
    model.dispose();
    if (changed.length > 0) {
      throw new Error(
        `backbone after one training step: expected every weight unchanged, got ${changed.length} changed, e.g. ${changed.slice(0, 4).join(', ')}.\n` +
          '  Trainable weights change when the optimizer may touch them; BatchNorm moving_mean/moving_variance change when the\n' +
          '  backbone runs with { training: true } — tfjs updates them in training mode even for a non-trainable layer.',
      );
    }
    if (headChanged.length === 0) throw new Error('head after one training step: expected its weights to change, got none changed');
  });

  it('freezeBackbone: false fine-tunes the backbone in training mode: a step moves its kernels AND its BatchNorm statistics', async () => {
    const model = await fresh({ freezeBackbone: false });
    const before = snapshot(model.backbone.model);
    const y = tf.tensor1d([0, 0, 0, 0, 1, 1], 'int32');
    trainingStep(model, images, y);
    y.dispose();
    const changed = changedWeights(before, model.backbone.model);
    model.dispose();
    const stats = changed.filter((n) => /moving_(mean|variance)/.test(n));
    const kernels = changed.filter((n) => !/moving_(mean|variance)/.test(n));
    if (kernels.length === 0 || stats.length === 0) {
      throw new Error(
        `backbone after one training step with freezeBackbone: false: expected its kernels and its BatchNorm moving_mean/moving_variance to change, ` +
          `got ${kernels.length} kernels and ${stats.length} BatchNorm statistics changed.\n` +
          '  An unfrozen backbone is being fine-tuned: it must run with { training: true } in a training forward, so its BatchNorm\n' +
          '  layers normalise with batch statistics and update their moving averages. The mode depends on BOTH training and\n' +
          '  freezeBackbone: a backbone hard-coded to { training: false } trains its kernels against frozen statistics.',
      );
    }
  });
});

// ---------- bad input ----------

describe('kata 01 — numClasses is checked', () => {
  for (const bad of [1, 0, -2, 2.5, Number.NaN, '2' as unknown as number]) {
    const shown = typeof bad === 'string' ? JSON.stringify(bad) : String(bad);
    it(`rejects numClasses ${shown} with an error naming numClasses and the value`, async () => {
      let message: string | undefined;
      let built: TransferModel | undefined;
      try {
        built = await buildModel({ backbone, numClasses: bad });
      } catch (e) {
        message = (e as Error).message;
      }
      built?.head.dispose();
      if (message === undefined) {
        throw new Error(`buildModel({ numClasses: ${shown} }): expected an Error naming numClasses, got a model`);
      }
      if (!message.includes('numClasses') || !message.includes(shown)) {
        throw new Error(`buildModel({ numClasses: ${shown} }) threw, but the message should name numClasses and the value ${shown}: "${message}"`);
      }
    });
  }
});

describe('kata 01 — memory', () => {
  it('forward leaks no tensor', async () => {
    const model = await buildModel({ backbone });
    const before = tf.memory().numTensors;
    model.forward(images, { training: true }).dispose();
    model.forward(images, { training: false }).dispose();
    const after = tf.memory().numTensors;
    model.head.dispose();
    if (after !== before) throw new Error(`tf.memory().numTensors: expected ${before} after two forward passes, got ${after}`);
    // dispose() frees what the model holds, the backbone's weights and the head's: a model built per experiment must not stay.
    const empty = tf.memory().numTensors;
    const own = await fresh();
    const held = tf.memory().numTensors - empty;
    own.dispose();
    const left = tf.memory().numTensors - empty;
    if (left !== 0) {
      throw new Error(`model.dispose(): expected the ${held} tensors the model holds (backbone and head weights) freed, got ${left} still alive — dispose the head and bb.model`);
    }
  });
});

// ---------- part 2: the device, checked, not assumed ----------

/** Facts as each runtime reports them (the strings tfjs-node's and the browser's backend lines carry). */
const FACTS = {
  nodeGpuFellBack: { backend: 'tensorflow', detail: 'native CPU: libtensorflow found no usable CUDA GPU (needs CUDA 11.2 + cuDNN 8.1; npm run doctor)' },
  nodeGpu: { backend: 'tensorflow', detail: 'GPU: NVIDIA A100-SXM4-40GB' },
  swiftShaderWebgl: { backend: 'webgl', detail: 'adapter: ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)' },
  swiftShaderWebgpu: { backend: 'webgpu', detail: 'adapter: google swiftshader Google SwiftShader' },
  llvmpipe: { backend: 'webgl', detail: 'adapter: ANGLE (Mesa, llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5)' },
  lavapipe: { backend: 'webgpu', detail: 'adapter: mesa cpu llvmpipe (LLVM 15.0.6, 256 bits) lavapipe' },
  basicRender: { backend: 'webgl', detail: 'adapter: ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)' },
  nvidiaWebgl: { backend: 'webgl', detail: 'adapter: ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)' },
  appleWebgpu: { backend: 'webgpu', detail: 'adapter: apple metal-3 Apple M2' },
  wasm: { backend: 'wasm', detail: 'SIMD, 2 threads: 2 cores (os.availableParallelism())' },
  cpu: { backend: 'cpu', detail: 'pure JavaScript' },
} satisfies Record<string, DeviceFacts>;

function expectThrows(wanted: DeviceWanted, facts: DeviceFacts, mentions: string[], why: string): void {
  let kind: string | undefined;
  try {
    kind = checkDevice(wanted, facts);
  } catch (e) {
    const msg = (e as Error).message;
    const missing = mentions.filter((m) => !msg.toLowerCase().includes(m.toLowerCase()));
    if (missing.length > 0) {
      throw new Error(`checkDevice(${JSON.stringify(wanted)}, ${facts.backend} "${facts.detail}") threw, as it should, but its message does not name ${missing.map((m) => `"${m}"`).join(', ')}: "${msg}"`);
    }
    return;
  }
  throw new Error(
    `checkDevice(${JSON.stringify(wanted)}, ${facts.backend} "${facts.detail}"): expected it to throw (${why}), got a normal return '${kind}' — ` +
      `the kind must come from what the backend in use reports, not from what was asked for`,
  );
}

describe('kata 01 — the device: checked, not assumed', () => {
  it('asked for a GPU, tfjs-node-gpu fell back to the CPU (no CUDA): throws, naming gpu, tensorflow and the CPU', () => {
    expectThrows({ kind: 'gpu' }, FACTS.nodeGpuFellBack, ['gpu', 'tensorflow', 'native CPU'], 'libtensorflow runs on the CPU');
  });

  it('asked for a GPU, the browser renders in software (SwiftShader, WebGL and WebGPU): throws, naming the adapter', () => {
    expectThrows({ kind: 'gpu' }, FACTS.swiftShaderWebgl, ['gpu', 'webgl', 'SwiftShader'], 'SwiftShader is the CPU drawing');
    expectThrows({ kind: 'gpu', backend: 'webgpu' }, FACTS.swiftShaderWebgpu, ['gpu', 'webgpu', 'SwiftShader'], 'a SwiftShader WebGPU adapter');
  });

  it('llvmpipe, lavapipe and Microsoft Basic Render Driver are software too: not a GPU, and accepted when software is asked for', () => {
    for (const f of [FACTS.llvmpipe, FACTS.lavapipe, FACTS.basicRender]) {
      expectThrows({ kind: 'gpu' }, f, ['gpu', f.backend], 'a software renderer');
      const kind = checkDevice({ kind: 'software' }, f);
      if (kind !== 'software') throw new Error(`checkDevice({ kind: 'software' }, ${f.backend} "${f.detail}"): expected 'software', got '${kind}'`);
    }
  });

  it('asked for webgpu, the backend in use is webgl (on a real GPU): throws, naming both backends', () => {
    expectThrows({ backend: 'webgpu', kind: 'gpu' }, FACTS.nvidiaWebgl, ['webgpu', 'webgl'], 'the backend in use is not the one asked for');
  });

  it('asked for a CPU, the backend is tfjs-node on a GPU: throws (a check, not a wish, in both directions)', () => {
    expectThrows({ kind: 'cpu' }, FACTS.nodeGpu, ['cpu', 'gpu', 'NVIDIA'], 'libtensorflow runs on a GPU');
  });

  it('a backend it does not know, or a GPU backend that names no adapter, is not assumed to be anything: throws', () => {
    expectThrows({ kind: 'cpu' }, { backend: 'mystery', detail: '' }, ['mystery'], 'an unknown backend');
    expectThrows({ kind: 'gpu' }, { backend: 'webgl', detail: '' }, ['webgl'], 'nothing says what is behind webgl');
    expectThrows({ kind: 'gpu' }, { backend: 'webgpu', detail: '  ' }, ['webgpu'], 'blanks say nothing either: what is behind webgpu is unknown');
  });

  it('returns the kind when the device is what was asked for: wasm and cpu, tfjs-node-gpu on CUDA, WebGL on NVIDIA, WebGPU on Apple', () => {
    const cases: [DeviceWanted, DeviceFacts, string][] = [
      [{ kind: 'cpu' }, FACTS.wasm, 'cpu'],
      [{ kind: 'cpu', backend: 'cpu' }, FACTS.cpu, 'cpu'],
      [{ kind: 'cpu' }, FACTS.nodeGpuFellBack, 'cpu'],
      [{ kind: 'gpu' }, FACTS.nodeGpu, 'gpu'],
      [{ kind: 'gpu', backend: 'webgl' }, FACTS.nvidiaWebgl, 'gpu'],
      [{ kind: 'gpu', backend: 'webgpu' }, FACTS.appleWebgpu, 'gpu'],
      [{ kind: 'software' }, FACTS.swiftShaderWebgl, 'software'],
    ];
    for (const [wanted, facts, expected] of cases) {
      let got: string;
      try {
        got = checkDevice(wanted, facts);
      } catch (e) {
        throw new Error(`checkDevice(${JSON.stringify(wanted)}, ${facts.backend} "${facts.detail}"): expected '${expected}', got an error: ${(e as Error).message}`);
      }
      if (got !== expected) throw new Error(`checkDevice(${JSON.stringify(wanted)}, ${facts.backend} "${facts.detail}"): expected '${expected}', got '${got}'`);
    }
  });

  it('by default it checks the backend this run really uses (tf.getBackend()): asking for backend "no-such-backend" throws, naming it', () => {
    const inUse = tf.getBackend();
    let msg: string | null = null;
    try {
      checkDevice({ backend: 'no-such-backend', kind: 'cpu' }); // facts: the default, deviceFacts()
    } catch (e) {
      msg = (e as Error).message;
    }
    if (msg === null || !msg.includes('no-such-backend') || !msg.includes(inUse)) {
      throw new Error(
        `checkDevice({ backend: 'no-such-backend', kind: 'cpu' }) with the default facts: expected an error naming no-such-backend and the backend in use (${inUse}), ` +
          `got ${msg === null ? 'a normal return' : `"${msg}"`}`,
      );
    }
  });
});
