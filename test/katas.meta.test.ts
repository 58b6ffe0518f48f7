/**
 * The honesty of the course (DESIGN.md): for every kata of katas/manifest.json, the starting file
 * fails the kata's teaching tests (for the lesson's reason, not a compile/import error) and the
 * solution passes them all. Same logic as `npm run kata verify` (src/course/verify.ts).
 *
 * Also verifies the fixture course, so this test proves something even while the real course
 * lists no katas, and checks that verify does catch a starter that is broken rather than teaching.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, repoRoot } from '../src/course/manifest.js';
import { checkSolution, checkStarter, formatVerifyTable, verify, type VerifyResult } from '../src/course/verify.js';
import type { FileResult } from '../src/course/vitest.js';
import { countsFromVerify, GUIDE, guideProblems } from './guide-numbers.js';

const fixture = path.join(repoRoot, 'test/fixtures/course');

function report(r: VerifyResult): string {
  return [
    ...formatVerifyTable(r),
    ...r.verdicts.flatMap((v) => v.problems.map((p) => `${v.kata.name}: ${p}`)),
    ...r.general,
  ].join('\n');
}

describe.concurrent('katas meta: starters fail for their reason, solutions pass', () => {
  // Through npm, as the README shows it (test/readme-commands.test.ts counts this as its check of `npm run verify`).
  it(`the real course (${loadManifest(repoRoot).katas.length} katas in katas/manifest.json): npm run -s verify`, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
    for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'KATA_ROOT') delete env[k];
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('npm', ['run', '-s', 'verify'], { cwd: repoRoot, env });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });
    const katas = loadManifest(repoRoot).katas;
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^backend: /m);
    expect(r.out).toMatch(/^kata\s+starter\s+solution\s+verdict$/m);
    // One row per kata, in the manifest's order: the starter fails some tests, the solution passes all, verdict ok.
    const rows = r.out.split('\n').filter((l) => /^\d\d-\S+\s/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(katas.map((k) => k.name));
    for (const row of rows) expect(row, r.out).toMatch(/^\S+\s+\d+\/(\d+) fail\s+\1\/\1 pass\s+ok$/);
    expect(r.out).toContain(`verify: all ${katas.length} katas OK`);
    // The instructor guide's "Tests per kata" table (and so every sample built on it) matches these counts.
    expect(guideProblems(readFileSync(path.join(repoRoot, GUIDE), 'utf8'), countsFromVerify(r.out))).toEqual([]);
  }, 600_000);

  it('the fixture course', async () => {
    const r = await verify({ root: fixture });
    expect(r.ok, report(r)).toBe(true);
    expect(r.verdicts).toHaveLength(2);
    expect(r.verdicts[0]).toMatchObject({ starter: '2/3 fail', solution: '3/3 pass', problems: [] });
    // 01 imports 00's file: its starter runs with 00's solution (KATA_OTHER_KATAS), so only its own test fails.
    expect(r.verdicts[1]).toMatchObject({ starter: '1/3 fail', solution: '3/3 pass', problems: [] });
    expect(r.backendLine).toMatch(/^backend: /);
  }, 300_000);
});

describe('verify rules (on recorded results)', () => {
  const kata = loadManifest(fixture).katas[0]!;
  const t = (title: string, status: string, msg = '') => ({
    ancestorTitles: ['00-fixture safeAdd'],
    fullName: `00-fixture safeAdd ${title}`,
    title,
    status,
    failureMessages: msg ? [msg] : [],
  });
  const file = (tests: ReturnType<typeof t>[], message = ''): FileResult => ({
    name: path.join(fixture, 'katas/00-fixture/00-fixture.test.ts'),
    status: 'failed',
    message,
    assertionResults: tests,
  });
  const teach = 'AssertionError: safeAdd([3], [3,1]) returned ... tf.add broadcast the shapes silently';

  it('accepts a starter that fails its teaching tests with the expected message', () => {
    const r = checkStarter(kata, file([t('adds two tensors', 'passed'), t('refuses to broadcast [B] against [B,1]', 'failed', teach), t('names both shapes in the error', 'failed', teach)]), fixture);
    expect(r.problems).toEqual([]);
    expect(r.summary).toBe('2/3 fail');
  });

  it('rejects a starter that does not load (a test file with no results)', () => {
    const r = checkStarter(kata, file([], "SyntaxError: The requested module './add.js' does not provide an export named 'safeAdd'"), fixture);
    expect(r.summary).toBe('broken');
    expect(r.problems.join('\n')).toMatch(/no test results — the starter is broken, not teaching: SyntaxError/);
  });

  it('rejects failures that are code errors, passing teaching tests, unmatched mustFail and failsWith', () => {
    const r = checkStarter(
      kata,
      file([t('refuses to broadcast [B] against [B,1]', 'failed', 'TypeError: safeAdd is not a function'), t('names both shapes in the error', 'passed'), t('other', 'failed', 'AssertionError: expected 1 to be 2')]),
      fixture,
    );
    const text = r.problems.join('\n');
    expect(text).toContain('"refuses to broadcast [B] against [B,1]" fails with a code error — broken, not teaching: TypeError: safeAdd is not a function');
    expect(text).toContain('teaching test "names both shapes in the error" passed (mustFail "names both shapes": it must fail)');
    expect(text).toContain('"other" fails with a message that does not match failsWith /broadcast the shapes silently/');
    const none = checkStarter({ ...kata, mustFail: ['no such test'] }, file([t('x', 'failed', teach)]), fixture);
    expect(none.problems).toContain('mustFail "no such test" matches no test title');
    expect(checkStarter(kata, file([t('x', 'passed')]), fixture).problems[0]).toMatch(/every test passes on the starting file/);
  });

  it('rejects a solution with a failing test, and one with no tests', () => {
    expect(checkSolution(file([t('a', 'passed'), t('b', 'failed', 'AssertionError: nope')]), fixture).problems).toEqual(['solution: "b" fails: AssertionError: nope']);
    expect(checkSolution(file([]), fixture).summary).toBe('broken');
    expect(checkSolution(undefined, fixture).problems[0]).toMatch(/produced no results/);
  });

  it('reports a kata folder that the manifest does not list, and missing files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kata-stray-'));
    try {
      cpSync(path.join(fixture, 'katas/00-fixture'), path.join(dir, 'katas/07-stray'), { recursive: true });
      writeFileSync(path.join(dir, 'katas/manifest.json'), '{ "katas": [] }');
      const r = await verify({ root: dir });
      expect(r.ok).toBe(false);
      expect(r.general).toEqual(['katas/07-stray/ is not listed in katas/manifest.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
