/**
 * The Vite side of the live experiments on the course site: the same module swaps as `--browser`
 * (vitest.config.ts), so the lesson pages run the katas' own files in the reader's browser:
 *  - src/lib/tf.ts → src/lib/tf.browser.ts (WebGPU, else WebGL; the backend line names the adapter);
 *  - src/lib/files.ts → live/files.site.ts (repository files from the site's repo/ folder);
 *  - 'vitest/browser' → live/vitest-browser-stub.ts (tf.browser.ts sends its backend line there);
 *  - node:path → pathe; any other Node built-in imported by the course code → a module whose functions
 *    throw "<name> is Node-only" (as in vitest.config.ts).
 * And the repository files the site carries: served from the repository by the dev server, copied into
 * the built site by copyRepoFiles (config.ts, buildEnd).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'vitepress';


/** Repository folders whose files the site carries (the live experiments read them; the figures show them). */
const CARRIED_DIRS = ['data/fashion-mnist-dress-coat', 'models/resnet-mini-fashion8', 'docs/figures'];
/** Single files that pages link to. */
const CARRIED_FILES = ['docs/classroom-workflow.yml'];

/** The repository-relative paths of every file the site carries under repo/. */
export function carriedFiles(repo: string): string[] {
  const out: string[] = [];
  for (const d of CARRIED_DIRS) {
    for (const f of readdirSync(path.join(repo, d), { withFileTypes: true })) if (f.isFile()) out.push(`${d}/${f.name}`);
  }
  for (const f of CARRIED_FILES) if (existsSync(path.join(repo, f))) out.push(f);
  return out.sort();
}

/** The name a carried file has in the site: .gz files get .bin, so that no server decompresses them. */
export function siteName(rel: string): string {
  return rel.endsWith('.gz') ? `${rel}.bin` : rel;
}

/** Copies the carried files into the built site (outDir/repo/...). */
export function copyRepoFiles(repo: string, outDir: string): void {
  for (const rel of carriedFiles(repo)) {
    const to = path.join(outDir, 'repo', siteName(rel));
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(path.join(repo, rel), to);
  }
}

const TYPES: Record<string, string> = { '.svg': 'image/svg+xml', '.json': 'application/json', '.yml': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8' };

/** The dev server's side: GET /repo/<carried file> → its bytes (never a Content-Encoding). */
export function repoFilesPlugin(repo: string): Plugin {
  return {
    name: 'kata-site-repo-files',
    configureServer(server) {
      const byName = new Map(carriedFiles(repo).map((rel) => [siteName(rel), rel]));
      server.middlewares.use('/repo/', (req, res, next) => {
        const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\//, '');
        const rel = byName.get(name);
        if (!rel) return next();
        res.setHeader('Content-Type', TYPES[path.extname(rel)] ?? 'application/octet-stream');
        res.end(readFileSync(path.join(repo, rel)));
      });
    },
  } as Plugin;
}

/** The module swaps listed above, for the client build only (the SSR build never loads the live code). */
export function livePlugins(repo: string): Plugin[] {
  const srcLib = path.join(repo, 'src', 'lib') + path.sep;
  const here = path.join(repo, 'docs', '.vitepress', 'live');
  const courseCode = [here + path.sep, path.join(repo, 'src') + path.sep, path.join(repo, 'katas') + path.sep, path.join(repo, 'solutions') + path.sep];
  const PREFIX = '\0kata-node-only:';
  const nodeOnly = (id: string): boolean => id === 'h5wasm/node' || (builtinModules.includes(id.replace(/^node:/, '')) && id !== 'node:path' && id !== 'path');
  const swaps: Plugin = {
    name: 'kata-site-browser-side',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer || (options as { ssr?: boolean } | undefined)?.ssr) return null;
      if (source === 'vitest/browser') return path.join(here, 'vitest-browser-stub.ts');
      const fromCourse = courseCode.some((d) => importer.startsWith(d));
      if (!fromCourse) return null;
      if (source === 'node:path' || source === 'path') return this.resolve('pathe', importer, { skipSelf: true });
      if (nodeOnly(source)) return PREFIX + source;
      if (!/\.(js|ts)$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { ...(options as object), skipSelf: true });
      if (!resolved || !resolved.id.startsWith(srcLib)) return null;
      if (resolved.id === path.join(srcLib, 'files.ts') || resolved.id === path.join(srcLib, 'files.browser.ts')) return path.join(here, 'files.site.ts');
      if (resolved.id.endsWith('.browser.ts') || !resolved.id.endsWith('.ts')) return null;
      const browserFile = resolved.id.replace(/\.ts$/, '.browser.ts');
      return existsSync(browserFile) ? browserFile : null;
    },
    async load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = id.slice(PREFIX.length);
      const real = (await import(name)) as Record<string, unknown>;
      const names = Object.keys(real).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      const fail = `function nodeOnly(what) { return function () { throw new Error(what + ' is Node-only: not available in the browser'); }; }`;
      const exports = names.map((k) => `export const ${k} = nodeOnly(${JSON.stringify(`${name}.${k}`)});`).join('\n');
      return `${fail}\n${exports}\nexport default new Proxy({}, { get: (_, k) => nodeOnly(${JSON.stringify(name)} + '.' + String(k)) });`;
    },
    config() {
      return {
        define: {
          __KATA_BACKEND__: JSON.stringify(''),
          __SITE_REPO_FILES__: JSON.stringify(carriedFiles(repo)),
        },
      };
    },
  } as Plugin;
  return [swaps];
}
