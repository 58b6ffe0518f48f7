/**
 * The bench's browser section (`npm run bench -- --browser`, or `--browser-only`): side by side, in one run,
 *  1. seconds per kata test file: `runSuite` on the solution (what `npm run kata N -- --solution` runs) in Node on
 *     wasm, and in Chromium with --backend webgl and --backend webgpu (what `-- --browser` runs), headless or headed
 *     on the course's virtual display (src/course/display.ts: where there is no display and Xvfb is installed;
 *     WebGPU needs the CI opt-in KATA_BROWSER_CI=1 there, see docs/gpu.md);
 *  2. images/s of the training step (bench/workloads.ts's raw workload) in Node on wasm, and in the page of
 *     ./train-step.ts on WebGL and WebGPU.
 * The adapter is named in the output; a software renderer (SwiftShader) is said to be one.
 */
import os from 'node:os';
import { isSoftwareRenderer } from '../../src/course/browser.js';
import { browserEnv, findBrowser, NoBrowserError, type BrowserBackend } from '../../src/course/browser.js';
import { browserMode, ciOptIn, describeMode, displayEnv, type BrowserMode } from '../../src/course/display.js';
import { findKata, kataPaths, loadManifest, repoRoot, timeLimits } from '../../src/course/manifest.js';
import { runSuite } from '../../src/course/vitest.js';
import { loadBenchData } from '../data.js';
import { buildRawModel } from '../models.js';
import { rawStep } from '../workloads.js';
import { tf } from '../../src/lib/tf.js';
import { browserTrainStep, type BrowserStepResult } from './train-step.js';

export interface KataTiming {
  kata: string;
  backend: 'wasm' | BrowserBackend;
  seconds: number;
  passed: boolean;
  tests: number;
  /** The backend line the run printed (names the adapter), or the first error line. */
  note: string;
  load: number;
}

export interface BrowserSection {
  browser: string;
  /** How Chromium ran: "headless" or "headed on virtual display :0 (Xvfb)"; with the CI opt-in or not. */
  mode: string;
  katas: KataTiming[];
  step: { wasm: { imagesPerSec: number; initialLoss: number; seconds: number; load: number }; browser: BrowserStepResult[]; batchSize: number; steps: number; warmup: number; load: number };
  skipped?: string;
}

export interface SectionOptions {
  quick: boolean;
  say: (line: string) => void;
}

const load1 = (): number => os.loadavg()[0]!;

async function timeKata(kata: string, backend: 'wasm' | BrowserBackend, browserPath: string, mode: BrowserMode): Promise<KataTiming> {
  const k = findKata(loadManifest(repoRoot), kata);
  if (!k) throw new Error(`bench --browser: kata ${kata} is not in katas/manifest.json`);
  const load = load1();
  const t0 = performance.now();
  // The kata's own time limits (manifest; the runner's): a run on a software renderer can take minutes, never forever.
  const limits = timeLimits(k);
  const test = kataPaths(k, repoRoot).test;
  const run = await runSuite({
    root: repoRoot,
    target: 'solution',
    files: [test],
    ...(backend === 'wasm'
      ? { extraEnv: { KATA_BACKEND: 'wasm' }, limits: new Map([[test, limits.node]]) }
      : { extraEnv: { ...browserEnv(browserPath, backend), ...displayEnv(mode) }, totalLimit: limits.browser }),
  });
  const seconds = (performance.now() - t0) / 1000;
  const passed = run.exitCode === 0 && !!run.report?.success;
  const override = run.output.split('\n').find((l) => /backend override|browser backend:/.test(l));
  const stopped = run.timedOut?.size ? `stopped at the kata's time limit (${limits[backend === 'wasm' ? 'node' : 'browser']} s)` : undefined;
  const timedOutTest = run.report?.testResults.flatMap((f) => f.assertionResults).find((t) => t.status === 'failed' && /timed out|STACK_TRACE_ERROR/.test(t.failureMessages.join('\n')));
  const firstError =
    stopped ??
    override ??
    (timedOutTest ? `'${timedOutTest.title.slice(0, 60)}…' ran past its test timeout` : undefined) ??
    run.report?.testResults.find((f) => f.message)?.message.split('\n')[0] ??
    run.output.trim().split('\n').find((l) => /error/i.test(l)) ??
    `exit ${run.exitCode}`;
  return { kata: k.name, backend, seconds, passed, tests: run.report?.numTotalTests ?? 0, note: passed ? (run.backendLine ?? '') : firstError.trim().slice(0, 200), load };
}

/** The Node side of "the same computation": batch 0's loss before any step, and the raw step's images/s, on this process's backend. */
async function nodeStep(batchSize: number, steps: number, warmup: number) {
  const data = loadBenchData(1);
  const model = buildRawModel();
  const per = 28 * 28;
  const x = tf.tensor4d(data.images.subarray(0, batchSize * per), [batchSize, 28, 28, 1]);
  const y = tf.tensor1d(data.labels.subarray(0, batchSize), 'int32');
  const l0 = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 2), model.apply(x, { training: true }) as tf.Tensor2D));
  const initialLoss = (await l0.data())[0]!;
  tf.dispose([l0, x, y]);
  const load = load1();
  const r = await rawStep(model, data, { lr: 1e-3, epsilon: 1e-8, batchSize, steps, warmup });
  tf.dispose(model.weights.map((w) => w.read()));
  return { imagesPerSec: r.imagesPerSec, initialLoss, seconds: r.seconds, load };
}

export async function runBrowserSection(o: SectionOptions): Promise<BrowserSection> {
  let browserPath: string;
  try {
    browserPath = findBrowser().path;
  } catch (e) {
    if (!(e instanceof NoBrowserError)) throw e;
    o.say(`browser section skipped: ${e.message}`);
    return { browser: '', mode: '', katas: [], step: { wasm: { imagesPerSec: NaN, initialLoss: NaN, seconds: 0, load: 0 }, browser: [], batchSize: 0, steps: 0, warmup: 0, load: 0 }, skipped: e.message };
  }
  const mode = await browserMode();
  const modeText = `${describeMode(mode)}${ciOptIn() ? ', CI opt-in (--ignore-gpu-blocklist)' : ''}`;
  o.say(`(browser) Chromium ${modeText}`);
  if (mode.kind === 'headed' && mode.virtual && !ciOptIn()) {
    o.say('(browser) note: on this virtual display WebGPU gets an adapter only with the CI opt-in: KATA_BROWSER_CI=1 npm run bench -- --browser-only (docs/gpu.md)');
  }
  const katas = o.quick ? ['04'] : ['03', '04', '05'];
  const timings: KataTiming[] = [];
  for (const kata of katas) {
    for (const backend of ['wasm', 'webgl', 'webgpu'] as const) {
      o.say(`(browser) kata ${kata} on ${backend} … (load ${load1().toFixed(2)})`);
      const t = await timeKata(kata, backend, browserPath, mode);
      o.say(`  ${t.passed ? `${t.seconds.toFixed(1)} s, ${t.tests} tests pass` : `failed after ${t.seconds.toFixed(1)} s: ${t.note}`}`);
      timings.push(t);
    }
  }
  // SwiftShader runs a batch-64 step in ~15 s (WebGL, 2 cores): the quick form uses batch 4 and one timed step.
  const batchSize = o.quick ? 4 : 64;
  const steps = o.quick ? 1 : 5;
  const warmup = o.quick ? 1 : 2;
  o.say(`(browser) training step, batch ${batchSize}: Node wasm … (load ${load1().toFixed(2)})`);
  const wasm = await nodeStep(batchSize, Math.max(steps, 5), Math.max(warmup, 2));
  o.say(`  (wasm) ${wasm.imagesPerSec.toFixed(1)} img/s`);
  const load = load1();
  o.say(`(browser) training step, batch ${batchSize}, ${warmup} warm-up + ${steps} timed steps: WebGL, WebGPU … (load ${load.toFixed(2)})`);
  const pool = loadBenchData(1);
  const browser = await browserTrainStep({ path: browserPath, from: '' }, { images: pool.images, labels: pool.labels }, {
    backends: ['webgl', 'webgpu'],
    steps,
    warmup,
    batchSize,
    timeoutMs: o.quick ? 90_000 : 600_000,
    mode,
    log: o.say,
    progress: o.say,
  });
  return { browser: browserPath, mode: modeText, katas: timings, step: { wasm, browser, batchSize, steps, warmup, load } };
}

const label = (adapter: string): string => (isSoftwareRenderer(adapter) ? `${adapter} — software rendering on the CPU, not a GPU` : adapter);

export function formatBrowserSection(s: BrowserSection): string {
  if (s.skipped) return `Browser backends: skipped (${s.skipped})`;
  const lines: string[] = [];
  const adapters = [...new Set(s.step.browser.flatMap((b) => (b.result ? [`${b.backend}: ${label(b.result.adapter)}`] : [])))];
  lines.push(`Browser backends (${s.browser}, ${s.mode})${adapters.length ? `; ${adapters.join('; ')}` : ''}`);
  lines.push('');
  lines.push('| kata test file (solution) | wasm (Node), s | WebGL (browser), s | WebGPU (browser), s |');
  lines.push('| --- | --- | --- | --- |');
  const cell = (t: KataTiming | undefined): string => (!t ? '—' : t.passed ? `${t.seconds.toFixed(1)} (${t.tests} pass)` : `failed: ${t.note}`);
  for (const kata of [...new Set(s.katas.map((t) => t.kata))]) {
    const of = (b: string) => s.katas.find((t) => t.kata === kata && t.backend === b);
    lines.push(`| ${kata} | ${cell(of('wasm'))} | ${cell(of('webgl'))} | ${cell(of('webgpu'))} |`);
  }
  lines.push('');
  lines.push('Seconds are wall time of the whole Vitest run (start-up, the browser launch, the bundle, the tests).');
  const b = (name: string) => s.step.browser.find((r) => r.backend === name);
  const img = (r: BrowserStepResult | undefined): string =>
    !r ? '—' : r.result ? `${r.result.imagesPerSec.toFixed(1)} (warm-up ${r.result.warmupSeconds.toFixed(0)} s)` : `failed: ${r.error}`;
  const loss = (r: BrowserStepResult | undefined): string => (r?.result ? r.result.initialLoss.toFixed(6) : '—');
  lines.push('');
  lines.push(`| training step (resnet-mini + Dense(2), all layers, Adam, batch ${s.step.batchSize}) | wasm (Node) | WebGL | WebGPU |`);
  lines.push('| --- | --- | --- | --- |');
  lines.push(`| images/s (best round; browser: ${s.step.warmup} warm-up + ${s.step.steps} timed steps) | ${s.step.wasm.imagesPerSec.toFixed(1)} | ${img(b('webgl'))} | ${img(b('webgpu'))} |`);
  lines.push(`| loss of batch 0 before any step (the same computation) | ${s.step.wasm.initialLoss.toFixed(6)} | ${loss(b('webgl'))} | ${loss(b('webgpu'))} |`);
  const leaks = s.step.browser.filter((r) => r.result && r.result.leakedTensors !== 0).map((r) => `${r.backend} ${r.result!.leakedTensors}`);
  if (leaks.length) lines.push(`leaked tensors in the page: ${leaks.join(', ')}`);
  lines.push(`1-min load average at the starts: katas ${s.katas.map((t) => t.load.toFixed(2)).join('/')}; wasm step ${s.step.wasm.load.toFixed(2)}; browser steps ${s.step.load.toFixed(2)}`);
  return lines.join('\n');
}
