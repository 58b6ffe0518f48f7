/**
 * `npm run doctor`: what this machine will run the course on, and what to install for more.
 *
 * Prints the backend line, Node and npm versions, then three sections, each headed by a one-line verdict:
 *  - Node GPU: which native TensorFlow packages are installed, on Linux whether the CUDA 11.2 / cuDNN 8.1
 *    libraries that tfjs-node-gpu 4.x needs can be found, the GPU nvidia-smi sees;
 *  - Browser GPU: the installed Chromium/Chrome and, probed the way the runner launches it (headless, or headed
 *    on the course's virtual display: src/course/display.ts), its WebGPU adapter, whether WebGPU reads back
 *    correctly through tfjs's synchronous path, and the WebGL renderer, real GPU or software (SwiftShader,
 *    llvmpipe) — what `npm run kata N -- --browser` runs on;
 *  - wasm: SIMD and threads;
 * and where Fashion-MNIST would be read from. Never fails for a missing GPU or browser.
 */
import './backend-flag.js'; // first: rejects a bad --backend / KATA_BACKEND before src/lib/tf.ts loads
import './args/doctor.js'; // second: the options, before the browser probe and TensorFlow.js (args/README.md)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chalk from 'chalk';
import { describeAdapter, describeRenderer, isSoftwareAdapter, probeBrowser, type BrowserProbe, type FoundBrowser } from '../course/browser-probe.js';
import { findBrowser, isSoftwareRenderer, NoBrowserError } from '../course/browser.js';
import { browserMode, ciOptIn } from '../course/display.js';
import { backendSource, requestedBackend } from '../lib/backend-override.js';

/**
 * The diagnostic command reports a requested backend that cannot load (`--backend gpu` without tfjs-node-gpu)
 * instead of stopping on it: src/lib/tf.ts loads with the automatic choice (the override hidden from it while
 * it loads), then the request is tried and its failure becomes one line of the report.
 */
async function loadTf(): Promise<{ lib: typeof import('../lib/tf.js'); requestProblem?: string }> {
  const requested = requestedBackend();
  const source = backendSource();
  const argv = [...process.argv];
  const env = process.env.KATA_BACKEND;
  if (requested) {
    const i = process.argv.findIndex((a) => a === '--backend' || a.startsWith('--backend='));
    if (i >= 0) process.argv.splice(i, process.argv[i]!.includes('=') ? 1 : 2);
    delete process.env.KATA_BACKEND;
  }
  try {
    const lib = await import('../lib/tf.js');
    if (!requested) return { lib };
    process.argv.splice(0, process.argv.length, ...argv);
    if (source === 'KATA_BACKEND') process.env.KATA_BACKEND = env;
    try {
      Object.assign(lib.backend, await lib.chooseBackend(requested));
      return { lib };
    } catch (e) {
      if ((e as Error).name !== 'BackendLoadError') throw e;
      return { lib, requestProblem: (e as Error).message };
    }
  } finally {
    process.argv.splice(0, process.argv.length, ...argv);
    if (env !== undefined) process.env.KATA_BACKEND = env;
  }
}

const { lib, requestProblem } = await loadTf();
const { backend, backendLine, isInstalled, tf } = lib;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CUDA_ADVICE =
  'tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 (CUDA 12 is not supported): install cuda-toolkit-11-2 and libcudnn8=8.1.*, then npm rebuild @tensorflow/tfjs-node-gpu (or a plain npm install: it retries the optional dependency)';

export const BROWSER_ADVICE =
  'install Chromium or Google Chrome (Debian/Ubuntu: sudo apt-get install chromium; macOS/Windows: https://www.google.com/chrome/), or point KATA_BROWSER at one';

const ok = chalk.green('✓');
const no = chalk.yellow('✗');

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).trim();
  } catch {
    return 'not found';
  }
}

/** Where a shared library can be found: ldconfig's cache, LD_LIBRARY_PATH, /usr/local/cuda*\/lib64. */
export function findLibrary(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const out = execFileSync('ldconfig', ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    for (const line of out.split('\n')) {
      const m = /^\s*(\S+)\s.*=>\s*(\S+)\s*$/.exec(line);
      if (m && m[1] === name) return m[2];
    }
  } catch {
    // no ldconfig (or not allowed): fall through to the folders
  }
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  try {
    for (const d of readdirSync('/usr/local')) if (/^cuda/.test(d)) dirs.push(path.join('/usr/local', d, 'lib64'));
  } catch {
    // no /usr/local
  }
  for (const d of dirs) {
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Fashion-MNIST location: the data module's own description when present, else the same order here. */
async function dataLine(): Promise<string> {
  const mod = path.join(repoRoot, 'src/lib/data/fashion-mnist.ts');
  if (existsSync(mod)) {
    try {
      const m = (await import(pathToFileURL(mod).href)) as { describeDataLocation?: () => string | Promise<string> };
      if (typeof m.describeDataLocation === 'function') return String(await m.describeDataLocation());
    } catch (e) {
      return `Fashion-MNIST: cannot tell (${(e as Error).message.split('\n')[0]})`;
    }
  }
  const has = (d: string) => existsSync(d) && readdirSync(d).some((f) => f.startsWith('train-images-idx3-ubyte'));
  const env = process.env.FASHION_MNIST_DIR;
  if (env) return `Fashion-MNIST: FASHION_MNIST_DIR=${env}${has(env) ? '' : ' (no IDX files there!)'}`;
  const cache = path.join(repoRoot, '.cache/fashion-mnist');
  if (has(cache)) return `Fashion-MNIST: project cache ${path.relative(process.cwd(), cache)}`;
  if (has('/usr/share/datasets/fashion-mnist')) return 'Fashion-MNIST: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)';
  return 'Fashion-MNIST: not found locally; would download into .cache/fashion-mnist (or apt-get install dataset-fashion-mnist / set FASHION_MNIST_DIR)';
}

/** Node GPU: tfjs-node(-gpu), the CUDA 11.2 / cuDNN 8.1 libraries, the GPU nvidia-smi sees. */
function nodeGpuSection(): void {
  const gpuPkg = isInstalled('@tensorflow/tfjs-node-gpu');
  const cpuPkg = isInstalled('@tensorflow/tfjs-node');
  const linux = os.platform() === 'linux';
  const libs = linux ? ['libcudart.so.11.0', 'libcudnn.so.8'].map((name) => ({ name, at: findLibrary(name) })) : [];
  const smi = linux ? version('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader']) : 'not found';
  const gpuName = smi === 'not found' ? undefined : smi.split('\n')[0];
  const usable = linux && gpuPkg && libs.every((l) => l.at) && gpuName !== undefined;
  const missing = [
    ...(gpuPkg ? [] : ['@tensorflow/tfjs-node-gpu not installed']),
    ...libs.filter((l) => !l.at).map((l) => `${l.name} not found`),
    ...(linux && !gpuName ? ['no NVIDIA GPU visible'] : []),
    ...(linux ? [] : [`tfjs-node-gpu runs on Linux x64 only (this is ${os.platform()} ${os.arch()})`]),
  ];
  console.log(chalk.bold(`Node GPU: ${usable ? `yes — ${gpuName} via @tensorflow/tfjs-node-gpu` : `no — ${missing.join('; ')}`}`));
  console.log(`  ${gpuPkg ? ok : no} @tensorflow/tfjs-node-gpu ${gpuPkg ? 'installed' : 'not installed'}`);
  console.log(`  ${cpuPkg ? ok : no} @tensorflow/tfjs-node ${cpuPkg ? 'installed' : 'not installed'}`);
  if (linux) {
    for (const l of libs) console.log(`  ${l.at ? ok : no} ${l.name}${l.at ? ` at ${l.at}` : ' not found (ldconfig -p, LD_LIBRARY_PATH, /usr/local/cuda*/lib64)'}`);
    console.log(`  ${gpuName ? ok : no} GPU: ${gpuName ?? 'none visible (nvidia-smi not found)'}`);
    if (!usable) console.log(chalk.yellow(`  For the GPU: ${CUDA_ADVICE}`));
  } else {
    console.log(chalk.dim('  GPU training via tfjs-node-gpu is supported on Linux x64 with CUDA 11.2 + cuDNN 8.1 only; use the browser GPU below.'));
  }
}

/** Browser GPU: the installed Chromium/Chrome and what WebGPU and WebGL give tfjs in it (a headless probe). */
async function browserGpuSection(): Promise<void> {
  let found: FoundBrowser;
  try {
    found = findBrowser();
  } catch (e) {
    if (!(e instanceof NoBrowserError)) throw e;
    console.log(chalk.bold('Browser GPU: no — no usable Chromium/Chrome for npm run kata N -- --browser'));
    console.log(`  ${no} ${e.message}`);
    if (!/install/.test(e.message)) console.log(chalk.yellow(`  ${BROWSER_ADVICE}`));
    return;
  }
  const mode = await browserMode();
  let probe: BrowserProbe;
  try {
    probe = await probeBrowser(found, { timeoutMs: 25_000, mode });
  } catch (e) {
    console.log(chalk.bold(`Browser GPU: unknown — ${found.path} could not be probed`));
    console.log(`  ${no} ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  const { webgpu, webgl } = probe;
  // The runner (src/lib/tf.browser.ts) keeps WebGPU only if a synchronous read-back is exact; the probe did tfjs's
  // read-back path on known bytes: headless Chromium without a GPU gives zeros there (Chromium 156), so it runs on WebGL.
  const readsBack = !!webgpu && probe.webgpuSyncRead === 'correct';
  const pick = readsBack ? 'webgpu' : webgl ? 'webgl' : undefined;
  const software = pick === 'webgpu' ? isSoftwareAdapter(webgpu!) : webgl ? isSoftwareRenderer(webgl.renderer) : false;
  const name = pick === 'webgpu' ? `${webgpu?.vendor} ${webgpu?.architecture} ${webgpu?.description}` : `${webgl?.renderer}`;
  const renderer = /swiftshader/i.test(name) ? 'SwiftShader, a software renderer' : /llvmpipe/i.test(name) ? "Mesa's llvmpipe, a software renderer" : 'a software renderer';
  const head = !pick
    ? 'no — neither WebGPU nor WebGL in this browser'
    : software
      ? `software only — --browser runs on ${pick} via ${renderer} on the CPU (correct results, no GPU speed)`
      : `yes — --browser runs on ${pick} on the GPU${pick === 'webgpu' ? ' (webgl if its read-back check fails)' : ''}`;
  console.log(chalk.bold(`Browser GPU: ${head}`));
  console.log(`  ${ok} browser: ${found.path} (${probe.version}, found via ${found.from}), probed ${probe.mode} in ${(probe.ms / 1000).toFixed(1)} s`);
  console.log(`  ${webgpu && !isSoftwareAdapter(webgpu) ? ok : no} WebGPU: ${webgpu ? describeAdapter(webgpu) : `none — ${probe.webgpuNote}`}`);
  if (webgpu) {
    const how = probe.webgpuSyncRead ?? 'not checked';
    console.log(`  ${readsBack ? ok : no} WebGPU read-back (tfjs's dataSync path): ${how} — ${probe.mode}${readsBack ? '' : ' — the runner uses WebGL; --backend webgpu stops with that reason'}`);
  }
  console.log(`  ${webgl && !isSoftwareRenderer(webgl.renderer) ? ok : no} ${webgl ? describeRenderer(webgl) : `WebGL: none — ${probe.webglNote}`}`);
  // What would make WebGPU read back here (docs/gpu.md): a virtual display, and on it the CI opt-in.
  if (!readsBack) {
    if (mode.kind === 'headless' && /no Xvfb/.test(mode.why)) {
      console.log(chalk.dim(`  (headless: ${mode.why}; with xvfb installed the course runs Chromium headed on a virtual display, where WebGPU reads back — docs/gpu.md)`));
    } else if (mode.kind === 'headed' && !ciOptIn()) {
      console.log(chalk.dim("  (on a virtual display Chromium's GPU blocklist hides WebGPU from Mesa's software GL; CI only: KATA_BROWSER_CI=1 adds --ignore-gpu-blocklist — docs/gpu.md)"));
    } else if (mode.kind === 'headless') {
      console.log(chalk.dim(`  (headless: ${mode.why})`));
    }
  }
}

/** wasm: the CPU default; its SIMD and thread support as tfjs detects it in this Node. */
async function wasmSection(): Promise<void> {
  let simd: boolean;
  let threads: boolean;
  try {
    await import('@tensorflow/tfjs-backend-wasm'); // registers the WASM_* flags; does not switch the backend
    simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  } catch (e) {
    console.log(chalk.bold(`wasm: no — @tensorflow/tfjs-backend-wasm does not load (${(e as Error).message.split('\n')[0]})`));
    return;
  }
  const inUse = backend.name === 'wasm' ? `; in use now: ${backend.detail}` : '';
  const why = threads || inUse ? '' : ' (tfjs finds no thread support in this Node: 1 thread)';
  console.log(chalk.bold(`wasm: yes — SIMD ${simd ? 'yes' : 'no'}, threads ${threads ? 'yes' : 'no'}${why}${inUse}`));
}

async function main(): Promise<number> {
  if (requestProblem) console.log(chalk.yellow(`${no} ${requestProblem}`) + chalk.dim(' — the report below is on the automatic choice'));
  console.log(chalk.bold(backendLine()));
  console.log(`node ${process.version}, npm ${version('npm', ['--version'])}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPU cores`);
  nodeGpuSection();
  await browserGpuSection();
  await wasmSection();
  console.log(await dataLine());
  return 0;
}

process.exitCode = await main();
