/**
 * The type-check server shared by kata runs. A run that type-checks alone pays ~5 s of CPU (3.3 s on a quiet
 * 2-core machine, more than its tests take) to parse the ~780 declaration files tfjs and Node bring; this process
 * keeps them parsed (./typecheck-program.ts's session) and answers a run's check in ~0.4 s.
 *
 * Started detached by the first run that finds none (./typecheck.ts; `typecheck-cli.ts --daemon SOCKET`), at the
 * address ./typecheck-socket.ts derives from what its answers depend on. One connection per check: the client
 * writes one line {"root": R, "files": [F, ...]}, the server answers one line — problems per file, or
 * {"error": message} — and closes. Checks run one at a time, in the order they come.
 *
 * It ends after serverIdleSeconds() without a check, when its heap passes MAX_HEAP (the next run starts a fresh
 * one), when its socket is removed (the result cache's folder deleted: no run can reach it), or on
 * SIGTERM/SIGINT/SIGHUP, and removes its socket. Two started at once: the second finds the first
 * answering and ends; a socket left by a server that died is replaced.
 */
import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { answerRequest, newSession } from './typecheck-program.js';
import { serverIdleSeconds, serverSocket } from './typecheck-socket.js';

/** Bytes of heap after which the server ends after its answer. */
export const MAX_HEAP = 1.5e9;

/** Programs kept: the last sets of files checked (a watch-like re-check of one of them parses only what changed). */
const KEEP_PROGRAMS = 8;

const isPipe = (socket: string): boolean => socket.startsWith('\\\\');

export function serveChecks(socket = serverSocket()): void {
  const session = newSession(KEEP_PROGRAMS);
  let idle: NodeJS.Timeout | undefined;
  let inode: number | undefined;
  let retried = false;

  let watch: NodeJS.Timeout | undefined;
  const say = (what: string): void => console.error(`${new Date().toISOString()} type-check server ${process.pid}: ${what}`);
  const stop = (why: string): void => {
    say(`ends: ${why}`);
    clearTimeout(idle);
    clearInterval(watch);
    server.close();
    // only our own socket: after a stale-socket race another server may listen at this path now
    try {
      if (!isPipe(socket) && statSync(socket).ino === inode) unlinkSync(socket);
    } catch {
      // gone already
    }
  };
  const arm = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => stop(`idle for ${serverIdleSeconds()} s`), serverIdleSeconds() * 1000);
  };

  const server = net.createServer((conn) => {
    let buffered = '';
    conn.setEncoding('utf8');
    conn.on('error', () => {}); // the run went away (its check was not needed after all)
    const onData = (chunk: string): void => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      conn.off('data', onData);
      conn.end(JSON.stringify(answerRequest(buffered.slice(0, end), session)) + '\n');
      if (process.memoryUsage().heapUsed > MAX_HEAP) stop(`heap over ${MAX_HEAP / 1e9} GB`);
      else arm();
    };
    conn.on('data', onData);
  });

  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE' || retried) {
      console.error(`type-check server: cannot listen at ${socket}: ${e.message}`);
      process.exit(1);
    }
    retried = true;
    // Another server answers there (two runs started one at once): it serves. Else a dead server's socket: replace it.
    const probe = net.connect(socket);
    probe.on('connect', () => {
      say('another server answers at its socket: that one serves');
      probe.destroy();
      process.exit(0);
    });
    probe.on('error', () => {
      say('replaces the socket of a server that ended');
      try {
        unlinkSync(socket);
      } catch {
        // removed meanwhile
      }
      server.listen(socket);
    });
  });
  server.on('listening', () => {
    say(`listens at ${socket}`);
    arm();
    if (isPipe(socket)) return;
    try {
      inode = statSync(socket).ino;
    } catch {
      // unlinked at once by a racing server: unreachable, it ends below
    }
    // no run can reach it once its socket is gone or another server's: it ends
    watch = setInterval(() => {
      let now: number | undefined;
      try {
        now = statSync(socket).ino;
      } catch {
        // gone
      }
      if (now === undefined || now !== inode) stop(now === undefined ? 'its socket was removed' : 'another server took its socket');
    }, 5000);
  });

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(sig, () => stop(sig));
  if (!isPipe(socket)) mkdirSync(path.dirname(socket), { recursive: true, mode: 0o700 });
  server.listen(socket);
}
