/**
 * The shared type-check servers running on this machine (src/course/typecheck-server.ts), found by their command
 * line: `ps -ww` (without -ww, ps cuts long command lines and the socket path after --daemon can be lost).
 */
import { execFileSync } from 'node:child_process';

/** Pids of the running servers whose command line also contains `within` (e.g. a test's temp folder); none on Windows. */
export function typecheckServerPids(within = ''): number[] {
  if (process.platform === 'win32') return [];
  try {
    return execFileSync('ps', ['-ww', '-A', '-o', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes('typecheck-cli.ts --daemon') && l.includes(within))
      .map((l) => Number(l.trim().split(/\s+/)[0]));
  } catch {
    return [];
  }
}
