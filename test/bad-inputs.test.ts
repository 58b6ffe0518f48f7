/**
 * The bad-input catalogue: every row is one wrong input to the library or a CLI, and the clear error it
 * must get — naming the argument, what was expected and what was given — instead of a raw tfjs stack,
 * a NaN or a silently wrong number. Then the runtime guards (a diverging run stops and keeps its last good
 * checkpoint) and save → load round trips that must be bit-identical.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../src/lib/tf.js';
import { DataLoader, InMemoryDataset, trainValSplit } from '../src/lib/data/dataset.js';
import { encodeIdx, readIdx } from '../src/lib/data/idx.js';
import { locateFashionMnist } from '../src/lib/data/fashion-mnist.js';
import { loadBackbone, type Backbone } from '../src/lib/models/backbones.js';
import { resnetMini } from '../src/lib/models/resnet-mini.js';
import { loadModel, loadWeightsInto, saveModel, WEIGHTS_BIN } from '../src/lib/models/io.js';
import { repoRoot } from '../src/course/manifest.js';
import { guardLabels } from '../src/reference/loader.js';
import { assertFiniteLoss, loadCheckpoint, NonFiniteLossError, withCheckpoint } from '../src/lib/guards/index.js';
import { buildModel } from '../solutions/01-build-model/build-model.js';
import { train } from '../solutions/02-training-loop/training-loop.js';
import { accuracy } from '../solutions/05-squeeze/squeeze.js';

// ---------- fixtures ----------

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bad-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SHAPE: [number, number, number] = [28, 28, 1];
const PER = 28 * 28;
const pixels = (n: number, fill = 0.5): Float32Array => new Float32Array(n * PER).fill(fill);
const ds = (n: number): InMemoryDataset => new InMemoryDataset(pixels(n), new Int32Array(n), SHAPE, ['a', 'b']);

let backbone: Backbone; // resnet-mini, seeded random weights (nothing here depends on pretraining)
let headDir: string; // a saved TransferModel head (Dense layers): weights for another architecture than resnet-mini
let truncatedDir: string; // a saved model whose weights.bin lost its last 100 bytes

function writeFile(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  return file;
}

beforeAll(async () => {
  backbone = await loadBackbone('resnet-mini', { weights: 'random', seed: 3 });
  const model = await buildModel({ backbone });
  headDir = path.join(tmp, 'head');
  await saveModel(model.head, headDir);
  truncatedDir = path.join(tmp, 'truncated');
  await saveModel(model.head, truncatedDir);
  const bin = path.join(truncatedDir, WEIGHTS_BIN);
  const bytes = readFileSync(bin);
  writeFileSync(bin, bytes.subarray(0, bytes.length - 100));
  model.head.dispose();
});
afterAll(() => backbone.model.dispose());

/** Runs the kata CLI (node with tsx's loader, what `npm run kata` runs), with a timeout. */
function kataCli(args: string[], env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/kata.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stderr}\n${r.stdout}` };
}

/** A CLI row "throws" the CLI's output when it exits with the expected code; anything else is returned as a failure. */
function cliRow(args: string[], wantCode: number, env: Record<string, string> = {}): () => unknown {
  return () => {
    const { code, out } = kataCli(args, env);
    if (code === wantCode) throw new Error(out.trim());
    return `exit code ${code} (expected ${wantCode}); output: ${out.trim().slice(0, 300)}`;
  };
}

// ---------- the catalogue ----------

interface Row {
  what: string;
  call: () => unknown;
  /** Fragments the message must contain: the argument's name, the expected value, the actual value. */
  expect: [argument: string, expected: string, actual: string];
}

const t = <T extends tf.Tensor>(make: () => T): T => make(); // tensors made per row and never needed again (the error happens first)

const rows: Row[] = [
  // labels — the pipeline's entry point guardLabels (kata 05's squeeze, then kata 04's cast)
  { what: 'labels float 1.9', call: () => guardLabels(t(() => tf.tensor1d([0, 1, 1.9, 0])), 2), expect: ['labels[2]', 'expected an integer class index in [0, 2)', 'got 1.9'] },
  { what: 'labels NaN', call: () => guardLabels(t(() => tf.tensor1d([0, NaN])), 2), expect: ['labels[1]', 'in [0, 2)', 'got NaN'] },
  { what: 'labels out of range (2 with numClasses 2)', call: () => guardLabels(t(() => tf.tensor1d([0, 2], 'int32')), 2), expect: ['labels[1]', 'in [0, 2)', 'got 2'] },
  { what: 'labels negative (-1)', call: () => guardLabels(t(() => tf.tensor1d([-1, 0], 'int32')), 2), expect: ['labels[0]', 'in [0, 2)', 'got -1'] },
  { what: 'labels as strings', call: () => guardLabels(t(() => tf.tensor1d(['0', '1'])), 2), expect: ['labels', 'expected numbers', 'string tensor'] },
  { what: 'labels one-hot [4,2]', call: () => guardLabels(t(() => tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2)), 2), expect: ['labels', 'expected [B] or [B,1]', 'shape [4,2]'] },
  { what: 'labels [4,1,1]', call: () => guardLabels(t(() => tf.zeros([4, 1, 1], 'int32')), 2), expect: ['labels', 'expected [B] or [B,1]', 'shape [4,1,1]'] },
  {
    what: 'accuracy with targets [4,1] against logits [4,2]',
    call: () => accuracy(t(() => tf.zeros([4, 2])) as tf.Tensor2D, t(() => tf.zeros([4, 1], 'int32')) as unknown as tf.Tensor1D),
    expect: ['targets', 'expected targets [4]', 'shape [4,1]'],
  },
  // images — InMemoryDataset
  { what: 'InMemoryDataset shape of rank 2', call: () => new InMemoryDataset(pixels(1), new Int32Array(1), [28, 28] as unknown as [number, number, number], ['a', 'b']), expect: ['InMemoryDataset shape', 'expected [H, W, C]', '[28,28]'] },
  { what: 'InMemoryDataset images 0..255', call: () => new InMemoryDataset(pixels(2, 255), new Int32Array(2), SHAPE, ['a', 'b']), expect: ['InMemoryDataset images', 'expected pixel values in [0, 1]', 'got 255'] },
  {
    what: 'InMemoryDataset image with a NaN pixel',
    call: () => {
      const p = pixels(2);
      p[PER + 5] = NaN;
      return new InMemoryDataset(p, new Int32Array(2), SHAPE, ['a', 'b']);
    },
    expect: ['InMemoryDataset images', 'expected pixel values in [0, 1]', 'got NaN at image 1'],
  },
  { what: 'InMemoryDataset images as bytes (Uint8Array)', call: () => new InMemoryDataset(new Uint8Array(PER) as unknown as Float32Array, new Int32Array(1), SHAPE, ['a', 'b']), expect: ['InMemoryDataset images', 'expected a Float32Array', 'got Uint8Array'] },
  { what: 'x/y length mismatch (3 images, 4 labels)', call: () => new InMemoryDataset(pixels(3), new Int32Array(4), SHAPE, ['a', 'b']), expect: ['InMemoryDataset images', 'expected 4 labels × 28×28×1 = 3136 values', 'got 2352'] },
  { what: 'InMemoryDataset label 2 with 2 class names', call: () => new InMemoryDataset(pixels(2), new Int32Array([0, 2]), SHAPE, ['a', 'b']), expect: ['InMemoryDataset labels', 'expected class indices 0..1', 'got 2'] },
  // images — the backbone's preprocess and a Classifier's forward (kata 01's buildModel)
  { what: 'backbone preprocess: image of rank 3', call: () => backbone.preprocess(t(() => tf.zeros([28, 28, 1])) as unknown as tf.Tensor4D), expect: ['x', 'expected [batch, height, width, channels]', 'got shape [28, 28, 1]'] },
  { what: 'backbone preprocess: int32 images', call: () => backbone.preprocess(t(() => tf.zeros([1, 28, 28, 1], 'int32'))), expect: ['x', 'expected float32', 'got dtype int32'] },
  { what: 'backbone preprocess: images 0..255', call: () => backbone.preprocess(t(() => tf.fill([2, 28, 28, 1], 255))), expect: ['x', 'expected pixel values in [0, 1]', 'got 255'] },
  {
    what: 'Classifier forward (kata 01 buildModel): a NaN image',
    call: async () => {
      const model = await buildModel({ backbone });
      const x = tf.tidy(() => tf.concat([tf.zeros([1, 28, 28, 1]), tf.fill([1, 28, 28, 1], NaN)]) as tf.Tensor4D);
      try {
        return model.forward(x, { training: false });
      } finally {
        x.dispose();
        model.head.dispose();
      }
    },
    expect: ['x', 'expected pixel values in [0, 1]', 'got NaN at image 1'],
  },
  {
    what: 'Classifier forward (kata 01 buildModel): 5 channels',
    call: async () => {
      const model = await buildModel({ backbone });
      try {
        return model.forward(t(() => tf.zeros([1, 28, 28, 5])) as tf.Tensor4D, { training: false });
      } finally {
        model.head.dispose();
      }
    },
    expect: ['x', 'expected 1 channels', 'got shape [1, 28, 28, 5]'],
  },
  // datasets and loaders
  { what: 'empty dataset', call: () => new DataLoader(ds(0), { batchSize: 4 }), expect: ['DataLoader dataset', 'expected at least one example', 'got an empty dataset'] },
  { what: 'batch size 0', call: () => new DataLoader(ds(2), { batchSize: 0 }), expect: ['DataLoader batchSize', 'expected a positive integer', 'got 0'] },
  { what: 'batch size -4', call: () => new DataLoader(ds(2), { batchSize: -4 }), expect: ['DataLoader batchSize', 'expected a positive integer', 'got -4'] },
  { what: 'batch size 2.5', call: () => new DataLoader(ds(2), { batchSize: 2.5 }), expect: ['DataLoader batchSize', 'expected a positive integer', 'got 2.5'] },
  { what: 'validation fraction 1.5', call: () => trainValSplit(ds(4), 1.5, 0), expect: ['valFraction', 'strictly between 0 and 1', 'got 1.5'] },
  // models
  { what: 'numClasses 1 (buildModel)', call: () => buildModel({ backbone, numClasses: 1 }), expect: ['numClasses', 'expected an integer >= 2', 'got 1'] },
  { what: 'an unknown backbone name', call: () => loadBackbone('resnet18' as 'resnet-mini'), expect: ['name', 'expected one of resnet-mini, resnet50', 'got "resnet18"'] },
  { what: 'backbone weights path that does not exist', call: () => loadBackbone('resnet-mini', { weights: path.join(tmp, 'no-weights-here') }), expect: ['weights', 'expected pretrained weights at', 'got no such path'] },
  {
    what: 'a weights file for another architecture (head weights into resnet-mini)',
    call: async () => {
      const m = resnetMini({ seed: 1 });
      try {
        return await loadWeightsInto(m, headDir);
      } finally {
        m.dispose();
      }
    },
    expect: ['conv1_conv/kernel', 'a weights file for another architecture: expected resnet-mini weight conv1_conv/kernel shape [3, 3, 1, 16]', 'got none in the file'],
  },
  { what: 'a truncated weights.bin', call: () => loadModel(truncatedDir), expect: [WEIGHTS_BIN, 'expected 262008 bytes', 'got 261908 bytes'] },
  { what: 'train (kata 02) without a model', call: () => train({ model: undefined as never, optimizer: tf.train.sgd(0.1), trainLoader: new DataLoader(ds(2), { batchSize: 2 }), valLoader: new DataLoader(ds(2), { batchSize: 2 }), epochs: 1 }), expect: ['train model', 'expected a Classifier', 'got undefined'] },
  { what: 'a NaN loss (assertFiniteLoss)', call: () => assertFiniteLoss(NaN, { epoch: 3, batch: 7 }), expect: ['epoch 3, batch 7: loss', 'expected a finite number', 'got NaN'] },
  // data files
  { what: 'IDX file with a bad magic number', call: () => readIdx(writeFile('bad-magic.idx', new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]))), expect: ['bad-magic.idx', 'expected 0x00 0x00 <type> <rank>', 'got 0x01 0x02 0x08 0x01'] },
  { what: 'IDX file with a truncated payload', call: () => readIdx(writeFile('truncated.idx', encodeIdx([1, 28, 28], new Uint8Array(PER)).subarray(0, 16 + 700))), expect: ['truncated.idx', 'need 784 bytes', 'got 700 bytes'] },
  { what: 'IDX .gz file cut in the middle', call: () => readIdx(writeFile('cut.idx.gz', zlib.gzipSync(encodeIdx([2, 28, 28], new Uint8Array(2 * PER).fill(7))).subarray(0, 30))), expect: ['cut.idx.gz', 'expected gzip data', 'gunzip failed'] },
  { what: 'FASHION_MNIST_DIR pointing nowhere', call: () => locateFashionMnist({ env: { FASHION_MNIST_DIR: path.join(tmp, 'nowhere') }, allowDownload: false }), expect: ['FASHION_MNIST_DIR', 'expected an existing folder', `got "${path.join(tmp, 'nowhere')}"`] },
  // the CLIs
  { what: 'npm run kata 99 (an unknown kata): exit code 2', call: cliRow(['99'], 2), expect: ['kata', 'The katas are:', 'unknown kata "99"'] },
  {
    what: 'a corrupted progress file (truncated JSON): moved aside with a warning',
    call: () => {
      const root = path.join(tmp, 'course');
      cpSync(path.join(repoRoot, 'test/fixtures/course'), root, { recursive: true });
      writeFileSync(path.join(root, '.kata-progress.json'), '{"solved": ["00-fix');
      return cliRow([], 0, { KATA_ROOT: root })();
    },
    expect: ['.kata-progress.json is corrupted', 'expected valid JSON', 'got a parse error'],
  },
];

describe(`bad-input catalogue: ${rows.length} bad inputs, each a clear error naming the argument, the expected and the actual value`, () => {
  it('has at least 25 distinct rows', () => {
    expect(new Set(rows.map((r) => r.what)).size).toBe(rows.length);
    expect(rows.length).toBeGreaterThanOrEqual(25);
  });

  rows.forEach((row, i) => {
    it(`${String(i + 1).padStart(2, '0')}. ${row.what}`, async () => {
      let returned: unknown;
      let message: string | undefined;
      try {
        returned = await row.call();
      } catch (e) {
        message = e instanceof Error ? e.message : String(e);
      }
      if (returned instanceof tf.Tensor) returned.dispose();
      if (message === undefined) {
        throw new Error(`${row.what}: expected an Error naming ${row.expect.map((f) => JSON.stringify(f)).join(', ')}, got no error (returned ${typeof returned === 'string' ? returned : typeof returned})`);
      }
      if (process.env.SHOW_MESSAGES) console.log(`ROW ${row.what}\n  ${message.split("\n").slice(0, 3).join("\n  ")}`);
      const first = message.split('\n').find((l) => l.trim() !== '') ?? '';
      if (/^\s+at\s/.test(first) || /^\s*at .*node_modules/.test(first)) throw new Error(`${row.what}: the message starts with a stack line: ${first}`);
      if (/\n\s+at .*node_modules/.test(message)) throw new Error(`${row.what}: the message carries a raw stack from node_modules:\n${message.slice(0, 600)}`);
      const missing = row.expect.filter((f) => !message!.includes(f));
      if (missing.length) {
        throw new Error(`${row.what}: the error should contain ${missing.map((m) => JSON.stringify(m)).join(', ')}\n  message: ${message.slice(0, 500)}`);
      }
    });
  });
});

// ---------- runtime guards: a diverging run stops and keeps its last good checkpoint ----------

describe('runtime guards: NonFiniteLossError and withCheckpoint', () => {
  it('a run that diverges (lr 0.01, then 1e10) stops with a clear message, and the checkpoint on disk holds the last good epoch, finite', async () => {
    const dir = path.join(tmp, 'checkpoint');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] });
    const x = tf.randomUniform([32, 8], -1, 1, 'float32', 5);
    const y = tf.randomUniform([32, 1], -1, 1, 'float32', 6);
    const optimizer = tf.train.sgd(0.01);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const atEpochEnd = new Map<number, number[]>();
    let error: unknown;
    try {
      await withCheckpoint({
        model,
        dir,
        epochs: 8,
        runEpoch: async (epoch) => {
          if (epoch === 2) optimizer.setLearningRate(1e10); // the bad learning rate arrives
          let sum = 0;
          for (let b = 0; b < 4; b++) {
            const loss = tf.tidy(() => {
              const xb = x.slice([b * 8, 0], [8, 8]);
              const yb = y.slice([b * 8, 0], [8, 1]);
              return optimizer.minimize(() => tf.losses.meanSquaredError(yb, model.apply(xb) as tf.Tensor) as tf.Scalar, true, vars)!;
            });
            const v = (await loss.data())[0]!;
            loss.dispose();
            assertFiniteLoss(v, { epoch, batch: b });
            sum += v;
          }
          atEpochEnd.set(epoch, model.getWeights().flatMap((w) => Array.from(w.dataSync())));
          return sum / 4;
        },
      });
    } catch (e) {
      error = e;
    }
    tf.dispose([x, y]);
    optimizer.dispose();
    if (!(error instanceof NonFiniteLossError)) throw new Error(`expected a NonFiniteLossError, got ${error === undefined ? 'a finished run' : String(error)}`);
    if (process.env.SHOW_MESSAGES) console.log(`GUARD ${error.message}`);
    const ck = error.checkpoint;
    if (!ck) throw new Error(`expected the error to name the last good checkpoint, got none: ${error.message}`);
    expect(error.message).toContain(`training stopped at epoch ${error.where.epoch}`);
    expect(error.message).toMatch(/loss: expected a finite number, got (NaN|Infinity|-Infinity)/);
    expect(error.message).toContain(`last good checkpoint (epoch ${ck.epoch}`);
    expect(error.message).toContain(dir);
    expect(error.where.epoch).toBeGreaterThanOrEqual(2);
    expect(ck.epoch).toBe(error.where.epoch - 1); // every epoch before the bad one was good, and checkpointed
    const loaded = await loadCheckpoint(dir);
    const onDisk = loaded.model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    loaded.model.dispose();
    model.dispose();
    expect(loaded.epoch).toBe(ck.epoch);
    expect(onDisk.every((v) => Number.isFinite(v))).toBe(true);
    expect(onDisk).toEqual(atEpochEnd.get(ck.epoch));
  });

  it('assertFiniteLoss accepts finite numbers and names Infinity', () => {
    expect(() => assertFiniteLoss(0.25, { epoch: 0, batch: 0 })).not.toThrow();
    expect(() => assertFiniteLoss(Infinity, { epoch: 1 })).toThrow(/training stopped at epoch 1: loss: expected a finite number, got Infinity/);
  });
});

// ---------- save → load is bit-identical ----------

describe('saveModel → loadModel gives bit-identical predictions', () => {
  it('a TransferModel head (kata 01 buildModel)', async () => {
    const model = await buildModel({ backbone });
    const dir = path.join(tmp, 'rt-head');
    await saveModel(model.head, dir);
    const loaded = await loadModel(dir);
    const f = tf.randomNormal([5, backbone.featureDim], 0, 1, 'float32', 8);
    const a = Array.from((model.head.predict(f) as tf.Tensor).dataSync());
    const b = Array.from((loaded.predict(f) as tf.Tensor).dataSync());
    tf.dispose(f);
    model.head.dispose();
    loaded.dispose();
    expect(b).toEqual(a);
  });

  it('a full resnet-mini (BatchNorm statistics included)', async () => {
    const m = resnetMini({ seed: 9 });
    // Move the BatchNorm statistics away from their initial 0/1, so a lost statistic would show.
    tf.tidy(() => {
      m.apply(tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 10), { training: true });
    });
    const dir = path.join(tmp, 'rt-resnet-mini');
    await saveModel(m, dir);
    const loaded = await loadModel(dir);
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 11);
    const a = Array.from((m.predict(x) as tf.Tensor).dataSync());
    const b = Array.from((loaded.predict(x) as tf.Tensor).dataSync());
    tf.dispose(x);
    m.dispose();
    loaded.dispose();
    expect(b).toEqual(a);
  });
});
