import { describe, expect, it } from 'vitest';
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
      /expected one of tensorflow, gpu, node, wasm, cpu .* got "cuda"/,
    );
  });
});
