import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBrowser } from '../src/course/browser.js';
import { ciOptIn, findXvfb } from '../src/course/display.js';
import { repoRoot } from '../src/course/manifest.js';

function doctor(extraEnv: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', ...extraEnv };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/doctor.ts'], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ...r, seconds: (Date.now() - t0) / 1000 };
}

/** The same, without blocking: for doctor runs side by side. */
function doctorAsync(extraEnv: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', ...extraEnv };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/doctor.ts'], { cwd: repoRoot, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 200_000);
  return new Promise((resolve) => child.on('close', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr }))));
}

/** The installed browser, or undefined (findBrowser throws NoBrowserError when there is none). */
function installedBrowser(): string | undefined {
  try {
    return findBrowser().path;
  } catch {
    return undefined;
  }
}

/** One plain doctor run, shared by the tests that read it. */
let plain: ReturnType<typeof doctor> | undefined;
const plainDoctor = () => (plain ??= doctor());

describe('npm run doctor', () => {
  it('prints the backend line, versions, packages, CUDA libraries and the data location', () => {
    const r = plainDoctor();
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

  it('reports three sections — Node GPU, browser GPU (probed as the runner launches it), wasm — each with a one-line verdict', () => {
    const browser = installedBrowser();
    if (process.env.CI) expect(browser, 'CI must have Chromium installed (apt-get install chromium)').toBeDefined();
    const r = plainDoctor();
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^Node GPU: (yes — .+ via @tensorflow\/tfjs-node-gpu|no — .+)$/m);
    if (!/^Node GPU: yes/m.test(out)) expect(out).toMatch(/^Node GPU: no — .*(tfjs-node-gpu not installed|libcudart\.so\.11\.0 not found|libcudnn\.so\.8 not found|no NVIDIA GPU visible|Linux x64 only)/m);
    expect(out).toMatch(/^wasm: yes — SIMD (yes|no), threads (yes|no)/m);
    // the order of the sections: Node GPU, Browser GPU, wasm, then the data line
    const at = ['Node GPU: ', 'Browser GPU: ', 'wasm: ', 'Fashion-MNIST: '].map((h) => out.search(new RegExp(`^${h}`, 'm')));
    expect(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!)), `sections in order, at ${at.join(', ')}`).toBe(true);
    if (!browser) {
      expect(out).toMatch(/^Browser GPU: no — no usable Chromium\/Chrome/m);
      return;
    }
    const escaped = browser.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(out).toMatch(new RegExp(`^  ✓ browser: ${escaped} \\(\\d+\\.\\d+\\.\\d+\\.\\d+, found via .+\\), probed (headless|headed on .+) in \\d+\\.\\d s$`, 'm'));
    const webgpu = /^  [✓✗] WebGPU: (.+)$/m.exec(out)?.[1];
    const webgl = /^  [✓✗] (WebGL[12]: .+|WebGL: none — .+)$/m.exec(out)?.[1];
    expect(webgpu, out).toBeDefined();
    expect(webgl, out).toBeDefined();
    // a SwiftShader renderer (CI, this project's machine) is named and labelled as software, never as a GPU
    if (/swiftshader/i.test(webgl!)) {
      expect(webgl).toMatch(/^WebGL2: ANGLE \(Google, Vulkan [\d.]+ \(SwiftShader Device \(Subzero\) \(0x0000C0DE\)\), SwiftShader driver\) \(software rendering\)$/);
      expect(out).toMatch(/^  ✗ WebGL2: /m);
    }
    if (/swiftshader/i.test(webgpu!)) {
      expect(webgpu).toBe('google swiftshader (software rendering)');
      // tfjs's synchronous read-back path, done by the probe: the runner keeps WebGPU only where it is correct
      const read = /^  [✓✗] WebGPU read-back \(tfjs's dataSync path\): (.+) — (headless|headed on .+?)( — the runner uses WebGL.*)?$/m.exec(out);
      expect(read, out).not.toBeNull();
      if (read![1] === 'correct') expect(out).toMatch(/^Browser GPU: software only — --browser runs on webgpu via SwiftShader, a software renderer on the CPU/m);
      else if (/^WebGL2: /.test(webgl!)) expect(out).toMatch(/^Browser GPU: software only — --browser runs on webgl via (SwiftShader|Mesa's llvmpipe), a software renderer on the CPU/m);
      if (read![2] === 'headless') expect(read![1], 'measured: headless Chromium 156 without a GPU reads back zeros').toBe('zeros');
    }
    if (!/software rendering/.test(`${webgpu} ${webgl}`)) expect(out).toMatch(/^Browser GPU: yes — --browser runs on (webgpu|webgl) on the GPU$/m);
  }, 120_000);

  it.runIf(!!installedBrowser() && !!findXvfb() && !process.env.DISPLAY)(
    'says which mode makes WebGPU read back: zeros headless, correct headed on its own Xvfb with the CI opt-in',
    async () => {
      // Under CI=true the plain run already has the CI opt-in: it is the headed run (one doctor and one Chromium fewer).
      const [headless, virtual] = await Promise.all([doctorAsync({ KATA_BROWSER_HEADLESS: '1' }), ciOptIn() ? plainDoctor() : doctorAsync({ KATA_BROWSER_CI: '1' })]);
      expect(headless.status, headless.stderr).toBe(0);
      expect(virtual.status, virtual.stderr).toBe(0);
      expect(headless.stdout).toMatch(/probed headless in \d+\.\d s$/m);
      expect(headless.stdout).toMatch(/^  ✗ WebGPU read-back \(tfjs's dataSync path\): zeros — headless — the runner uses WebGL/m);
      expect(virtual.stdout).toMatch(/probed headed on virtual display :\d+ \(Xvfb\) in \d+\.\d s$/m);
      expect(virtual.stdout, virtual.stdout).toMatch(/^  ✓ WebGPU read-back \(tfjs's dataSync path\): correct — headed on virtual display :\d+ \(Xvfb\)$/m);
      expect(virtual.stdout).toMatch(/^Browser GPU: software only — --browser runs on webgpu via SwiftShader, a software renderer on the CPU/m);
      expect(virtual.stdout).toMatch(/^  ✗ WebGL2: ANGLE \(Mesa\/X\.org, llvmpipe .+\) \(software rendering\)$/m);
    },
    240_000,
  );

  it('without a usable browser it still exits 0 and says how to install one', () => {
    const r = doctor({ KATA_BROWSER: '/nonexistent/chrome' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Browser GPU: no — no usable Chromium\/Chrome for npm run kata N -- --browser$/m);
    expect(r.stdout).toContain('KATA_BROWSER: expected the path of a Chromium or Chrome executable, got "/nonexistent/chrome" (no such file)');
    expect(r.stdout).toContain('sudo apt-get install chromium');
    expect(r.stdout).toMatch(/^wasm: yes/m);
  }, 120_000);
});
