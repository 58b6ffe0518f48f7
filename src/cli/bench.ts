/**
 * npm run bench — CPU training speed of the project's default path against the stock tfjs cpu backend and PyTorch,
 * in one run, on the same machine, data, batch size and initial weights. See docs/performance.md.
 *
 *   npm run bench -- [--quick] [--json] [--epochs 5] [--steps 20] [--threads 2] [--skip-cpu] [--skip-torch]
 *                    [--python /usr/bin/python3] [--export DIR] [--browser | --browser-only]
 *
 * (a) the project's wasm path, each way measured: 1 thread, threaded wasm (XNNPACK pool), data-parallel workers,
 *     and feature caching for the frozen backbone; (a) is the fastest of them, named in the table.
 * (b) the stock tfjs cpu backend, on a reduced workload, extrapolated (the table says how).
 * (c) PyTorch CPU (bench/torch_bench.py), the same networks rebuilt from an export of the tfjs weights.
 */
import './backend-flag.js'; // first: rejects a bad KATA_BACKEND before src/lib/tf.ts loads
import { opts } from './args/bench.js'; // second: the options, before the heavy modules below (args/README.md)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../lib/tf.js';
import { chooseThreads } from '../lib/threads/count.js';
import { loadBackbone, defaultWeights } from '../lib/models/backbones.js';
import { buildResNet50 } from '../lib/models/resnet50.js';
import { loadBenchData } from '../../bench/data.js';
import { type BenchPlan, writeExport } from '../../bench/export.js';
import { formatSummary, jsonLine, summarize, type TorchOut, type VariantOut } from '../../bench/format.js';
import { buildHead, buildRawModel } from '../../bench/models.js';
import { formatBrowserSection, runBrowserSection } from '../../bench/browser/section.js';

const say = (s: string): void => void process.stderr.write(`${s}\n`);
const quick = Boolean(opts.quick);
const plan: BenchPlan = {
  batchSize: 64,
  raw: { steps: quick ? 2 : opts.steps, warmup: quick ? 1 : 3, lr: 1e-3, epsilon: 1e-8 },
  e2e: { epochs: quick ? 1 : opts.epochs, lr: 1e-3, epsilon: 1e-8, reference: opts.reference, dropout: 0.5 },
  check: { lr: 0.02, batch: quick ? 4 : 16 },
  resnet50: { batch: 4, iters: 2, warmup: 1, size: 224 },
};

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  load1: os.loadavg()[0]!,
};
say(`machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, load ${machine.load1.toFixed(2)}`);

// --browser-only: the browser section alone (bench/browser/section.ts), nothing of the CPU comparison.
if (opts.browserOnly) {
  const section = await runBrowserSection({ quick, say });
  console.log(formatBrowserSection(section));
  if (opts.json) console.log(jsonLine({ machine, browser: section }));
  process.exit(0);
}

// 1. The export every variant starts from.
const dir = opts.export ?? mkdtempSync(path.join(os.tmpdir(), 'bench-'));
const data = loadBenchData(plan.e2e.epochs);
const pretrained = existsSync(path.join(defaultWeights('resnet-mini'), 'card.json'));
const backbone = await loadBackbone('resnet-mini');
const raw = buildRawModel();
const head = buildHead(backbone.featureDim, plan.e2e.dropout);
const resnet50 = quick ? undefined : buildResNet50({ seed: 0 });
await writeExport(dir, plan, data, { raw, backbone, head, resnet50 });
tf.dispose([raw, head, resnet50].flatMap((m) => (m ? m.weights.map((w) => w.read()) : [])));
say(`export: ${dir} (backbone ${backbone.source}${pretrained ? '' : ', no card.json: not the finished pretraining'})`);

// 2. The variants, one process each, one after the other.
const here = path.dirname(fileURLToPath(import.meta.url));
const runVariant = path.join(here, '..', '..', 'bench', 'run-variant.ts');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      for (const line of b.toString().split('\n')) if (/^\[|^torch /.test(line)) say(`  ${line}`);
    });
    p.on('error', (e) => resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` }));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastJson<T>(out: string): T | null {
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return line ? (JSON.parse(line) as T) : null;
}

async function variant(name: string, parts: string[], backendEnv: string, threadsEnv: number, extra: string[] = []): Promise<VariantOut | null> {
  const t0 = performance.now();
  const load = os.loadavg()[0]!;
  say(`(${name}) ${parts.join(', ')} … (load ${load.toFixed(2)})`);
  const r = await run(process.execPath, [...process.execArgv, runVariant, '--variant', name, '--export', dir,
    '--parts', parts.join(','), '--parallel', String(opts.threads), ...extra], { KATA_BACKEND: backendEnv, KATA_THREADS: String(threadsEnv) });
  const out = lastJson<VariantOut>(r.stdout);
  if (r.code !== 0 || !out) {
    say(`(${name}) failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
    return null;
  }
  say(`(${name}) done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return { ...out, load };
}

const r50 = quick ? [] : ['resnet50'];
const variants: VariantOut[] = [];
const add = (v: VariantOut | null): void => void (v && variants.push(v));
add(await variant('wasm', ['check', 'raw', 'e2e', 'cached', ...r50], 'wasm', 1));
if (opts.threads > 1) {
  add(await variant('wasm-threads', ['check', 'raw', 'e2e', 'cached', ...r50], 'wasm', opts.threads));
  add(await variant('wasm-dp', ['raw'], 'wasm', 1));
}
if (!opts.skipCpu) add(await variant('cpu', ['check', 'raw', 'e2e', ...r50], 'cpu', 1, ['--reduced-batch', quick ? '4' : '16']));

let torch: TorchOut | null = null;
let torchSkip: string | null = null;
if (opts.skipTorch) torchSkip = '--skip-torch';
else {
  const probe = await run(opts.python, ['-c', 'import torch; print(torch.__version__)'], {});
  if (probe.code !== 0) torchSkip = `no PyTorch for ${opts.python}: ${probe.stderr.trim().split('\n').pop() ?? `exit ${probe.code}`}`;
  else {
    const load = os.loadavg()[0]!;
    say(`(c) PyTorch ${probe.stdout.trim()} … (load ${load.toFixed(2)})`);
    const args = [path.join(here, '..', '..', 'bench', 'torch_bench.py'), '--export', dir, '--threads', String(opts.threads)];
    if (quick) args.push('--skip-resnet50');
    const r = await run(opts.python, args, { OMP_NUM_THREADS: String(opts.threads) });
    torch = lastJson<TorchOut>(r.stdout);
    if (torch) torch.load = load;
    if (r.code !== 0 || !torch) {
      torchSkip = `torch_bench.py failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`;
      torch = null;
    }
  }
}
if (torchSkip) say(`(c) PyTorch skipped: ${torchSkip}`);

const browserSection = opts.browser ? await runBrowserSection({ quick, say }) : undefined;

// 3. The table.
const summary = summarize(variants, torch, torchSkip, plan.e2e.reference);
console.log(`machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
  `batch ${plan.batchSize}; backbone ${pretrained ? 'pretrained (card.json)' : 'NOT the finished pretraining'}`);
console.log(formatSummary(summary));
console.log(`1-min load average at each start (2 = both cores busy before we began): ` +
  [...variants.map((v) => `${v.variant} ${v.load?.toFixed(2) ?? '?'}`), ...(torch ? [`torch ${torch.load?.toFixed(2) ?? '?'}`] : [])].join(', '));
if (browserSection) console.log(`\n${formatBrowserSection(browserSection)}`);
if (!opts.export) rmSync(dir, { recursive: true, force: true });
if (opts.json) console.log(jsonLine({ machine, plan, pretrained, summary, variants, torch, torchSkip, ...(browserSection ? { browser: browserSection } : {}) }));
