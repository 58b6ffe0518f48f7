/**
 * The whole project type-checks against its strict tsconfig.json (`tsc --noEmit`: src, test, katas, solutions, …).
 * A test file of its own rather than a step before `vitest run` in `npm test`: it runs beside the other test
 * files instead of holding one of the two cores idle for its ~12 s, and a type error is listed like any failure.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../src/course/manifest.js';

it('tsc --noEmit: no type error anywhere in the project', () => {
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', repoRoot], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  expect(r.error).toBeUndefined();
  expect(r.stdout + r.stderr, 'tsc --noEmit').toBe('');
  expect(r.status).toBe(0);
}, 300_000);
