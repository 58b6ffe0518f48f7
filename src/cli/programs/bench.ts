/** `npm run bench` — its flags and their checks, importable without running the command (test/cli-usage.test.ts). */
import { Command } from 'commander';
import { chooseThreads } from '../../lib/threads/count.js';
import { existingFile, intAtLeast, numberWhere, outPath, parseArgs } from '../usage.js';

export interface BenchArgs {
  quick?: boolean; json?: boolean; epochs: number; steps: number; threads: number; reference: number;
  skipCpu?: boolean; skipTorch?: boolean; python: string; export?: string; browser?: boolean; browserOnly?: boolean;
}

export function benchProgram(): Command {
  return new Command('bench')
    .description("CPU training speed: the project's wasm path vs the stock tfjs cpu backend vs PyTorch, same data and weights.")
    .option('--quick', 'a tiny run: 2 steps, 1 epoch, no ResNet50, cpu backend on a batch of 4')
    .option('--json', 'print one JSON object as the last line')
    .option('--epochs <n>', 'epochs of the end-to-end workload', intAtLeast('--epochs', 1), 5)
    .option('--steps <n>', 'timed steps of the raw workload (after 3 warm-up steps)', intAtLeast('--steps', 1), 20)
    .option('--threads <n>', 'threads for threaded wasm, data-parallel workers and PyTorch (default: the cores, os.availableParallelism(); also KATA_THREADS)', intAtLeast('--threads', 1), chooseThreads(process.argv, { ...process.env, VITEST: '' }).threads)
    .option('--reference <acc>', 'validation accuracy that ends the end-to-end clock', numberWhere('--reference', (n) => n > 0 && n <= 1, 'an accuracy in (0, 1]'), 0.9)
    .option('--skip-cpu', 'skip the stock tfjs cpu backend (b)')
    .option('--skip-torch', 'skip PyTorch (c)')
    .option('--python <path>', 'the Python with torch (Debian python3-torch)', existingFile('--python', 'a Python interpreter'), '/usr/bin/python3')
    .option('--export <dir>', 'keep the export (weights, data, graphs) in this directory', outPath('--export'))
    .option('--browser', 'also the browser backends: seconds per kata test file on wasm vs WebGL vs WebGPU, training-step images/s (bench/browser/)')
    .option('--browser-only', 'only the browser section (with --quick: kata 04 and a batch of 4, about a minute)');
}

export function benchArgs(argv: readonly string[]): BenchArgs {
  return parseArgs<BenchArgs>(benchProgram(), argv);
}
