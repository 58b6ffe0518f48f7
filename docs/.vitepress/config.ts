/**
 * The course site (VitePress 1.6): `npm run site` serves it, `npm run site:build` writes it to
 * docs/.vitepress/dist. Its pages are the repository's own Markdown, read where it lies at build time
 * (srcDir is the repository root): the lessons katas/NN-name/README.md, docs/outline.md,
 * docs/instructor-guide.md, docs/results.md, docs/gpu.md, docs/performance.md, docs/architecture.md,
 * docs/pytorch-to-tfjs.md; and three pages written for the site only under docs/site/ (home, before you
 * start, the instructor's projection page). Nothing is copied: a lesson page is its README plus, inserted
 * at build time (lessons.ts), its diagram, its figures and its live experiment.
 *
 * Offline: VitePress's default theme without search, fonts or any remote asset (the test checks the HTML).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';
import { copyRepoFiles } from './live/plugins.js';
import { lessonMarkdown, LESSONS } from './lessons.js';
import { livePlugins, repoFilesPlugin } from './live/plugins.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  title: 'transfer-katas',
  description: 'Transfer learning in TensorFlow.js, and the bugs that hide in it — a test-driven kata course.',
  srcDir: repo,
  // Only the course's Markdown is a page: not the developer README, the fixtures or the data notice.
  srcExclude: ['README.md', 'data/**', 'models/**', 'test/**', 'bench/**', 'src/**', 'solutions/**', 'runs/**', 'coverage/**', 'scratch/**', 'tmp/**', '.*/**', 'shared/**'],
  rewrites: {
    // The home page only: a rewritten page's relative links would resolve from its new place, not its file's.
    'docs/site/index.md': 'index.md',
  },
  cleanUrls: false,
  lastUpdated: false,
  // A page link that points nowhere fails the build (the site's browser test checks the rendered links too).
  ignoreDeadLinks: false,
  // The files the live experiments read and the figures, copied into the built site (live/plugins.ts).
  buildEnd: (site) => copyRepoFiles(repo, site.outDir),
  markdown: {
    config: (md) => lessonMarkdown(md),
  },
  vite: {
    plugins: [...livePlugins(repo), repoFilesPlugin(repo)],
    build: { target: 'esnext', chunkSizeWarningLimit: 4000 },
    // tfjs is loaded only when a reader presses a live experiment's button (a dynamic import on the client).
    optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'fflate', 'pathe'], esbuildOptions: { target: 'esnext' } },
    server: { host: '127.0.0.1', fs: { allow: [repo] } },
    preview: { host: '127.0.0.1' },
  },
  themeConfig: {
    nav: [
      { text: 'Before you start', link: '/docs/site/before-you-start' },
      { text: 'Lessons', link: `/katas/${LESSONS[0]!.dir}/README` },
      { text: 'The day', link: '/docs/site/instructor-day' },
      { text: 'Outline', link: '/docs/outline' },
      { text: 'Instructor guide', link: '/docs/instructor-guide' },
    ],
    sidebar: [
      {
        text: 'Start here',
        items: [
          { text: 'Home', link: '/' },
          { text: 'Before you start', link: '/docs/site/before-you-start' },
          { text: 'Course outline', link: '/docs/outline' },
        ],
      },
      { text: 'Lessons', items: LESSONS.map((l) => ({ text: `${l.id} — ${l.title}`, link: `/katas/${l.dir}/README` })) },
      {
        text: 'Instructors',
        items: [
          { text: 'The day (to project)', link: '/docs/site/instructor-day' },
          { text: 'Instructor guide', link: '/docs/instructor-guide' },
        ],
      },
      {
        text: 'Background and results',
        items: [
          { text: 'Results', link: '/docs/results' },
          { text: 'Performance', link: '/docs/performance' },
          { text: 'GPU', link: '/docs/gpu' },
          { text: 'Architecture', link: '/docs/architecture' },
          { text: 'PyTorch to tfjs', link: '/docs/pytorch-to-tfjs' },
        ],
      },
    ],
    outline: { level: [2, 3] },
  },
});
