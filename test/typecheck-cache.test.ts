/**
 * src/course/typecheck-cache.ts: a type-check result is reused only while everything the checker saw is the same —
 * the checked files, every file it read outside node_modules, and every path it looked for and did not find.
 * Run through the real checker (src/course/typecheck-program.ts) on tiny course copies: 3 checks, ~10 s of CPU.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedTypecheck, storeTypecheck } from '../src/course/typecheck-cache.js';
import { typecheckFiles } from '../src/course/typecheck-program.js';
import { startTypecheckServer } from '../src/course/typecheck.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'typecheck-cache-'));
const saved = process.env.KATA_TYPECHECK_CACHE;
process.env.KATA_TYPECHECK_CACHE = path.join(tmp, 'results'); // an empty cache of its own, not the course's
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (saved === undefined) delete process.env.KATA_TYPECHECK_CACHE;
  else process.env.KATA_TYPECHECK_CACHE = saved;
});

function write(root: string, file: string, text: string): string {
  const f = path.join(root, file);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, text);
  return f;
}
const codes = (m: Map<string, { code: number }[]> | undefined) => (m ? [...m.values()].flat().map((p) => p.code) : undefined);

describe('type-check result cache', () => {
  // The same learner file in copies of a course at different depths; its import leaves the course root, as the
  // fixture course's ../../../../../src/lib does: it resolves from `a` (and `c`, at a's depth), not from `b`.
  const learnerFile = `import { n } from '../../../../lib/dep.js';\nexport const s: string = n;\n`;
  const a = path.join(tmp, 'one', 'a'); // katas/01-x → ../../../../lib = tmp/lib
  const b = path.join(tmp, 'two', 'deeper', 'b'); // → tmp/two/lib: none
  const c = path.join(tmp, 'three', 'c');
  const [fa, fb, fc] = [a, b, c].map((r) => write(r, 'katas/01-x/x.ts', learnerFile)) as [string, string, string];
  write(tmp, 'lib/dep.ts', `export const n = 'one';\n`);

  it('an import that does not resolve from one copy is no hit for a copy from which it does, and back', () => {
    expect(codes(typecheckFiles(b, [fb]))).toEqual([2307]); // cannot find module
    expect(codes(cachedTypecheck(b, [fb]))).toEqual([2307]); // unchanged: a hit
    // the two earlier caches answered 2307 here: b's failed probes, kept as absolute paths, are absent for a too
    expect(cachedTypecheck(a, [fa])).toBeUndefined();
    expect(codes(typecheckFiles(a, [fa]))).toEqual([]);
    expect(codes(cachedTypecheck(a, [fa]))).toEqual([]);
    expect(codes(cachedTypecheck(b, [fb]))).toEqual([2307]); // each copy keeps its own truth
    expect(codes(cachedTypecheck(c, [fc]))).toEqual([]); // another copy at a's depth sees a's world
  });

  it('a file the checked one imports changes: a miss', () => {
    write(tmp, 'lib/dep.ts', 'export const n = 1;\n'); // now x.ts has a type error: the old "no problems" must not come back
    expect(cachedTypecheck(a, [fa])).toBeUndefined();
    write(tmp, 'lib/dep.ts', `export const n = 'one';\n`);
    expect(codes(cachedTypecheck(a, [fa]))).toEqual([]);
  });

  it('the learner edits the checked file: a miss; another set of files has its own entry', () => {
    write(a, 'katas/01-x/x.ts', learnerFile.replace('string', 'number'));
    expect(cachedTypecheck(a, [fa])).toBeUndefined();
    expect(cachedTypecheck(a, [path.join(tmp, 'lib/dep.ts')])).toBeUndefined();
  });

  it('a check of several files (grade, verify) answers for each file alone, and the parts answer for the whole', () => {
    const g = path.join(tmp, 'g');
    const x = write(g, 'katas/01-x/x.ts', `export const x: number = 1;\n`);
    const y = write(g, 'katas/02-y/y.ts', `import { x } from '../01-x/x.js';\nexport const y: string = x;\n`);
    expect(codes(typecheckFiles(g, [x, y]))).toEqual([2322]);
    expect(codes(cachedTypecheck(g, [x]))).toEqual([]);
    expect([...cachedTypecheck(g, [y])!.keys()].sort()).toEqual([x, y]); // y's part: y and the kata file it imports
    expect(codes(cachedTypecheck(g, [y]))).toEqual([2322]);
    write(g, 'katas/01-x/x.ts', `export const x: string = 'one';\n`); // x changed: y's part saw the old x
    expect(cachedTypecheck(g, [y])).toBeUndefined();
    expect(cachedTypecheck(g, [x, y])).toBeUndefined();
  });

  it('keyed by what the checker read: a file saved while the check ran is a miss, never a stale hit', () => {
    const f = write(b, 'katas/02-y/y.ts', 'export const y: number = 2;\n');
    // the checker read a version with a type error; by the time it stores, the learner has saved the fix
    const read = new Map([[f, `export const y: string = 2;\n`]]);
    storeTypecheck(b, [f], { read, absent: new Map() }, new Map([[f, [{ file: 'katas/02-y/y.ts', line: 1, col: 14, code: 2322, message: 'no' }]]]));
    expect(cachedTypecheck(b, [f])).toBeUndefined();
  });

  it('a watch session keeps its checker: a save is re-checked without parsing the libraries again', async () => {
    const d = path.join(tmp, 'd');
    const z = write(d, 'katas/03-z/z.ts', `import { x } from '../../lib/x.js';\nexport const z: string = x;\n`);
    write(d, 'lib/x.ts', `export const x: number = 1;\n`);
    const server = startTypecheckServer();
    try {
      const first = await server.check(d, [z]);
      expect(codes(first.problems)).toEqual([2322]);
      write(d, 'katas/03-z/z.ts', `import { x } from '../../lib/x.js';\nexport const z: number = x;\n`); // the fix
      const second = await server.check(d, [z]);
      expect(second.error).toBeUndefined();
      expect(codes(second.problems)).toEqual([]);
      write(d, 'lib/x.ts', `export const x: string = 'x';\n`); // an imported file changed under the session
      expect(codes((await server.check(d, [z])).problems)).toEqual([2322]);
      // the re-checks parse one file each; the first parsed ~800 (a loose bound: the machine may be busy)
      expect(second.seconds, `first check ${first.seconds} s, re-check ${second.seconds} s`).toBeLessThan(first.seconds);
    } finally {
      server.close();
    }
  }, 120_000);
});
