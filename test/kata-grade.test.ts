/**
 * `npm run kata grade` (src/course/grade.ts, junit.ts, checksums.ts, src/cli/kata-grade.ts).
 *
 * The graded learner tree is built from the fixture course (test/fixtures/course) in a temp folder under
 * .cache/ (git-ignored; at the fixture's depth, so its `../../../../../src/lib` imports resolve): kata 00
 * solved, 01 failing, copies of 00 that throw at import, do not compile, have a weakened test file, miss the
 * learner's file — all graded in ONE Vitest run. Tampering with shared files (vitest.config.ts, test/support,
 * src/lib) is checked on a temp copy of the real course's files without running Vitest.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkCourse,
  CHECKSUMS_FILE,
  computeChecksums,
  fingerprint,
  formatChecksums,
  learnerFiles,
  protectedFiles,
  readChecksums,
  staleChecksums,
  writeChecksums,
} from '../src/course/checksums.js';
import { firstErrorLine, kataSources } from '../src/course/grade.js';
import { xmlEscape } from '../src/course/junit.js';
import { loadManifest, repoRoot, type Manifest } from '../src/course/manifest.js';
import { kataCli, type CliResult } from './support/cli.js';

const fixture = path.join(repoRoot, 'test/fixtures/course');
const tmpBase = path.join(repoRoot, '.cache/grade-tests');

const kata = kataCli;

const temps: string[] = [];
function tempDir(): string {
  mkdirSync(tmpBase, { recursive: true });
  const dir = mkdtempSync(path.join(tmpBase, 'course-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Adds kata `name` as a copy of the fixture's kata 00 (same test, same starting file), as a course developer would. */
function addCopyOf00(root: string, id: number, name: string): void {
  const from = path.join(root, 'katas/00-fixture');
  cpSync(from, path.join(root, 'katas', name), { recursive: true });
  renameSync(path.join(root, 'katas', name, '00-fixture.test.ts'), path.join(root, 'katas', name, `${name}.test.ts`));
  cpSync(path.join(root, 'solutions/00-fixture'), path.join(root, 'solutions', name), { recursive: true });
  const m = JSON.parse(readFileSync(path.join(root, 'katas/manifest.json'), 'utf8')) as { katas: Record<string, unknown>[] };
  m.katas.push({ ...m.katas[0]!, id, name, title: `Copy of kata 00 (${name})` });
  writeFileSync(path.join(root, 'katas/manifest.json'), JSON.stringify(m, null, 2) + '\n');
}

const solvedAdd = () => readFileSync(path.join(fixture, 'solutions/00-fixture/add.ts'), 'utf8');

/**
 * A learner's checkout: the course (fixture + 4 copies of kata 00, checksums regenerated), then the learner's work.
 *   00 solved · 01 fails (its own bug) · 02 throws at import · 03 weakened its test (which then passes)
 *   04 does not compile · 05 deleted its file · a .kata-progress.json that claims everything is solved
 */
function learnerTree(): string {
  const root = tempDir();
  cpSync(fixture, root, { recursive: true, filter: (src) => !path.basename(src).startsWith('.kata-') });
  addCopyOf00(root, 2, '02-throws');
  addCopyOf00(root, 3, '03-weakened');
  addCopyOf00(root, 4, '04-syntax');
  addCopyOf00(root, 5, '05-missing');
  writeChecksums(root, loadManifest(root));
  // The learner's own fix: not byte for byte the reference (that would be "caught up", test/kata-class.test.ts).
  writeFileSync(path.join(root, 'katas/00-fixture/add.ts'), solvedAdd().replace('reshape one of them explicitly', 'reshape one of them first'));
  writeFileSync(path.join(root, 'katas/02-throws/add.ts'), `throw new Error('add.ts: not ready yet (thrown at import)');\n${solvedAdd()}`);
  const weak = path.join(root, 'katas/03-weakened/03-weakened.test.ts');
  writeFileSync(weak, readFileSync(weak, 'utf8').replace(/it\('refuses to broadcast/, "it.skip('refuses to broadcast").replace(/it\('names both shapes/, "it.skip('names both shapes"));
  writeFileSync(path.join(root, 'katas/04-syntax/add.ts'), solvedAdd().replace('return tf.add(a, b);', 'return tf.add(a, b;'));
  rmSync(path.join(root, 'katas/05-missing/add.ts'));
  writeFileSync(path.join(root, '.kata-progress.json'), JSON.stringify({ solved: ['00-fixture', '01-fixture-total', '02-throws', '03-weakened', '04-syntax', '05-missing'], hintsShown: {} }));
  return root;
}

// ---- a tiny XML reader for the JUnit check (no XML library is installed) --------------------------------
interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}

/** Parses the subset of XML the report uses (declaration, elements, attributes, text); throws on malformed input. */
function parseXml(xml: string): XmlNode {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`XML: ${what} at offset ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`);
  };
  const decl = /^<\?xml [^?]*\?>\s*/.exec(xml);
  if (!decl) fail('expected an <?xml ...?> declaration');
  i = decl![0].length;
  const element = (): XmlNode => {
    const open = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(xml.slice(i));
    if (!open) fail('expected a start tag');
    i += open![0].length;
    const attrs: Record<string, string> = {};
    for (const m of open![2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (m[1]! in attrs) fail(`duplicate attribute ${m[1]}`);
      attrs[m[1]!] = unescapeXml(m[2]!);
    }
    const node: XmlNode = { name: open![1]!, attrs, children: [], text: '' };
    if (open![3] === '/') return node;
    for (;;) {
      const text = /^[^<]*/.exec(xml.slice(i))![0];
      if (/&(?!(lt|gt|quot|apos|amp);)/.test(text)) fail('a bare & in text');
      node.text += unescapeXml(text);
      i += text.length;
      if (xml.startsWith(`</${node.name}>`, i)) {
        i += node.name.length + 3;
        return node;
      }
      if (xml.startsWith('</', i)) fail(`expected </${node.name}>`);
      if (i >= xml.length) fail(`unclosed <${node.name}>`);
      node.children.push(element());
    }
  };
  const rootNode = element();
  if (xml.slice(i).trim() !== '') fail('content after the root element');
  return rootNode;
}

describe('kata grade: a learner tree in one Vitest run', () => {
  let root: string;
  let run: CliResult;
  let junit: string;
  let json: {
    katas: { id: number; name: string; passed: boolean; status: string; tests: { passed: number; total: number }; seconds: number; message?: string }[];
    score: { passed: number; total: number; percent: number; tests: { passed: number; total: number } };
    course: { fingerprint: string; checksums: string; protectedFiles: number; changed: { file: string; change: string; kata: string | null }[] };
    backend: string;
    seconds: number;
  };

  beforeAll(async () => {
    root = learnerTree();
    junit = path.join(root, 'grade.xml');
    run = await kata(root, 'grade', '--json', '--junit', junit);
    json = JSON.parse(run.stdout);
  }, 120_000);

  it('exits 0 (grading ran) and prints the backend, a table per kata, the score and the fingerprint (on stderr with --json)', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const out = run.stderr;
    expect(out).toContain("Grading 6 katas against the learner's files");
    expect(out).toMatch(/\nbackend: (wasm|cpu|tensorflow) /);
    expect(out).toMatch(/kata\s+passed\s+tests\s+seconds\s+status/);
    const row = (name: string) => out.split('\n').find((l) => l.startsWith(name + ' '));
    expect(row('00-fixture')).toMatch(/^00-fixture\s+yes\s+3\/3\s+\d+\.\d\s+passed$/);
    expect(row('01-fixture-total')).toMatch(/\s+no\s+2\/3\s+\d+\.\d\s+failed: rejects an empty list, naming ts: AssertionError: total\(\[\]\) returned/);
    expect(row('02-throws')).toMatch(/\s+no\s+0\/0\s+\d+\.\d\s+does not load: add\.ts: not ready yet \(thrown at import\)$/);
    expect(row('03-weakened')).toMatch(/\s+no\s+1\/3\s+\d+\.\d\s+tests modified: changed: katas\/03-weakened\/03-weakened\.test\.ts \(modified\)$/);
    expect(row('04-syntax')).toMatch(/\s+no\s+0\/0\s+\d+\.\d\s+does not load: \[PARSE_ERROR\] Expected `,` or `\)` but found `;` \(at katas\/04-syntax\/add\.ts:8:21\)$/);
    expect(row('05-missing')).toMatch(/\s+no\s+0\/0\s+0\.0\s+missing: katas\/05-missing\/add\.ts does not exist$/);
    expect(out).toContain('score: 1/6 katas passed (16.7%), 5/6 tests in katas with unmodified tests;');
    expect(out).toMatch(/course fingerprint: sha256:[0-9a-f]{16} — 1 of 13 protected files changed: katas\/03-weakened\/03-weakened\.test\.ts \(modified\)/);
  });

  it('--json: stdout is one JSON object (nothing else) with katas, score, course fingerprint, backend and seconds', () => {
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(Object.keys(json)).toEqual(['katas', 'score', 'course', 'backend', 'seconds']);
    expect(json.katas.map((k) => [k.id, k.name, k.passed, k.status, `${k.tests.passed}/${k.tests.total}`])).toEqual([
      [0, '00-fixture', true, 'passed', '3/3'],
      [1, '01-fixture-total', false, 'failed', '2/3'],
      [2, '02-throws', false, 'does not load', '0/0'],
      [3, '03-weakened', false, 'tests modified', '1/3'],
      [4, '04-syntax', false, 'does not load', '0/0'],
      [5, '05-missing', false, 'missing', '0/0'],
    ]);
    for (const k of json.katas) {
      expect(Object.keys(k)).toEqual(['id', 'name', 'passed', 'status', 'tests', 'seconds', ...(k.passed ? [] : ['message'])]);
      // import + tests + hooks of each file that ran (the timing reporter); 0 for the kata whose file is missing
      if (k.status === 'missing') expect(k.seconds).toBe(0);
      else if (k.status === 'does not load') expect(k.seconds).toBeGreaterThanOrEqual(0);
      else expect(k.seconds, k.name).toBeGreaterThan(0);
    }
    expect(json.katas[2]!.message).toBe('add.ts: not ready yet (thrown at import)');
    expect(json.katas[4]!.message).toMatch(/^\[PARSE_ERROR\] .* \(at katas\/04-syntax\/add\.ts:8:21\)$/);
    expect(json.score).toEqual({ passed: 1, total: 6, caughtUp: 0, percent: 16.7, tests: { passed: 5, total: 6 } });
    const list = readFileSync(path.join(root, CHECKSUMS_FILE));
    expect(json.course).toEqual({
      fingerprint: fingerprint(list),
      checksums: 'katas/checksums.json',
      protectedFiles: 13,
      changed: [{ file: 'katas/03-weakened/03-weakened.test.ts', change: 'modified', kata: '03-weakened' }],
    });
    expect(json.backend).toMatch(/^(wasm|cpu|tensorflow) \(/);
    expect(json.seconds).toBeGreaterThan(0);
  });

  it('never trusts nor writes .kata-progress.json (it claims all 6 solved)', () => {
    expect(JSON.parse(readFileSync(path.join(root, '.kata-progress.json'), 'utf8')).solved).toHaveLength(6);
    expect(run.stdout).not.toMatch(/solved!/);
  });

  it('--junit: well-formed XML, one <testsuite> per kata, one <testcase> per test, a failing case per broken kata', () => {
    const doc = parseXml(readFileSync(junit, 'utf8'));
    expect(doc.name).toBe('testsuites');
    const suites = doc.children;
    expect(suites.map((s) => [s.name, s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ['testsuite', '00-fixture', '3', '0'],
      ['testsuite', '01-fixture-total', '3', '1'],
      ['testsuite', '02-throws', '1', '1'],
      ['testsuite', '03-weakened', '1', '1'],
      ['testsuite', '04-syntax', '1', '1'],
      ['testsuite', '05-missing', '1', '1'],
    ]);
    expect(doc.attrs).toMatchObject({ tests: '10', failures: '5' });
    const cases = (i: number) => suites[i]!.children.filter((c) => c.name === 'testcase');
    expect(cases(0).map((c) => [c.attrs.classname, c.attrs.name, c.children.length])).toEqual([
      ['00-fixture', 'adds two tensors of the same shape', 0],
      ['00-fixture', 'refuses to broadcast [B] against [B,1]', 0],
      ['00-fixture', 'names both shapes in the error', 0],
    ]);
    const failure = cases(1).find((c) => c.attrs.name === 'rejects an empty list, naming ts')!.children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attrs.message).toMatch(/^AssertionError: total\(\[\]\) returned a tensor of shape \[\] instead of throwing/);
    expect(failure.text).toContain('an empty list is not a sum');
    expect(cases(1).filter((c) => c.children.length === 0)).toHaveLength(2);
    const only = (i: number) => cases(i)[0]!.children[0]!;
    expect(only(2).attrs.message).toBe('does not load: add.ts: not ready yet (thrown at import)');
    expect(only(3).attrs.message).toBe('tests modified: changed: katas/03-weakened/03-weakened.test.ts (modified)');
    expect(cases(3)[0]!.attrs.name).toBe('03-weakened: tests modified');
    expect(only(5).attrs.message).toBe('missing: katas/05-missing/add.ts does not exist');
    for (const s of suites) {
      const props = s.children.find((c) => c.name === 'properties')!.children;
      expect(props.find((p) => p.attrs.name === 'course.fingerprint')!.attrs.value).toBe(json.course.fingerprint);
      expect(Number(s.attrs.time)).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('kata grade: usage errors are one line, exit 2', () => {
  it.concurrent.each([
    [['grade', '--bogus'], /^error: --bogus: unknown option; expected one of --json, --junit$/],
    [['grade', '--junit'], /^error: --junit: expected a value <file>, got none$/],
    [['grade', '--junit', '--json'], /^error: --junit: expected a file name for the JUnit XML report, got "--json"$/],
    [['grade', '--junit', '/no/such/folder/grade.xml'], /^error: --junit: expected a file in an existing folder, got \/no\/such\/folder\/grade\.xml/],
    [['grade', 'extra'], /^error: arguments: expected none \(only --options\), got "extra"$/],
  ])('%j', async (args, message) => {
    const r = await kata(fixture, ...args);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stdout).not.toContain('Grading');
  });
});

describe('tamper evidence: katas/checksums.json', () => {
  it('is up to date in the real course and the fixture course (else: run `npm run kata checksums`)', () => {
    for (const root of [repoRoot, fixture]) {
      const s = staleChecksums(root, loadManifest(root));
      const rel = path.relative(repoRoot, path.join(root, CHECKSUMS_FILE));
      expect(
        s,
        `${rel} is out of date — run \`${root === repoRoot ? '' : 'KATA_ROOT=' + path.relative(repoRoot, root) + ' '}npm run kata checksums\` and commit it:\n` +
          JSON.stringify(s, null, 2),
      ).toEqual({ added: [], removed: [], changed: [] });
    }
  });

  it.skipIf(!existsSync(path.join(repoRoot, '.git')))('lists only files git knows, so a workflow can restore each of them from the template', () => {
    const tracked = new Set(execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot }).toString('utf8').split('\0'));
    for (const root of [repoRoot, fixture]) {
      const read = readChecksums(root);
      if ('problem' in read) return expect.fail(read.problem);
      const prefix = path.relative(repoRoot, root).split(path.sep).join('/');
      const unknown = Object.keys(read.checksums.files).filter((f) => !tracked.has(prefix ? `${prefix}/${f}` : f));
      expect(unknown, `${prefix || '.'}: \`git add\` these protected files (or delete them and run \`npm run kata checksums\`)`).toEqual([]);
    }
  });

  it('protects tests, manifest, solutions, src/lib, src/course, test/support, configs, data and models — not the learner\'s files, READMEs or demos', () => {
    const m = loadManifest(repoRoot);
    const list = protectedFiles(repoRoot, m);
    for (const f of ['katas/manifest.json', 'katas/01-build-model/01-build-model.test.ts', 'katas/01-build-model/pretrained-features.json', 'katas/10-capstone/seed-data.ts', 'solutions/10-capstone/capstone.ts', 'src/lib/tf.ts', 'src/course/grade.ts', 'test/support/kata-test.ts', 'test/global-setup.ts', 'vitest.config.ts', 'tsconfig.json', 'package.json', 'models/resnet-mini-fashion8/weights.bin', 'data/fashion-mnist-dress-coat/train-images-idx3-ubyte.gz']) {
      expect(list, f).toContain(f);
    }
    for (const f of [...learnerFiles(m), 'katas/checksums.json', 'katas/01-build-model/README.md', 'katas/01-build-model/demo.ts']) {
      expect(list, f).not.toContain(f);
    }
    expect(list.filter((f) => f.startsWith('src/') && !f.startsWith('src/lib/') && !f.startsWith('src/course/'))).toEqual([]);
  });

  it('every file a kata test imports (statically, transitively) is protected or a learner\'s file', () => {
    const m = loadManifest(repoRoot);
    const allowed = new Set([...protectedFiles(repoRoot, m), ...learnerFiles(m)]);
    const seen = new Set<string>();
    const unprotected: string[] = [];
    const visit = (abs: string, from: string): void => {
      const rel = path.relative(repoRoot, abs).split(path.sep).join('/');
      if (seen.has(rel)) return;
      seen.add(rel);
      if (!allowed.has(rel)) unprotected.push(`${rel} (from ${from})`);
      if (!/\.ts$/.test(rel) || !existsSync(abs)) return;
      // without comments (a doc comment may show an example import)
      const src = readFileSync(abs, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|new URL\(\s*)'(\.{1,2}\/[^']+)'/g)].map((x) => x[1]!);
      for (const s of specs) {
        let target = path.resolve(path.dirname(abs), s);
        if (!existsSync(target) && target.endsWith('.js')) target = target.replace(/\.js$/, '.ts');
        visit(target, rel);
      }
    };
    for (const k of m.katas) visit(path.join(repoRoot, 'katas', k.name, `${k.name}.test.ts`), 'the kata suite');
    expect(seen.size).toBeGreaterThan(30);
    expect(unprotected).toEqual([]);
  });

  describe('on a temp copy of the real course files (no Vitest run)', () => {
    let root: string;
    let m: Manifest;
    beforeAll(() => {
      root = tempDir();
      m = loadManifest(repoRoot);
      for (const f of [...protectedFiles(repoRoot, m), ...learnerFiles(m)]) {
        mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
        cpSync(path.join(repoRoot, f), path.join(root, f));
      }
      writeFileSync(path.join(root, CHECKSUMS_FILE), formatChecksums(computeChecksums(root, m)));
    });

    it('a pristine copy matches; the learner\'s own files and CRLF line endings change nothing', () => {
      const file = path.join(root, 'katas/04-dtype-cast/dtype-cast.ts');
      writeFileSync(file, readFileSync(file, 'utf8') + '\n// my fix\n');
      const support = path.join(root, 'test/support/kata-test.ts');
      const lf = readFileSync(support, 'utf8');
      writeFileSync(support, lf.replace(/\n/g, '\r\n'));
      try {
        const c = checkCourse(root, m);
        expect(c.changed).toEqual([]);
        expect(c.files).toBe(protectedFiles(repoRoot, m).length);
        expect(c.fingerprint).toBe(fingerprint(readFileSync(path.join(root, CHECKSUMS_FILE))));
      } finally {
        writeFileSync(support, lf);
      }
    });

    it.each([
      ['test/support/kata-test.ts', undefined],
      ['vitest.config.ts', undefined],
      ['src/lib/guards/index.ts', undefined],
      ['katas/manifest.json', undefined],
      ['solutions/05-squeeze/squeeze.ts', '05-squeeze'],
      ['katas/10-capstone/seed-data.ts', '10-capstone'],
      ['katas/05-squeeze/05-squeeze.test.ts', '05-squeeze'],
    ])('an edit to %s is reported (kata: %s; undefined = every kata)', (file, kataName) => {
      const abs = path.join(root, file);
      if (!existsSync(abs)) return expect.fail(`${file} is not in the course any more: update this test`);
      const before = readFileSync(abs);
      writeFileSync(abs, Buffer.concat([before, Buffer.from('\n// passes now\n')]));
      try {
        expect(checkCourse(root, m).changed).toEqual([{ file, change: 'modified', kata: kataName }]);
      } finally {
        writeFileSync(abs, before);
      }
    });

    it('a deleted test file, an entry removed from the list, an edited or missing list', () => {
      const test = path.join(root, 'katas/03-diverging-accuracy/03-diverging-accuracy.test.ts');
      const keep = readFileSync(test);
      rmSync(test);
      expect(checkCourse(root, m).changed).toEqual([{ file: 'katas/03-diverging-accuracy/03-diverging-accuracy.test.ts', change: 'missing', kata: '03-diverging-accuracy' }]);
      writeFileSync(test, keep);

      const listFile = path.join(root, CHECKSUMS_FILE);
      const list = readFileSync(listFile, 'utf8');
      const original = fingerprint(list);
      const edited = JSON.parse(list);
      delete edited.files['katas/03-diverging-accuracy/03-diverging-accuracy.test.ts'];
      writeFileSync(listFile, JSON.stringify(edited, null, 2) + '\n');
      const c = checkCourse(root, m);
      expect(c.changed).toEqual([{ file: 'katas/03-diverging-accuracy/03-diverging-accuracy.test.ts', change: 'not listed', kata: '03-diverging-accuracy' }]);
      expect(c.fingerprint).not.toBe(original); // an edited list shows as another fingerprint

      rmSync(listFile);
      expect(checkCourse(root, m).problem).toBe('katas/checksums.json is missing: the course files cannot be checked');
      writeFileSync(listFile, '{"algorithm": "md5", "files": {}}');
      expect(checkCourse(root, m).problem).toMatch(/expected \{ "algorithm": "sha256"/);
      writeFileSync(listFile, list);
      expect(checkCourse(root, m).fingerprint).toBe(original);
    });
  });

  it('`npm run kata checksums -- --check` names the changed file and the command; without --check it rewrites the list', async () => {
    const root = tempDir();
    cpSync(fixture, root, { recursive: true });
    const before = await kata(root, 'checksums', '--check');
    expect(before.code, before.stdout + before.stderr).toBe(0);
    expect(before.stdout).toContain('katas/checksums.json is up to date.');
    const test = path.join(root, 'katas/00-fixture/00-fixture.test.ts');
    writeFileSync(test, readFileSync(test, 'utf8') + '\n');
    const stale = await kata(root, 'checksums', '--check');
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('katas/checksums.json is out of date (1 file):');
    expect(stale.stdout).toContain('changed  katas/00-fixture/00-fixture.test.ts');
    expect(stale.stdout).toContain('Run npm run kata checksums and commit katas/checksums.json.');
    const write = await kata(root, 'checksums');
    expect(write.code).toBe(0);
    expect(write.stdout).toMatch(/Wrote .*katas\/checksums\.json: 5 protected files\.\nCourse fingerprint: sha256:[0-9a-f]{64}/);
    expect((await kata(root, 'checksums', '--check')).code).toBe(0);
  });
});

describe('grade helpers', () => {
  it("kataSources: a kata's files and the other katas' files they import, however they import them (a type error there counts)", () => {
    const root = tempDir();
    const put = (rel: string, text: string): void => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    };
    put('katas/03-c/c.ts', "import './side-effect.js';\nexport * from '../01-a/a.js';\nimport type { B } from '../02-b/b.js';\nconst d = await import('../04-d/d.js');\nimport { t } from './c.test.js';\nimport { lib } from '../../src/lib/x.js';\n");
    put('katas/03-c/side-effect.ts', "import '../05-e/e.js';\n");
    for (const k of ['01-a/a', '02-b/b', '04-d/d', '05-e/e']) put(`katas/${k}.ts`, 'export {};\n');
    const found = kataSources({ name: '03-c', files: ['c.ts'] }, root).map((f) => path.relative(root, f)).sort();
    expect(found).toEqual(['katas/01-a/a.ts', 'katas/02-b/b.ts', 'katas/03-c/c.ts', 'katas/03-c/side-effect.ts', 'katas/04-d/d.ts', 'katas/05-e/e.ts']);
  });

  it('firstErrorLine skips a transform error\'s lead line and keeps the error', () => {
    expect(firstErrorLine('Transform failed with 1 error:\n/x/katas/a/add.ts:7:22: ERROR: Expected ")" but found ";"', '/x')).toBe('katas/a/add.ts:7:22: ERROR: Expected ")" but found ";"');
    expect(firstErrorLine('\n\nError: boom\n    at f (/x/katas/a.ts:1:1)', '/x')).toBe('Error: boom (at katas/a.ts:1:1)');
    expect(firstErrorLine('Error: boom', '/x')).toBe('Error: boom');
  });

  it('xmlEscape escapes the five entities and drops ANSI and other characters XML cannot hold', () => {
    expect(xmlEscape(`a<b>&"c"'\u001b[31mred\u001b[39m\u0000\u0007 \ud800x`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;red x');
    expect(parseXml(`<?xml version="1.0"?><a t="${xmlEscape('<&>"\'')}">${xmlEscape('x < y & z')}</a>`)).toEqual({ name: 'a', attrs: { t: '<&>"\'' }, children: [], text: 'x < y & z' });
    expect(() => parseXml('<?xml version="1.0"?><a><b></a>')).toThrow(/expected <\/b>/);
    expect(() => parseXml('<?xml version="1.0"?><a>x & y</a>')).toThrow(/bare &/);
  });
});
