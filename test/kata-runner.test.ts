/**
 * The kata runner CLI (src/cli/kata.ts) on the fixture course (KATA_ROOT=test/fixtures/course).
 * Anything that writes (progress, hints, reset) runs on a temp copy of the fixture, never on real files.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/course/manifest.js';
import { kataCli } from './support/cli.js';

const fixture = path.join(repoRoot, 'test/fixtures/course');

const kata = kataCli;

/** A temp copy of the fixture course (optionally a git repo with one commit). */
function tempCourse(git = false): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kata-course-'));
  cpSync(fixture, dir, { recursive: true, filter: (src) => !path.basename(src).startsWith('.kata-') });
  if (git) {
    const g = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
    g('init', '-q');
    g('add', '-A');
    g('-c', 'user.email=kata@test', '-c', 'user.name=kata test', '-c', 'commit.gpgsign=false', 'commit', '-qm', 'course');
  }
  return dir;
}

/**
 * A copy of the fixture course inside test/fixtures (the kata files import src/lib by relative path), with
 * "names both shapes" marked slow and a console.log in the learner's file; removed by the caller.
 */
function tieredCourse(): string {
  const dir = mkdtempSync(path.join(repoRoot, 'test/fixtures/.tmp-tiers-'));
  cpSync(fixture, dir, { recursive: true, filter: (src) => !path.basename(src).startsWith('.kata-') });
  const manifestFile = path.join(dir, 'katas/manifest.json');
  const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { katas: Array<Record<string, unknown>> };
  m.katas[0]!.slow = ['names both shapes'];
  writeFileSync(manifestFile, JSON.stringify(m, null, 2));
  const add = path.join(dir, 'katas/00-fixture/add.ts');
  const lines = Array.from({ length: 12 }, (_, i) => `  console.log('debug line ${i + 1}:', a.shape, b.shape);`).join('\n');
  writeFileSync(add, readFileSync(add, 'utf8').replace('  return tf.add(a, b);', `${lines}\n  return tf.add(a, b);`));
  return dir;
}

describe('kata runner CLI: tiers and print debugging (fixture course)', () => {
  it('skips the slow tier after a fast failure (--all runs it) and shows console.log under the test, trimmed', async () => {
    const root = tieredCourse();
    try {
      const [tiered, all] = await Promise.all([kata(root, '0'), kata(root, '0', '--all')]);
      expect(tiered.code, tiered.stdout + tiered.stderr).toBe(1);
      const out = tiered.stdout;
      expect(out).toMatch(/- names both shapes in the error \(slow: not run\)/);
      expect(out).toContain('1 slow test not run: the fast ones fail first (--all runs everything: npm run kata 00 -- --all).');
      expect(out).not.toMatch(/solved/);
      // what the learner's code printed, under the test that printed it: 8 lines, then how to see the rest
      const block = out.slice(out.indexOf('✓ adds two tensors of the same shape'));
      expect(block).toMatch(/✓ adds two tensors of the same shape\n\s+│ debug line 1: \[ 3 \] \[ 3 \]\n/);
      expect(block).toContain('│ debug line 8: [ 3 ] [ 3 ]');
      expect(block).not.toContain('debug line 9:');
      expect(block).toContain('│ … (4 more lines: npm run kata 00 -- --verbose shows all of it)');
      // --all: the slow test runs and fails; every failure gets its first line
      expect(all.code, all.stdout + all.stderr).toBe(1);
      expect(all.stdout).toMatch(/✗ names both shapes in the error\s+← the lesson/);
      expect(all.stdout).not.toContain('slow: not run');
      expect(all.stdout).toContain('The other failures (first line of each):');
      expect(all.stdout).toContain('debug line 8:');
      expect(all.stdout).not.toContain('debug line 9:');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('kata runner CLI: --watch (fixture course)', () => {
  it('--watch without a terminal runs once, says why it stopped, and records a solve like a plain run', async () => {
    const root = tieredCourse();
    try {
      // the learner's file is now the reference one: the run solves the kata
      cpSync(path.join(root, 'solutions/00-fixture/add.ts'), path.join(root, 'katas/00-fixture/add.ts'));
      const m = JSON.parse(readFileSync(path.join(root, 'katas/manifest.json'), 'utf8')) as { katas: Array<Record<string, unknown>> };
      m.katas[0]!.slow = [];
      writeFileSync(path.join(root, 'katas/manifest.json'), JSON.stringify(m, null, 2));
      const r = await kata(root, '0', '--watch'); // stdin is a pipe here, not a terminal
      expect(r.stdout, r.stderr).toContain('Kata 00-fixture solved! (recorded: npm run kata shows it ✓)');
      expect(r.stdout).toContain('--watch stopped after one run: stdin is not a terminal');
      expect(JSON.parse(readFileSync(path.join(root, '.kata-progress.json'), 'utf8')).solved).toEqual(['00-fixture']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('kata runner CLI (fixture course)', () => {
  // The two runs that spawn Vitest go side by side to keep the suite quick.
  describe.concurrent('running a kata', () => {
    it('fails on the starting file with exit 1, shows the backend, the tests, the failure and the next step', async () => {
      const r = await kata(fixture, '0');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const out = r.stdout;
      expect(out.split('\n')[0]).toMatch(/^backend: (wasm|cpu|tensorflow) \(.+\) — /);
      expect(out).toContain('Kata 00-fixture — Add without silent broadcasting');
      expect(out).toContain('✓ adds two tensors of the same shape');
      expect(out).toMatch(/✗ refuses to broadcast \[B\] against \[B,1\]\s+← the lesson/);
      expect(out).toContain('2 of 3 tests fail');
      expect(out).toContain('First failure: refuses to broadcast [B] against [B,1]');
      expect(out).toContain('returned a tensor of shape [3,3] instead of throwing');
      expect(out).not.toContain('node_modules');
      expect(out).toMatch(/Next: edit .*katas\/00-fixture\/add\.ts/);
      expect(out).toContain('npm run kata 00 -- --hint');
      expect(out).toContain('npm run kata 00 -- --watch');
    });

    it('--solution runs the same tests against solutions/ and passes with exit 0', async () => {
      const r = await kata(fixture, 'fixture', '--solution');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(/^backend: /);
      expect(r.stdout).toContain('[against the reference solution]');
      expect(r.stdout).toContain('✓ names both shapes in the error');
      expect(r.stdout).toContain('All 3 tests pass');
      expect(r.stdout).not.toContain('✗');
      // --solution never records progress nor touches the learner's file
      expect(existsSync(path.join(fixture, '.kata-progress.json'))).toBe(false);
      expect(readFileSync(path.join(fixture, 'katas/00-fixture/add.ts'), 'utf8')).toContain('return tf.add(a, b);');
    });
  });

  it('lists the katas with progress marks', async () => {
    const root = tempCourse();
    const r = await kata(root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Katas — 0/2 solved');
    expect(r.stdout).toMatch(/▶ 00-fixture\s+Add without silent broadcasting/);
    expect(r.stdout).toMatch(/· 01-fixture-total\s+Total through another kata's safeAdd/);
    expect(r.stdout).toContain('Next: npm run kata 00');
    writeFileSync(path.join(root, '.kata-progress.json'), JSON.stringify({ solved: ['00-fixture'], hintsShown: {} }));
    const middle = await kata(root);
    expect(middle.stdout).toContain('Katas — 1/2 solved');
    expect(middle.stdout).toMatch(/✓ 00-fixture/);
    expect(middle.stdout).toContain('Next: npm run kata 01');
    writeFileSync(path.join(root, '.kata-progress.json'), JSON.stringify({ solved: ['00-fixture', '01-fixture-total'], hintsShown: {} }));
    const after = await kata(root);
    expect(after.stdout).toContain('Katas — 2/2 solved');
    expect(after.stdout).toContain('All katas solved.');
  });

  it('an unknown kata is an error that lists the katas, exit 2', async () => {
    const r = await kata(fixture, '42');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: unknown kata "42". The katas are:');
    expect(r.stderr).toMatch(/00\s+00-fixture\s+Add without silent broadcasting/);
    expect((await kata(fixture, 'reset', 'nope')).code).toBe(2);
  });

  it('--hint walks the hint ladder and remembers it in the progress file', async () => {
    const root = tempCourse();
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await kata(root, '00', '--hint');
      expect(r.code).toBe(0);
      seen.push(r.stdout.split('\n')[0]!);
    }
    expect(seen).toEqual([
      'Hint 1 of 3 for 00-fixture:',
      'Hint 2 of 3 for 00-fixture:',
      'Hint 3 of 3 for 00-fixture:',
      'Hint 3 of 3 for 00-fixture:',
    ]);
    const progress = JSON.parse(readFileSync(path.join(root, '.kata-progress.json'), 'utf8'));
    expect(progress.hintsShown).toEqual({ '00-fixture': 3 });
  });

  it('a corrupted progress file gets a clear message, is moved to .bak and treated as empty', async () => {
    const root = tempCourse();
    writeFileSync(path.join(root, '.kata-progress.json'), '{"solved": ["00-fixture"');
    const r = await kata(root);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: \.kata-progress\.json is corrupted \(.+\); moved it to \.kata-progress\.json\.bak and started with empty progress/);
    expect(r.stdout).toContain('Katas — 0/2 solved');
    expect(readFileSync(path.join(root, '.kata-progress.json.bak'), 'utf8')).toBe('{"solved": ["00-fixture"');
    // A second corruption does not overwrite the first backup.
    writeFileSync(path.join(root, '.kata-progress.json'), '{"solved": 5}');
    const again = await kata(root);
    expect(again.stderr).toContain('"solved": expected an array of kata names');
    expect(again.stderr).toContain('.kata-progress.json.bak.2');
    expect(readFileSync(path.join(root, '.kata-progress.json.bak'), 'utf8')).toBe('{"solved": ["00-fixture"');
  });

  it('reset backs up the learner\'s file and restores the starting version from git', async () => {
    const root = tempCourse(true);
    const file = path.join(root, 'katas/00-fixture/add.ts');
    const starting = readFileSync(file, 'utf8');

    const clean = await kata(root, 'reset', '0');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('katas/00-fixture/add.ts has no local changes: nothing to reset.');
    expect(existsSync(path.join(root, '.kata-backups'))).toBe(false);

    const mine = starting.replace('return tf.add(a, b);', 'return tf.sub(a, b); // my attempt');
    writeFileSync(file, mine);
    writeFileSync(path.join(root, '.kata-progress.json'), JSON.stringify({ solved: ['00-fixture', '01-fixture-total'], hintsShown: {} }));
    const r = await kata(root, 'reset', 'fixture');
    expect(r.code, r.stderr).toBe(0);
    // the reset kata is no longer marked solved; the others keep their mark
    expect(r.stdout).toContain('00-fixture is no longer marked solved');
    expect(JSON.parse(readFileSync(path.join(root, '.kata-progress.json'), 'utf8')).solved).toEqual(['01-fixture-total']);
    const m = /Saved your version of katas\/00-fixture\/add\.ts to (\.kata-backups\/00-fixture\/add\.[0-9T-]+Z\.ts)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(readFileSync(path.join(root, m![1]!), 'utf8')).toBe(mine);
    expect(r.stdout).toContain('Restored katas/00-fixture/add.ts to its starting version (from HEAD)');
    expect(readFileSync(file, 'utf8')).toBe(starting);
    expect(readdirSync(path.join(root, '.kata-backups/00-fixture'))).toHaveLength(1);
  });
});
