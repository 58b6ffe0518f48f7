/** `npm run backbone:pretrain` — its flags and their checks, importable without running the command (test/cli-usage.test.ts). */
import path from 'node:path';
import { Command } from 'commander';
import { REPO_ROOT } from '../../lib/data/paths.js';
import { backendChoice, existingDir, intAtLeast, numberWhere, outPath, parseArgs } from '../usage.js';

export interface PretrainArgs {
  epochs: number; batchSize: number; lr: number; seed: number; limit?: number; out: string; data?: string; fresh?: boolean; json?: boolean;
}

export function pretrainProgram(): Command {
  return new Command('backbone:pretrain')
    .description('Pretrain resnet-mini on the 8 Fashion-MNIST source classes (not Dress, not Coat).')
    .option('--epochs <n>', 'epochs', intAtLeast('--epochs', 1), 6)
    .option('--batch-size <n>', 'mini-batch size', intAtLeast('--batch-size', 1), 128)
    .option('--lr <x>', 'Adam learning rate', numberWhere('--lr', (n) => n > 0, 'a positive number'), 0.002)
    .option('--seed <n>', 'seed of the initialisation and the shuffling', intAtLeast('--seed', 1), 1)
    .option('--limit <n>', 'use only the first N training and N/4 test images (smoke tests)', intAtLeast('--limit', 1))
    .option('--out <dir>', 'output directory', outPath('--out'), path.join(REPO_ROOT, 'models', 'resnet-mini-fashion8'))
    .option('--data <dir>', 'Fashion-MNIST directory (default: FASHION_MNIST_DIR, cache, Debian package)', existingDir('--data', 'a folder with the Fashion-MNIST IDX files'))
    .option('--fresh', 'ignore an existing checkpoint and start again')
    .option('--threads <n>', 'CPU threads of the wasm backend (default: the cores, os.availableParallelism(); also KATA_THREADS; read by src/lib/tf.ts)', intAtLeast('--threads', 1))
    .option('--backend <name>', 'force a backend: wasm, cpu, tensorflow, gpu, node (read by src/lib/tf.ts)', backendChoice)
    .option('--json', 'print one JSON object as the last line');
}

export function pretrainArgs(argv: readonly string[]): PretrainArgs {
  return parseArgs<PretrainArgs>(pretrainProgram(), argv);
}
