/**
 * Where the shared type-check server of ./typecheck-server.ts listens, and how long it waits for the next check.
 * Read by the runner's side (./typecheck.ts, which never loads TypeScript) and by the server itself.
 *
 * One server per world it can answer for: its address is a hash of what its answers depend on beyond the checked
 * files — the Node binary, the repository, TypeScript's version, tsconfig.json, package-lock.json (the libraries'
 * types) and the checker's own source. Change any of them (npm install, git pull, another Node) and the next run
 * starts a new server at a new address; the old one ends when it has been idle for its time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './manifest.js';
import { typecheckResults } from './typecheck-cache.js';

/** The files of the checker: a change to any of them is another server. */
const CHECKER_SOURCES = ['typecheck-program.ts', 'typecheck-cache.ts', 'typecheck-server.ts', 'typecheck-cli.ts', 'typecheck-socket.ts'];

/** Seconds the server waits for the next check before it ends (env KATA_TYPECHECK_SERVER_IDLE overrides). */
export const SERVER_IDLE_SECONDS = 600;

export function serverIdleSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.KATA_TYPECHECK_SERVER_IDLE);
  return env.KATA_TYPECHECK_SERVER_IDLE && Number.isFinite(n) && n > 0 ? n : SERVER_IDLE_SECONDS;
}

/** False when env KATA_TYPECHECK_SERVER=0: each run checks in a child process of its own, as before the server. */
export function serverWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.KATA_TYPECHECK_SERVER !== '0';
}

function contentOf(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '-';
  }
}

/** The server's address for a run with environment `env`: a Unix socket in the result cache's folder (a named pipe on Windows). */
export function serverSocket(env: NodeJS.ProcessEnv = process.env): string {
  const results = typecheckResults(env);
  const h = createHash('sha256').update(`${process.execPath}\n${process.version}\n${repoRoot}\n${results}\n`);
  for (const f of ['node_modules/typescript/package.json', 'tsconfig.json', 'package-lock.json']) h.update(`${contentOf(path.join(repoRoot, f))}\n`);
  for (const f of CHECKER_SOURCES) h.update(`${contentOf(path.join(repoRoot, 'src/course', f))}\n`);
  const key = h.digest('hex').slice(0, 16);
  if (process.platform === 'win32') return `\\\\?\\pipe\\transfer-katas-typecheck-${key}`;
  const inCache = path.join(results, `server-${key}.sock`);
  // a Unix socket's path is limited to ~104 bytes: a long cache path falls back to the temp folder
  return inCache.length < 100 ? inCache : path.join(os.tmpdir(), `transfer-katas-typecheck-${key}.sock`);
}
