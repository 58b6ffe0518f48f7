import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findKata, loadManifest, ManifestError, repoRoot, validateManifest } from '../src/course/manifest.js';

const good = {
  id: 3,
  name: '03-build-model',
  title: 'Build the model',
  files: ['build-model.ts'],
  hints: ['one', 'two'],
  mustFail: ['freezes the backbone'],
  failsWith: 'trainable',
};

function withKata(patch: Record<string, unknown>, drop: string[] = []): unknown {
  const k: Record<string, unknown> = { ...good, ...patch };
  for (const d of drop) delete k[d];
  return { katas: [k] };
}

const v = (data: unknown) => () => validateManifest(data, 'M.json');

describe('kata manifest validation', () => {
  it('accepts a valid manifest, sorts by id, defaults mustFail to []', () => {
    const m = validateManifest({ katas: [{ ...good }, { id: 1, name: '01-a', title: 'A', files: ['a.ts'], hints: ['h'] }] });
    expect(m.katas.map((k) => k.id)).toEqual([1, 3]);
    expect(m.katas[0]!.mustFail).toEqual([]);
    expect(m.katas[0]!.failsWith).toBeUndefined();
    expect(m.katas[1]!.failsWith).toBe('trainable');
  });

  it('accepts an empty course', () => {
    expect(validateManifest({ katas: [] }).katas).toEqual([]);
  });

  it('names the file, the field, what was expected and what it got', () => {
    expect(v(withKata({ id: '3' }))).toThrow(ManifestError);
    expect(v(withKata({ id: '3' }))).toThrow('M.json: katas[0].id: expected a non-negative integer, got the string "3"');
    expect(v(withKata({ id: 1.5 }))).toThrow(/katas\[0\]\.id: expected a non-negative integer, got number 1\.5/);
    expect(v(withKata({}, ['title']))).toThrow(/katas\[0\]\.title: expected a non-empty string, got nothing \(field missing\)/);
    expect(v(withKata({ files: 'build-model.ts' }))).toThrow(/katas\[0\]\.files: expected an array of strings, got the string "build-model.ts"/);
    expect(v(withKata({ files: [] }))).toThrow(/katas\[0\]\.files: expected at least 1 entry, got an empty array/);
    expect(v(withKata({ files: ['../x.ts'] }))).toThrow(/katas\[0\]\.files\[0\]: expected a \.ts file name inside the kata folder/);
    expect(v(withKata({ hints: ['ok', 7] }))).toThrow(/katas\[0\]\.hints\[1\]: expected a non-empty string, got number 7/);
    expect(v(withKata({ mustFail: [''] }))).toThrow(/katas\[0\]\.mustFail\[0\]: expected a non-empty string/);
    expect(v(withKata({ slow: 'training' }))).toThrow(/katas\[0\]\.slow: expected an array of strings, got the string "training"/);
    expect(v(withKata({ slow: [3] }))).toThrow(/katas\[0\]\.slow\[0\]: expected a non-empty string, got number 3/);
    expect(validateManifest(withKata({ slow: ['trains'] })).katas[0]!.slow).toEqual(['trains']);
    expect(v(withKata({ failsWith: '(' }))).toThrow(/katas\[0\]\.failsWith: expected a valid regular expression, got the string "\("/);
  });

  it('checks the name format and that it matches the id', () => {
    expect(v(withKata({ name: 'build-model' }))).toThrow(/katas\[0\]\.name: expected a folder name like "03-diverging-accuracy"/);
    expect(v(withKata({ name: '04-build-model' }))).toThrow(/katas\[0\]\.name: expected a name starting with the id 03, got the string "04-build-model"/);
  });

  it('rejects duplicates and unknown fields (typos)', () => {
    expect(v({ katas: [good, { ...good, name: '03-other' }] })).toThrow(/katas\[1\]\.id: expected a unique id \(katas\[0\] already has it\)/);
    expect(v(withKata({ hint: ['x'] }))).toThrow(/katas\[0\]\.hint: expected one of the fields id, name, .*got unknown field "hint"/);
    expect(v({ katas: [], extra: 1 })).toThrow(/extra: expected only the field "katas"/);
    expect(v([])).toThrow(/\(top level\): expected an object/);
    expect(v({})).toThrow(/katas: expected an array of katas, got nothing/);
  });

  it('a missing or invalid manifest file is an error naming the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kata-manifest-'));
    const file = path.join(dir, 'katas', 'manifest.json');
    expect(() => loadManifest(dir)).toThrow(`${file}: the kata manifest is missing`);
    mkdirSync(path.dirname(file));
    writeFileSync(file, '{ "katas": [ }');
    expect(() => loadManifest(dir)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON`));
    writeFileSync(file, JSON.stringify(withKata({ hints: [] })));
    expect(() => loadManifest(dir)).toThrow(`${file}: katas[0].hints: expected at least 1 entry`);
  });

  it('finds a kata by 3, 03, 03-build-model or build-model', () => {
    const m = validateManifest({ katas: [good] });
    for (const q of ['3', '03', '03-build-model', 'build-model', ' 03 ']) expect(findKata(m, q)?.name).toBe('03-build-model');
    for (const q of ['4', 'build', '03-build']) expect(findKata(m, q)).toBeUndefined();
  });

  it('the real course manifest and the fixture course manifest are valid', () => {
    expect(() => loadManifest(repoRoot)).not.toThrow();
    expect(loadManifest(path.join(repoRoot, 'test/fixtures/course')).katas.map((k) => k.name)).toEqual(['00-fixture', '01-fixture-total']);
  });
});
