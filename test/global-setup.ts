/**
 * The one backend line at the start of a test session.
 * - The project's tests: printed here. tsx's loader, not Vite's module runner: the runner would transform all of
 *   tfjs here (~20 s of CPU).
 * - The kata suite (KATA_SUITE=1): printed by the first test worker (test/support/backend-line.ts), which starts
 *   its backend anyway; here only the marker file that says "printed" is named, and removed at the end.
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<void | (() => void)> {
  if (process.env.KATA_SUITE === '1') {
    const marker = path.join(os.tmpdir(), `kata-backend-line-${process.pid}-${Date.now()}`);
    project.provide('kataBackendMarker', marker);
    return () => rmSync(marker, { force: true });
  }
  const { backendLine } = (await tsImport('../src/lib/tf.ts', import.meta.url)) as typeof import('../src/lib/tf.js');
  console.log(backendLine());
}
