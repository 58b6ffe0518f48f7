import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/course/manifest.js';
import { backend, backendLine, requestedBackend, tf } from '../src/lib/tf.js';

describe('backend module', () => {
  it('has chosen a working backend and says why', () => {
    expect(tf.getBackend()).toBe(backend.name);
    expect(backendLine()).toMatch(/^backend: (wasm|cpu|tensorflow) \(.+\) — .+/);
  });

  it('reads the override from --backend and KATA_BACKEND, flag first', () => {
    expect(requestedBackend(['node', 'x', '--backend', 'cpu'], {})).toBe('cpu');
    expect(requestedBackend(['node', 'x', '--backend=wasm'], { KATA_BACKEND: 'cpu' })).toBe('wasm');
    expect(requestedBackend(['node', 'x'], { KATA_BACKEND: 'CPU' })).toBe('cpu');
    expect(requestedBackend(['node', 'x'], {})).toBeUndefined();
  });

  it('rejects an unknown override, naming the value and the choices', () => {
    expect(() => requestedBackend(['node', 'x'], { KATA_BACKEND: 'cuda' })).toThrow(
      'KATA_BACKEND: expected one of tensorflow, gpu, node, wasm, cpu, got "cuda"',
    );
    expect(() => requestedBackend(['node', 'x', '--backend', 'tpu'], { KATA_BACKEND: 'cpu' })).toThrow(
      '--backend: expected one of tensorflow, gpu, node, wasm, cpu, got "tpu"',
    );
  });

  it('an uncaught error after loading wasm is reported by Node as itself, not inside the wasm module\'s one-line source', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/throws-after-wasm.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, KATA_BACKEND: 'wasm' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('backend wasm');
    expect(r.stderr).toContain('learner error: labels[3] = 1.9');
    expect(r.stderr).toContain('throws-after-wasm.ts');
    expect(r.stderr, 'stderr carries the minified wasm module source').not.toContain('WasmBackendModule');
    expect(r.stderr.length).toBeLessThan(5000);
  });
});
