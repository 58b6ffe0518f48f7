/**
 * src/course/typecheck-cache.ts: a type-check result is reused only while every input is the same — the checked
 * files, and every other file the program read outside node_modules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedTypecheck, storeTypecheck } from '../src/course/typecheck-cache.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'typecheck-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const file = path.join(root, 'katas', 'x.ts');
const dep = path.join(root, 'katas', 'dep.ts');
const problem = { file: 'katas/x.ts', line: 2, col: 7, code: 2322, message: "Type 'number' is not assignable to type 'string'." };

function write(f: string, text: string): void {
  writeFileSync(f, text);
}

describe('type-check result cache', () => {
  it('hits for the same contents, misses when the checked file or a file it read changes, never crosses files', () => {
    mkdirSync(path.join(root, 'katas'), { recursive: true });
    write(file, `import { n } from './dep.js';\nconst s: string = n;\n`);
    write(dep, 'export const n = 1;\n');
    expect(cachedTypecheck(root, [file])).toBeUndefined();
    storeTypecheck(root, [file], [file, dep, '/somewhere/node_modules/x/index.d.ts'], new Map([[file, [problem]]]));
    expect(cachedTypecheck(root, [file])?.get(file)).toEqual([problem]);

    write(dep, 'export const n = "one";\n'); // what the file imports changed: the old verdict may be wrong
    expect(cachedTypecheck(root, [file])).toBeUndefined();
    write(dep, 'export const n = 1;\n');
    expect(cachedTypecheck(root, [file])?.get(file)).toEqual([problem]);

    write(file, `import { n } from './dep.js';\nconst s: number = n;\n`); // the learner's fix
    expect(cachedTypecheck(root, [file])).toBeUndefined();
    expect(cachedTypecheck(root, [dep])).toBeUndefined(); // another set of files has its own entry
  });
});
