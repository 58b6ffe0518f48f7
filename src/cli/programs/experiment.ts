/** `npm run experiment` — its flags and their checks, importable without running the command (test/cli-usage.test.ts). */
import { Command } from 'commander';
import { FULL_GRID, QUICK_GRID, type Arm } from '../../reference/experiment.js';
import { backendChoice, choiceList, intAtLeast, outPath, parseArgs } from '../usage.js';
import { intListOption } from '../../reference/cli.js';

export interface ExperimentArgs {
  quick?: boolean; labels?: number[]; seeds?: number[]; arms?: Arm[]; transferImages?: number; scratchImages?: number;
  maxEpochs?: number; testLimit?: number; reference: boolean; ablation: boolean; out?: string; results?: string; resume?: boolean; json?: boolean;
}

export function experimentProgram(): Command {
  return new Command('experiment')
    .description('Learning curve: transfer (pretrained, frozen) vs from scratch, against labelled images per class.')
    .option('--quick', `reduced grid for CI/tests (labels ${QUICK_GRID.labels.join(',')}, seed ${QUICK_GRID.seeds.join(',')}, tiny budgets, ${QUICK_GRID.testLimit} test images)`)
    .option('--labels <list>', `labelled images per class (default ${FULL_GRID.labels.join(',')})`, intListOption('--labels', 2))
    .option('--seeds <list>', `seeds (default ${FULL_GRID.seeds.join(',')})`, intListOption('--seeds', 0))
    .option('--arms <list>', 'transfer,scratch (default both)', choiceList<Arm>('--arms', ['transfer', 'scratch']))
    .option('--transfer-images <n>', `transfer: training images × epochs per run (default ${FULL_GRID.transferImages})`, intAtLeast('--transfer-images', 1))
    .option('--scratch-images <n>', `from scratch: training images × epochs per run (default ${FULL_GRID.scratchImages})`, intAtLeast('--scratch-images', 1))
    .option('--max-epochs <n>', `most epochs of any run (default ${FULL_GRID.maxEpochs})`, intAtLeast('--max-epochs', 1))
    .option('--test-limit <n>', 'evaluate on the first N test images only', intAtLeast('--test-limit', 1))
    .option('--no-reference', 'do not run the reference pipeline (npm run train defaults)')
    .option('--no-ablation', 'do not run the from-scratch pair with and without precise BatchNorm')
    .option('--out <file>', 'the Markdown report (default docs/results.md; with --quick runs/experiment-quick/results.md)', outPath('--out'))
    .option('--results <file>', 'run records, one JSON per line (default runs/experiment[-quick]/results.jsonl)', outPath('--results'))
    .option('--resume', 'keep the runs already in --results (same budgets) and do only the missing ones')
    .option('--threads <n>', 'CPU threads of the wasm backend (default: the cores, os.availableParallelism(); also KATA_THREADS; read by src/lib/tf.ts)', intAtLeast('--threads', 1))
    .option('--backend <name>', 'force a backend: wasm, cpu, tensorflow, gpu, node (read by src/lib/tf.ts)', backendChoice)
    .option('--json', 'print one JSON object (the summary rows) as the last line');
}

export function experimentArgs(argv: readonly string[]): ExperimentArgs {
  return parseArgs<ExperimentArgs>(experimentProgram(), argv);
}
