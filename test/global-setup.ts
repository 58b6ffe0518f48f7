/**
 * The one backend line at the start of a test session, and the end of the type-check servers the session started.
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
import { typecheckServerPids } from './support/typecheck-servers.js';

export default async function setup(project: TestProject): Promise<void | (() => void)> {
  if (process.env.KATA_SUITE === '1') {
    const marker = path.join(os.tmpdir(), `kata-backend-line-${process.pid}-${Date.now()}`);
    project.provide('kataBackendMarker', marker);
    return () => rmSync(marker, { force: true });
  }
  const { backendLine } = (await tsImport('../src/lib/tf.ts', import.meta.url)) as typeof import('../src/lib/tf.js');
  console.log(backendLine());
  // The kata runs of the tests start shared type-check servers, which wait 10 idle minutes for a learner's next run:
  // the suite ends the ones it started (SIGTERM: each removes its socket), and leaves any that were running before.
  const before = new Set(typecheckServerPids());
  return () => {
    for (const pid of typecheckServerPids()) {
      if (before.has(pid)) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // ended meanwhile
      }
    }
  };
}
