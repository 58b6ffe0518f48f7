/**
 * One tfjs variant of `npm run bench`, in its own process (spawned by src/cli/bench.ts), printing one JSON line.
 *
 *   KATA_BACKEND=wasm|cpu KATA_THREADS=T tsx bench/run-variant.ts --variant wasm|wasm-threads|wasm-dp|cpu
 *       --export DIR --parts check,raw,e2e,cached,resnet50 [--parallel N] [--reduced-batch B]
 *
 * The backend and its threads come from src/lib/tf.ts (KATA_BACKEND, KATA_THREADS: src/cli/bench.ts sets them per
 * variant); wasm-dp runs --parallel N data-parallel replicas (src/lib/threads/data-parallel.ts), one thread each.
 */
import path from 'node:path';
import { tf, backendLine } from '../src/lib/tf.js';
import { loadBackbone } from '../src/lib/models/backbones.js';
import { loadWeightsInto } from '../src/lib/models/io.js';
import { buildResNet50 } from '../src/lib/models/resnet50.js';
import { loadBenchData, gather } from './data.js';
import { HEAD_TFJS, RAW_TFJS, type Manifest } from './export.js';
import { buildHead, buildRawModel } from './models.js';
import { rawStepDataParallel } from './data-parallel.js';
import { e2eCached, e2eSeedLoop, e2eSeedLoopPerEpoch, lossCheck, rawStep, trainableVars } from './workloads.js';
import { readFileSync } from 'node:fs';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`run-variant: --${name} is required`);
  return v;
}

const variant = arg('variant');
const dir = arg('export');
const parts = new Set(arg('parts').split(','));
const threads = Number(arg('parallel', '2'));
const reducedBatch = Number(arg('reduced-batch', '0'));
const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;

const LABELS: Record<string, string> = {
  wasm: 'tfjs wasm, 1 thread + project kernels',
  'wasm-threads': `tfjs wasm, ${threads} XNNPACK threads + project kernels`,
  'wasm-dp': `tfjs wasm, ${threads} data-parallel workers + project kernels`,
  cpu: 'tfjs cpu backend (stock)',
};
if (!(variant in LABELS)) throw new Error(`run-variant: --variant: expected one of ${Object.keys(LABELS).join(', ')}, got ${variant}`);
const backendInfo = backendLine();
const out: Record<string, unknown> = { variant, backend: tf.getBackend(), detail: LABELS[variant], backendInfo };
const log = (s: string): void => void process.stderr.write(`[${variant}] ${s}\n`);

const d = loadBenchData(m.e2e.epochs);
const B = m.batchSize;
const adamRaw = { lr: m.raw.lr, epsilon: m.raw.epsilon };
const adamE2e = { lr: m.e2e.lr, epsilon: m.e2e.epsilon };

async function rawModel(): Promise<tf.LayersModel> {
  const model = buildRawModel();
  await loadWeightsInto(model, path.join(dir, RAW_TFJS));
  return model;
}
async function headModel(featureDim: number): Promise<tf.Sequential> {
  const head = buildHead(featureDim, m.e2e.dropout);
  await loadWeightsInto(head, path.join(dir, HEAD_TFJS));
  return head;
}
const backbone = parts.has('check') || parts.has('e2e') || parts.has('cached') ? await loadBackbone('resnet-mini') : undefined;

if (parts.has('check')) {
  const raw = await rawModel();
  const { x, y } = gather(d, Int32Array.from({ length: m.check.batch }, (_, i) => i));
  const rawPair = lossCheck((v) => raw.apply(v, { training: true }) as tf.Tensor2D, trainableVars(raw), x, y, m.check.lr);
  const head = await headModel(backbone!.featureDim);
  const fwd = (v: tf.Tensor4D): tf.Tensor2D =>
    head.apply(backbone!.model.apply(backbone!.preprocess(v), { training: false }), { training: false }) as tf.Tensor2D;
  const e2ePair = lossCheck(fwd, trainableVars(head), x, y, m.check.lr);
  out.check = { raw: rawPair, e2e: e2ePair };
  tf.dispose([x, y]);
  raw.dispose();
  head.dispose();
  log('check done');
}

if (parts.has('raw')) {
  if (variant === 'wasm-dp') {
    out.raw = await rawStepDataParallel(path.join(dir, RAW_TFJS), { ...adamRaw, batchSize: B, steps: m.raw.steps, warmup: m.raw.warmup, workers: threads, epochs: m.e2e.epochs });
  } else {
    const model = await rawModel();
    const batchSize = reducedBatch > 0 ? reducedBatch : B;
    const steps = variant === 'cpu' ? 1 : m.raw.steps;
    const warmup = variant === 'cpu' ? 1 : m.raw.warmup;
    out.raw = await rawStep(model, d, { ...adamRaw, batchSize, steps, warmup });
    model.dispose();
  }
  log('raw done');
}

if (parts.has('e2e')) {
  const head = await headModel(backbone!.featureDim);
  const o = { ...adamE2e, batchSize: B, epochs: m.e2e.epochs, reference: m.e2e.reference };
  out.e2e = variant === 'cpu'
    ? await e2eSeedLoopPerEpoch(backbone!, head, d, { ...o, maxTrainBatches: 2, maxValBatches: 1 })
    : await e2eSeedLoop(backbone!, head, d, o);
  head.dispose();
  log('e2e done');
}

if (parts.has('cached')) {
  const head = await headModel(backbone!.featureDim);
  out.cached = await e2eCached(backbone!, head, d, { ...adamE2e, batchSize: B, epochs: m.e2e.epochs, reference: m.e2e.reference });
  head.dispose();
  log('cached done');
}

if (parts.has('resnet50')) {
  const r = m.resnet50;
  const batch = variant === 'cpu' ? 1 : r.batch;
  const iters = variant === 'cpu' ? 1 : r.iters;
  const warmup = variant === 'cpu' ? 0 : r.warmup;
  const model = buildResNet50({ inputShape: [r.size, r.size, 3], seed: 0 });
  const x = tf.mul(tf.randomUniform([batch, r.size, r.size, 3], 0, 1, 'float32', 1), 255);
  for (let i = 0; i < warmup; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const seconds = (performance.now() - t0) / 1000;
  out.resnet50 = { imagesPerSec: (batch * iters) / seconds, seconds, batch, iters, warmup };
  tf.dispose(x);
  model.dispose();
  log('resnet50 done');
}

process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
