/**
 * The flags of the small commands — doctor, fixtures, data:subset, weights:resnet50 — importable without
 * running them (test/cli-usage.test.ts).
 */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { REPO_ROOT } from '../../lib/data/paths.js';
import { backendChoice, existingDir, existingFile, intAtLeast, numberWhere, outPath } from '../usage.js';

export const FEATURE_FIXTURE = path.join(REPO_ROOT, 'katas', '01-build-model', 'pretrained-features.json');
export const SUBSET_SEED = 20240601;
export const SUBSET_PER_CLASS = 1000;

export function doctorProgram(): Command {
  return new Command('doctor')
    .description('The backend this machine will use and why, the GPU libraries, where the data is read from.')
    .option('--backend <name>', 'check a forced backend: wasm, cpu, tensorflow, gpu, node (read by src/lib/tf.ts)', backendChoice);
}

export function fixturesProgram(): Command {
  return new Command('fixtures')
    .description("Write kata 01's reference features of the committed pretrained backbone.")
    .option('--out <file>', 'where to write them', outPath('--out'), FEATURE_FIXTURE);
}

export function subsetProgram(): Command {
  return new Command('data:subset')
    .description('Rebuild the bundled Dress/Coat subset from the full Fashion-MNIST.')
    .option('--dir <folder>', 'the full Fashion-MNIST IDX files (default: FASHION_MNIST_DIR, cache, Debian package, download)', existingDir('--dir', 'a folder with the Fashion-MNIST IDX files'))
    .option('--out <folder>', 'where to write the subset (default data/fashion-mnist-dress-coat)', outPath('--out'))
    .option('--per-class <n>', 'training images per class', intAtLeast('--per-class', 1), SUBSET_PER_CLASS)
    .option('--seed <n>', 'seed of the selection', intAtLeast('--seed', 0), SUBSET_SEED);
}

export function weightsProgram(): Command {
  return new Command()
    .name('weights-resnet50')
    .description('Download the Keras ImageNet ResNet50 notop weights (or convert --from a local .h5) into a tfjs model dir')
    .option('--from <file.h5>', 'convert this Keras .h5 instead of downloading', existingFile('--from', 'an existing Keras .h5 file'))
    .option('--out <dir>', 'output directory', outPath('--out'), path.join(REPO_ROOT, 'models', 'resnet50-imagenet'))
    .option('--cache <dir>', 'where the downloaded .h5 is kept', outPath('--cache'), path.join(REPO_ROOT, '.cache', 'keras'))
    .option('--timeout <seconds>', 'connect timeout of the download', numberWhere('--timeout', (n) => n > 0, 'a positive number of seconds'), 15)
    .option('--backend <name>', 'tfjs backend: wasm, cpu, tensorflow, gpu, node (read by src/lib/tf.ts)', backendChoice);
}

/**
 * The project's own test file that `coverage --quick` runs (in-process, no training: it reaches src/lib's data readers).
 * It was also test/bad-inputs.test.ts, which starts commands and trains: 25 CPU-s for the whole quick run, against ~10.
 */
export const QUICK_PROJECT_TESTS = ['test/data-idx.test.ts'];
/** The kata whose tests `coverage --quick` runs against the solutions: kata 04 (guards, no training; was also 05, which trains). */
export const QUICK_KATAS = ['04-dtype-cast'];

export function coverageProgram(): Command {
  return new Command('coverage')
    .description('Vitest v8 coverage of src/lib and solutions/: the kata tests against the solutions, then the project tests.')
    .option('--quick', `a smoke run: katas ${QUICK_KATAS.join(', ')} and ${QUICK_PROJECT_TESTS.join(', ')} only (the figures are partial)`)
    .option('--out <dir>', 'where the reports go (katas/ and project/ inside)', outPath('--out'), path.join(REPO_ROOT, 'coverage'));
}

export function mutateProgram(): Command {
  return new Command('mutate')
    .description(
      "StrykerJS mutation testing of solutions/: each kata's solution files are mutated one change at a time and " +
        "that kata's own tests (against the solution) must fail on every mutant. Katas run one after the other; " +
        'the score per kata is printed at the end and the HTML/JSON reports go to reports/mutation/<kata>/.',
    )
    .argument('[kata]', 'one kata (3, 03 or 03-diverging-accuracy); default: every kata in the manifest')
    .option('--lines <from-to>', 'mutate only these lines of the solution file (e.g. 20-60; one kata with one file)', lineRange)
    .option('--concurrency <n>', 'test-runner processes in parallel (the machine has few cores: 1 or 2)', intAtLeast('--concurrency', 1), 1)
    .option('--timeout <s>', "seconds in a mutant's time limit on top of 3x its tests' dry-run time and the run's overhead (a slow tier trained in a hook, as kata 10's, needs more: a false timeout counts as killed)", intAtLeast('--timeout', 1), 20)
    .option('--dry-run', 'only the initial test run and the count of mutants (a quick check that the set-up works)')
    .option('--no-check', 'skip the TypeScript checker (mutants that do not compile then count as killed by the tests)');
}

/** --lines 20-60 → "20-60" (Stryker's mutate range suffix). */
function lineRange(v: string): string {
  const m = /^(\d+)-(\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < Number(m[1])) throw new InvalidArgumentError(`--lines: expected a range of line numbers FROM-TO with 1 <= FROM <= TO, got ${JSON.stringify(v)}`);
  return `${Number(m[1])}-${Number(m[2])}`;
}
