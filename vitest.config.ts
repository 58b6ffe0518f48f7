import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * Two suites share this config:
 *  - the project's own tests (default): test/**\/*.test.ts
 *  - the kata suite (KATA_SUITE=1): the katas' tests, against the learner's files (KATA_TARGET=starter,
 *    the default) or against solutions/ (KATA_TARGET=solution) through the alias below.
 * KATA_ROOT points at the folder that holds katas/ and solutions/ (the repo, or a test fixture).
 */
const root = path.resolve(process.env.KATA_ROOT ?? '.');
const katasDir = path.join(root, 'katas') + path.sep;
const solutionsDir = path.join(root, 'solutions') + path.sep;
const useSolution = process.env.KATA_TARGET === 'solution';
/**
 * KATA_OTHER_KATAS=solution (set by `kata verify` for its starter run): a kata file that imports
 * ANOTHER kata's file (the capstone uses katas 01–05) gets that kata's solution, so the capstone's
 * starting file is judged on its own defects, not on the other katas' starting files.
 */
const otherKatasSolved = process.env.KATA_OTHER_KATAS === 'solution';

/** The kata folder ("10-capstone") of a path under katas/. */
function kataOf(id: string): string {
  return id.slice(katasDir.length).split(/[\\/]/)[0] ?? '';
}

/** Redirects imports of katas/NN-name/file.ts to solutions/NN-name/file.ts; test files stay put. */
function solutionAlias(): Plugin {
  return {
    name: 'kata-solution-alias',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!(useSolution || otherKatasSolved) || !importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || !resolved.id.startsWith(katasDir) || /\.test\.ts$/.test(resolved.id)) return null;
      if (!useSolution && !(importer.startsWith(katasDir) && kataOf(importer) !== kataOf(resolved.id))) return null;
      const swapped = solutionsDir + resolved.id.slice(katasDir.length);
      return existsSync(swapped) ? swapped : null;
    },
  };
}

const kataSuite = process.env.KATA_SUITE === '1';

export default defineConfig({
  plugins: [solutionAlias()],
  test: {
    include: kataSuite
      ? [path.join(root, 'katas/**/*.test.ts')]
      : ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(kataSuite ? [] : ['test/fixtures/**'])],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
