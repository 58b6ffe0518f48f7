import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/lib/kata/manifest.js';

describe('npm run doctor', () => {
  it('prints the backend line, versions, packages, CUDA libraries and the data location', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
    for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'src/cli/doctor.ts'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^backend: (wasm|cpu|tensorflow) \(.+\) — .+/);
    expect(r.stdout).toMatch(new RegExp(`node ${process.version.replace(/\./g, '\\.')}, npm \\S+`));
    expect(r.stdout).toMatch(/@tensorflow\/tfjs-node-gpu (installed|not installed)/);
    expect(r.stdout).toMatch(/@tensorflow\/tfjs-node (installed|not installed)/);
    if (process.platform === 'linux') {
      expect(r.stdout).toMatch(/libcudart\.so\.11\.0 (at |not found)/);
      expect(r.stdout).toMatch(/libcudnn\.so\.8 (at |not found)/);
      if (/not found \(ldconfig/.test(r.stdout)) {
        expect(r.stdout).toContain(
          'tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1 (CUDA 12 is not supported): install cuda-toolkit-11-2 and libcudnn8=8.1.*, then npm rebuild @tensorflow/tfjs-node-gpu (or a plain npm install: it retries the optional dependency)',
        );
      }
    }
    expect(r.stdout).toMatch(/^Fashion-MNIST: /m);
  }, 120_000);
});
