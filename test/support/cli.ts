/**
 * Starting the course's commands from a test, as a learner or an instructor types them, and collecting what they
 * print. One place for what every such test needs: no VITEST* variables in the child's environment (a Vitest
 * started by a command would take itself for a worker of the test's own), no colours, the repository as cwd.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../src/course/manifest.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The test's environment for a command: VITEST* (and the names in `drop`) removed, FORCE_COLOR=0, then `extra`. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}, drop: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || drop.includes(k)) delete env[k];
  return { ...env, ...extra };
}

/** Runs `cmd args` (in the repository unless `cwd`) to its end and collects its output. */
export function runCli(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Promise<CliResult> {
  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

/** `kata ARGS` on the course at `root` (KATA_ROOT), node with tsx's loader: what `npm run -s kata` runs, without npm. */
export function kataCli(root: string, ...args: string[]): Promise<CliResult> {
  return runCli(process.execPath, ['--import', 'tsx', 'src/cli/kata.ts', ...args], cliEnv({ KATA_ROOT: root }));
}
