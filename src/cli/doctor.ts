/**
 * `npm run doctor`: what this machine will run the course on, and what to install for more.
 *
 * Prints the backend line, Node and npm versions, which native TensorFlow packages are installed,
 * on Linux whether the CUDA 11.2 / cuDNN 8.1 libraries that tfjs-node-gpu 4.x needs can be found,
 * and where Fashion-MNIST would be read from.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chalk from 'chalk';
import { backendLine, isInstalled } from '../lib/tf.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CUDA_ADVICE =
  'tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 (CUDA 12 is not supported): install cuda-toolkit-11-2 and libcudnn8=8.1.*, then npm rebuild @tensorflow/tfjs-node-gpu (or a plain npm install: it retries the optional dependency)';

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

async function main(): Promise<number> {
  console.log(chalk.bold(backendLine()));
  console.log(`node ${process.version}, npm ${version('npm', ['--version'])}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPU cores`);
  const gpuPkg = isInstalled('@tensorflow/tfjs-node-gpu');
  const cpuPkg = isInstalled('@tensorflow/tfjs-node');
  console.log(`${gpuPkg ? ok : no} @tensorflow/tfjs-node-gpu ${gpuPkg ? 'installed' : 'not installed'}`);
  console.log(`${cpuPkg ? ok : no} @tensorflow/tfjs-node ${cpuPkg ? 'installed' : 'not installed'}`);
  if (os.platform() === 'linux') {
    const libs = ['libcudart.so.11.0', 'libcudnn.so.8'].map((name) => ({ name, at: findLibrary(name) }));
    for (const l of libs) console.log(`${l.at ? ok : no} ${l.name}${l.at ? ` at ${l.at}` : ' not found (ldconfig -p, LD_LIBRARY_PATH, /usr/local/cuda*/lib64)'}`);
    const gpu = version('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader']);
    console.log(`${gpu === 'not found' ? no : ok} GPU: ${gpu === 'not found' ? 'none visible (nvidia-smi not found)' : gpu.split('\n')[0]}`);
    if (libs.some((l) => !l.at) || !gpuPkg) {
      console.log(chalk.yellow(`For the GPU: ${CUDA_ADVICE}`));
    }
  } else if (!gpuPkg) {
    console.log(chalk.dim('GPU training via tfjs-node-gpu is supported on Linux with CUDA 11.2 + cuDNN 8.1 only.'));
  }
  console.log(await dataLine());
  return 0;
}

process.exitCode = await main();
