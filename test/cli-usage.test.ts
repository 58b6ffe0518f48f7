/**
 * Every usage error of every CLI is ONE line naming the flag, what was expected and what came; exit status 2;
 * no stack trace.
 *
 * In-process: for each program in src/cli/programs/ the flags that take a value are read from the commander
 * program itself; BAD_VALUES must hold a row for each of them (a new flag without a row fails), and every row's
 * value must be refused with a message that names the flag and the value. A missing value and an unknown flag
 * are checked for every program.
 * Spawned, through npm as a user types it: an unknown --backend (checked before src/lib/tf.ts loads), an unknown
 * flag, and a missing --data folder — exit 2, one line on stderr.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/course/manifest.js';
import { HelpShown, parseArgs, UsageError } from '../src/cli/usage.js';
import { trainArgs, trainProgram } from '../src/cli/programs/train.js';
import { experimentProgram } from '../src/cli/programs/experiment.js';
import { benchProgram } from '../src/cli/programs/bench.js';
import { pretrainProgram } from '../src/cli/programs/pretrain.js';
import { coverageProgram, doctorProgram, fixturesProgram, subsetProgram, weightsProgram } from '../src/cli/programs/tools.js';

const PROGRAMS: Record<string, () => Command> = {
  train: trainProgram,
  experiment: experimentProgram,
  bench: benchProgram,
  'backbone:pretrain': pretrainProgram,
  doctor: doctorProgram,
  fixtures: fixturesProgram,
  coverage: coverageProgram,
  'data:subset': subsetProgram,
  'weights:resnet50': weightsProgram,
};

const NOWHERE = path.join(repoRoot, 'no-such-folder-here');

/** `cli --flag`: bad values, each refused with a message naming the flag and the value. */
const BAD_VALUES: Record<string, string[]> = {
  'train --labels': ['1', 'ten', '2.5'],
  'train --epochs': ['0', 'x'],
  'train --seed': ['-1', '0.5'],
  'train --batch-size': ['0', ''],
  'train --lr': ['0', '-1', 'fast', 'Infinity'],
  'train --dropout': ['1', '-0.1', 'half'],
  'train --data': [NOWHERE, path.join(repoRoot, 'package.json')],
  'train --backbone': ['resnet18'],
  'train --weights': [NOWHERE, ''],
  'train --out': [''],
  'train --test-limit': ['0'],
  'train --backend': ['tpu'],
  'train --threads': ['0', 'all'],
  'experiment --labels': ['1', '10,x', ''],
  'experiment --seeds': ['-1', '1,,2'],
  'experiment --arms': ['transfer,finetune', 'both'],
  'experiment --transfer-images': ['0'],
  'experiment --scratch-images': ['-5'],
  'experiment --max-epochs': ['0'],
  'experiment --test-limit': ['none'],
  'experiment --out': [''],
  'experiment --results': [''],
  'experiment --backend': ['tpu'],
  'experiment --threads': ['-1'],
  'bench --epochs': ['0'],
  'bench --steps': ['1.5'],
  'bench --threads': ['0', 'all'],
  'bench --reference': ['2', '0', 'high'],
  'bench --python': [NOWHERE],
  'bench --export': [''],
  'backbone:pretrain --epochs': ['0'],
  'backbone:pretrain --batch-size': ['x'],
  'backbone:pretrain --lr': ['-0.1'],
  'backbone:pretrain --seed': ['0'],
  'backbone:pretrain --limit': ['0'],
  'backbone:pretrain --out': [''],
  'backbone:pretrain --data': [NOWHERE],
  'backbone:pretrain --backend': ['tpu'],
  'backbone:pretrain --threads': ['1.5'],
  'doctor --backend': ['tpu', 'webgl'],
  'fixtures --out': [''],
  'data:subset --dir': [NOWHERE],
  'data:subset --out': [''],
  'data:subset --per-class': ['0', 'all'],
  'data:subset --seed': ['-1'],
  'weights:resnet50 --from': [NOWHERE, repoRoot],
  'weights:resnet50 --out': [''],
  'weights:resnet50 --cache': [''],
  'weights:resnet50 --timeout': ['0', 'soon'],
  'weights:resnet50 --backend': ['tpu'],
  'coverage --out': [''],
};

function valueFlags(program: Command): string[] {
  return program.options.filter((o) => o.required || o.optional).map((o) => o.long!);
}

function usageError(program: Command, args: string[]): string {
  try {
    parseArgs(program, ['node', 'cli', ...args]);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`${args.join(' ')}: expected a usage error, got none`);
}

describe('usage errors, in-process, for every flag that takes a value', () => {
  it('BAD_VALUES has a row for exactly the value-taking flags of every program', () => {
    const flags = Object.entries(PROGRAMS).flatMap(([cli, p]) => valueFlags(p()).map((f) => `${cli} ${f}`));
    expect(Object.keys(BAD_VALUES).sort()).toEqual(flags.sort());
  });

  for (const [key, values] of Object.entries(BAD_VALUES)) {
    const [cli, flag] = key.split(' ') as [string, string];
    it(`${key}: ${values.map((v) => JSON.stringify(v)).join(', ')} and a missing value`, () => {
      for (const v of values) {
        const msg = usageError(PROGRAMS[cli]!(), [flag, v]);
        expect(msg.split('\n'), msg).toHaveLength(1);
        expect(msg.startsWith(`${flag}: expected `), msg).toBe(true);
        expect(msg, msg).toMatch(/, got "/);
        expect(msg, msg).toContain(JSON.stringify(v)); // the whole value, or "part" in "whole" for a list
      }
      expect(usageError(PROGRAMS[cli]!(), [flag])).toMatch(new RegExp(`^${flag}: expected a value <[^>]+>, got none$`));
    });
  }

  it('an unknown flag and a stray argument, for every program', () => {
    for (const p of Object.values(PROGRAMS)) {
      expect(usageError(p(), ['--epoch', '3'])).toMatch(/^--epoch: unknown option( \(did you mean --[\w-]+\?\))?; expected one of --/);
      expect(usageError(p(), ['stray'])).toBe('arguments: expected none (only --options), got "stray"');
    }
  });

  it('train: flags that contradict each other', () => {
    expect(() => trainArgs(['node', 'train', '--backbone', 'resnet50'])).toThrow(/^--backbone: expected resnet-mini with the bundled .* got resnet50 without --data/);
    expect(() => trainArgs(['node', 'train', '--from-scratch', '--weights', 'random'])).toThrow('--weights: expected no weights with --from-scratch');
    expect(() => trainArgs(['node', 'train', '--from-scratch', '--cache-features'])).toThrow('--cache-features: expected a frozen backbone');
    expect(() => trainArgs(['node', 'train', '--help'])).toThrow(HelpShown);
  });
});

// ---------- through npm, as typed ----------

function npm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'KATA_BACKEND') delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** [npm script, its name in messages, args, the one line it must print]. */
const SPAWNED: [string, string, string[], RegExp][] = [
  ['train', 'train', ['--backend', 'tpu'], /^train: --backend: expected one of tensorflow, gpu, node, wasm, cpu, got "tpu"$/],
  ['train', 'train', ['--threads', '0'], /^train: --threads: expected a positive integer number of threads, got "0"$/],
  ['train', 'train', ['--data', 'no-such-photos'], /^train: --data: expected a folder of photos, one sub-folder per class, got "no-such-photos" \(no such folder\)$/],
  ['experiment', 'experiment', ['--backend=tpu'], /^experiment: --backend: expected one of .*, got "tpu"$/],
  ['bench', 'bench', ['--reference', '2'], /^bench: --reference: expected an accuracy in \(0, 1\], got "2"$/],
  ['backbone:pretrain', 'pretrain', ['--backend', 'tpu'], /^pretrain: --backend: expected one of .*, got "tpu"$/],
  ['backbone:pretrain', 'backbone:pretrain', ['--data', 'no-such-fmnist'], /^backbone:pretrain: --data: expected a folder with the Fashion-MNIST IDX files, got "no-such-fmnist" \(no such folder\)$/],
  ['doctor', 'doctor', ['--backend', 'tpu'], /^doctor: --backend: expected one of .*, got "tpu"$/],
  ['doctor', 'doctor', ['--verbose'], /^doctor: --verbose: unknown option; expected one of --backend$/],
  ['fixtures', 'fixtures', ['--out'], /^fixtures: --out: expected a value <file>, got none$/],
  ['data:subset', 'data:subset', ['--per-class', 'x'], /^data:subset: --per-class: expected an integer >= 1, got "x"$/],
  ['weights:resnet50', 'weights-resnet50', ['--timeout', '0'], /^weights-resnet50: --timeout: expected a positive number of seconds, got "0"$/],
  ['kata', 'kata', ['3', '--', '--hints'], /^error: --hints: unknown option \(did you mean --hint\?\); expected one of --hint, /],
  ['kata', 'kata', ['verify', '--', '--bogus'], /^error: --bogus: unknown option; expected no options$/],
  ['kata', 'kata', ['grade', '--', '--x'], /^error: --x: unknown option; expected one of --json, --junit$/],
  ['kata', 'kata', ['grade', '--', '--junit'], /^error: --junit: expected a value <file>, got none$/],
];

describe.concurrent('usage errors through npm: exit 2, one line, no stack', () => {
  for (const [script, , args, line] of SPAWNED) {
    it(`npm run -s ${script} -- ${args.join(' ')}`, async () => {
      const argv = script === 'kata' ? ['run', '-s', script, ...args] : ['run', '-s', script, '--', ...args];
      const r = await npm(argv);
      const err = r.stderr.trim();
      expect(r.code, err).toBe(2);
      expect(err.split('\n'), err).toHaveLength(1);
      expect(err).toMatch(line);
      expect(err).not.toMatch(/\n\s+at /);
    }, 180_000); // 16 npm starts, 5 at a time, on 2 cores beside other test files: 60 s was too short at load 30
  }
});
