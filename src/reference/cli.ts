/** Helpers shared by the train and experiment CLIs: option parsers, progress bars, run folders. */
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { epochBar } from '../lib/cli/progress.js';
import { REPO_ROOT } from '../lib/data/paths.js';
import type { PassProgress } from './loader.js';

export function intOption(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name}: expected an integer >= ${min}, got "${v}"`);
    return n;
  };
}

export function numberOption(name: string, check: (n: number) => boolean, expected: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !check(n)) throw new InvalidArgumentError(`${name}: expected ${expected}, got "${v}"`);
    return n;
  };
}

/** `1,2,3` → [1, 2, 3] (integers >= min). */
export function intListOption(name: string, min: number) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim());
    const ns = parts.map(Number);
    const bad = parts.findIndex((s, i) => s === '' || !Number.isInteger(ns[i]) || ns[i]! < min);
    if (bad >= 0) throw new InvalidArgumentError(`${name}: expected comma-separated integers >= ${min}, got "${parts[bad]}" in "${v}"`);
    return ns;
  };
}

/** One progress bar per pass (stderr, only on a terminal): 'epoch 3/20', 'features', 'test'. */
export function passBars(epochs: number, quiet = false) {
  return (phase: 'features' | 'train' | 'test', numBatches: number, epoch?: number): PassProgress => {
    const label = phase === 'train' ? `epoch ${(epoch ?? 0) + 1}/${epochs}` : phase === 'features' ? 'backbone features' : 'test';
    const bar = epochBar(label.padEnd(17), numBatches, quiet);
    let stopped = false;
    return {
      tick: () => bar.tick({}),
      stop: () => {
        if (!stopped) bar.stop();
        stopped = true;
      },
    };
  };
}

/** runs/<name>-<UTC timestamp> in the repository (git-ignored). */
export function defaultRunDir(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return path.join(REPO_ROOT, 'runs', `${name}-${stamp}`);
}
