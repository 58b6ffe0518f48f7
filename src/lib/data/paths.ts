/** Where the data layer looks for files, relative to the repository root. */
import path from 'node:path';
import { REPO_ROOT } from '../files.js';

/** The repository root (from the file loader: its Node and browser sides both know it). */
export { REPO_ROOT };

/** Project cache for a downloaded full Fashion-MNIST (git-ignored). */
export const FASHION_MNIST_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'fashion-mnist');

/** Where the Debian package dataset-fashion-mnist installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The bundled Dress-vs-Coat subset, committed to the repository. */
export const BUNDLED_PAIR_DIR = path.join(REPO_ROOT, 'data', 'fashion-mnist-dress-coat');

/** `path` relative to the repo root when it lies inside it (for short messages), else absolute. */
export function displayPath(p: string): string {
  const rel = path.relative(REPO_ROOT, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
