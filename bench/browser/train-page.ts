/**
 * The bench's training step in a browser page (bundled by bench/browser/train-step.ts with Vite, tf.ts swapped
 * for ./tf-page.ts): the raw workload of bench/workloads.ts — resnet-mini + Dense(2) (bench/models.ts, seed 1),
 * every layer trainable, BatchNorm in training mode, Adam (lr 1e-3, ε 1e-8), batches of the bundled pool —
 * on the backend named by ?backend=webgl|webgpu. Every step ends with `await loss.data()`: the GPU work is done
 * when the clock reads.
 *
 * Reports on window.__benchResult (read by Playwright): images/s of the best round and over all steps, the loss
 * of batch 0 before any step (compared with Node's wasm value for "the same computation"), and the adapter.
 */
import { tf } from './tf-page.js';
import { buildRawModel } from '../models.js';

export interface PageResult {
  backend: string;
  /** WebGPU adapter or WebGL renderer name. */
  adapter: string;
  /** softmax cross-entropy of batch 0 before any step, training mode. */
  initialLoss: number;
  lastLoss: number;
  warmup: number;
  steps: number;
  batchSize: number;
  /** Seconds of the warm-up steps (shader compilation happens there). */
  warmupSeconds: number;
  seconds: number;
  imagesPerSec: number;
  roundImagesPerSec: number[];
  overallImagesPerSec: number;
  leakedTensors: number;
}

type Window = { location: { search: string }; __benchResult?: PageResult | { error: string } };
const win = globalThis as unknown as Window;

const ROUND = 5;

function adapterName(): Promise<string> {
  const be = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string }; gpgpu?: { gl: { getExtension(n: string): { UNMASKED_RENDERER_WEBGL: number } | null; getParameter(p: number): unknown } } };
  if (be.adapterInfo) return Promise.resolve([be.adapterInfo.vendor, be.adapterInfo.architecture, be.adapterInfo.description].filter(Boolean).join(' '));
  const gl = be.gpgpu?.gl;
  const ext = gl?.getExtension('WEBGL_debug_renderer_info');
  return Promise.resolve(gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'unknown');
}

async function main(): Promise<PageResult> {
  const q = new URLSearchParams(win.location.search);
  const backend = q.get('backend') ?? 'webgl';
  const steps = Number(q.get('steps') ?? 20);
  const warmup = Number(q.get('warmup') ?? 3);
  const batchSize = Number(q.get('batch') ?? 64);
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed in this browser`);
  await tf.ready();
  // The pool: float32 images [N, 28, 28, 1] in [0, 1], then int32 labels [N] (served by the bench).
  const buf = await (await fetch('/pool.bin')).arrayBuffer();
  const n = Number(q.get('n'));
  const per = 28 * 28;
  const images = new Float32Array(buf, 0, n * per);
  const labels = new Int32Array(buf, n * per * 4, n);
  const batches = Math.floor(n / batchSize);
  // Batch i: examples j*B .. j*B+B-1 of the pool, j = i mod (N div B) — as rawBatchIndices in bench/data.ts.
  const batch = (i: number): { x: tf.Tensor4D; y: tf.Tensor1D } => {
    const j = i % batches;
    return {
      x: tf.tensor4d(images.subarray(j * batchSize * per, (j + 1) * batchSize * per), [batchSize, 28, 28, 1]),
      y: tf.tensor1d(labels.subarray(j * batchSize, (j + 1) * batchSize), 'int32'),
    };
  };
  const model = buildRawModel();
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = (x: tf.Tensor4D, y: tf.Tensor1D): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), model.apply(x, { training: true }) as tf.Tensor2D) as tf.Scalar;
  const before = tf.memory().numTensors;
  const b0 = batch(0);
  const l0 = tf.tidy(() => loss(b0.x, b0.y));
  const initialLoss = (await l0.data())[0]!;
  console.log(`bench-progress: initial loss ${initialLoss}`);
  tf.dispose([l0, b0.x, b0.y]);
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const step = async (i: number): Promise<number> => {
    const { x, y } = batch(i);
    const l = opt.minimize(() => loss(x, y), true, vars)!;
    const v = (await l.data())[0]!;
    tf.dispose([l, x, y]);
    return v;
  };
  const tw = performance.now();
  for (let i = 0; i < warmup; i++) {
    await step(i);
    console.log(`bench-progress: warm-up step ${i + 1}/${warmup} done at ${((performance.now() - tw) / 1000).toFixed(1)} s`);
  }
  const warmupSeconds = (performance.now() - tw) / 1000;
  const rounds: number[] = [];
  let seconds = 0;
  let lastLoss = NaN;
  for (let done = 0; done < steps; ) {
    const k = Math.min(ROUND, steps - done);
    const t0 = performance.now();
    for (let s = 0; s < k; s++) {
      lastLoss = await step(warmup + done + s);
      console.log(`bench-progress: step ${done + s + 1}/${steps} done at ${((performance.now() - tw) / 1000).toFixed(1)} s`);
    }
    const dt = (performance.now() - t0) / 1000;
    rounds.push((k * batchSize) / dt);
    seconds += dt;
    done += k;
  }
  const adapter = await adapterName();
  opt.dispose();
  const leakedTensors = tf.memory().numTensors - before; // the model's weights were counted in `before`
  return {
    backend: tf.getBackend(),
    adapter,
    initialLoss,
    lastLoss,
    warmup,
    steps,
    batchSize,
    warmupSeconds,
    seconds,
    imagesPerSec: Math.max(...rounds),
    roundImagesPerSec: rounds,
    overallImagesPerSec: (steps * batchSize) / seconds,
    leakedTensors,
  };
}

main().then(
  (r) => (win.__benchResult = r),
  (e: unknown) => (win.__benchResult = { error: e instanceof Error ? `${e.message}` : String(e) }),
);
