/**
 * src/course/typecheck-server.ts: the type-check server shared by kata runs, through the runner's own call
 * (startTypecheck in src/course/typecheck.ts), on a tiny course in a result cache of its own (so a server of its own).
 * One server answers every run; an edit since its last check is checked anew, even one that keeps the file's size;
 * a dead server's socket is replaced; a server that closes without an answer, or KATA_TYPECHECK_SERVER=0, leaves the
 * run to check in a child of its own; one that never answers holds a run up for a bounded time; the server ends
 * once idle, and when its socket is removed.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTypecheck } from '../src/course/typecheck.js';
import { serverSocket } from '../src/course/typecheck-socket.js';
import { typecheckServerPids } from './support/typecheck-servers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'typecheck-server-'));
const saved = { ...process.env };
const ENV = ['KATA_TYPECHECK_CACHE', 'KATA_TYPECHECK_SERVER', 'KATA_TYPECHECK_SERVER_IDLE', 'KATA_TYPECHECK_SERVER_WAIT'] as const;
let cacheNo = 0;
/** A result cache of its own (and so a server address of its own) for each test. */
function freshCache(): string {
  const dir = path.join(tmp, `results-${++cacheNo}`);
  process.env.KATA_TYPECHECK_CACHE = dir;
  return dir;
}
afterEach(() => {
  for (const k of ENV) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
});
afterAll(() => {
  for (const pid of servers()) process.kill(pid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** The pids of this file's servers (their command line names a socket under tmp). */
const servers = (): number[] => typecheckServerPids(tmp);

const root = path.join(tmp, 'course');
const file = path.join(root, 'katas/01-x/x.ts');
const GOOD = 'export const n: number = 1;\n';
const BAD = 'export const n: string = 1;\n'; // TS2322; the same size as GOOD
mkdirSync(path.dirname(file), { recursive: true });

async function codes(): Promise<number[]> {
  const r = await startTypecheck(root, [file]);
  expect(r.error, r.error).toBeUndefined();
  return [...r.problems.values()].flat().map((p) => p.code);
}

/** Whether something accepts connections at `socket`. */
const answers = (socket: string): Promise<boolean> =>
  new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });

/** Something else listening at the server's address while `body` runs, handling each connection with `onConnection`. */
async function impostor(onConnection: (c: net.Socket) => void, body: () => Promise<void>): Promise<void> {
  mkdirSync(path.dirname(serverSocket()), { recursive: true });
  const fake = net.createServer(onConnection).listen(serverSocket());
  await new Promise((r) => fake.once('listening', r));
  try {
    await body();
  } finally {
    fake.close();
  }
}

const waitFor = async (what: string, ok: () => boolean, seconds = 20): Promise<void> => {
  for (const until = Date.now() + seconds * 1000; !ok(); ) {
    if (Date.now() > until) throw new Error(`not within ${seconds} s: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

describe('the type-check server shared by kata runs', () => {
  let firstCache = '';
  it("one server answers every run; an edit since its last check is checked anew, even one of the same size and time; a killed server's socket is replaced", async () => {
    firstCache = freshCache();
    writeFileSync(file, GOOD);
    expect(await codes()).toEqual([]);
    const [pid] = servers();
    expect(pid, 'the first run started a server').toBeDefined();
    writeFileSync(file, BAD);
    expect(await codes()).toEqual([2322]);
    // the same size and modification time as BAD (a save within the same instant): the server compares the text too
    const { atime, mtime } = statSync(file);
    writeFileSync(file, GOOD.replace('1', '2'));
    utimesSync(file, atime, mtime);
    expect(await codes()).toEqual([]);
    expect(servers(), 'still the one server').toEqual([pid]);

    process.kill(pid!, 'SIGKILL');
    // gone: its socket refuses (its command line goes before its files are closed: a run could still connect)
    await waitFor('the killed server gone', () => !servers().includes(pid!));
    for (const until = Date.now() + 20_000; await answers(serverSocket()); ) {
      if (Date.now() > until) throw new Error('the killed server still accepts connections after 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(existsSync(serverSocket()), 'a killed server leaves its socket').toBe(true);
    writeFileSync(file, BAD.replace('1', '3')); // not in the result cache: the check must run
    expect(await codes()).toEqual([2322]);
    const log = (): string => readFileSync(path.join(firstCache, 'server.log'), 'utf8');
    expect(servers(), log()).toHaveLength(1);
    expect(servers()[0]).not.toBe(pid);
  }, 120_000);

  it('a server that closes without an answer: the run checks in a child of its own', async () => {
    freshCache();
    writeFileSync(file, BAD.replace('1', '4'));
    const before = servers();
    await impostor((c) => c.end(), async () => {
      expect(await codes()).toEqual([2322]);
      expect(servers(), 'no server started: one answered (badly)').toEqual(before);
    });
  }, 120_000);

  it('a server that never answers holds a run up for KATA_TYPECHECK_SERVER_WAIT seconds at most, and the run says so', async () => {
    freshCache();
    process.env.KATA_TYPECHECK_SERVER_WAIT = '1';
    writeFileSync(file, BAD.replace('1', '7'));
    await impostor(() => {}, async () => {
      const r = await startTypecheck(root, [file]);
      expect(r.error).toBe('the type-check server did not answer within 1 s');
      expect(r.problems.size).toBe(0);
    });
  }, 60_000);

  it('KATA_TYPECHECK_SERVER=0: no server, the check in a child of the run', async () => {
    freshCache();
    process.env.KATA_TYPECHECK_SERVER = '0';
    const before = servers();
    writeFileSync(file, BAD.replace('1', '5'));
    expect(await codes()).toEqual([2322]);
    expect(servers()).toEqual(before);
    expect(existsSync(serverSocket())).toBe(false);
  }, 120_000);

  it('a server ends when idle for its time, and when its socket is removed, taking its socket with it', async () => {
    const [first] = servers(); // the first test's, at its socket in firstCache
    expect(first).toBeDefined();
    freshCache();
    process.env.KATA_TYPECHECK_SERVER_IDLE = '2';
    writeFileSync(file, GOOD.replace('1', '6'));
    expect(await codes()).toEqual([]);
    const socket = serverSocket();
    await waitFor('the idle server ends', () => servers().length === 1);
    expect(existsSync(socket)).toBe(false);
    expect(servers()).toEqual([first]);

    rmSync(firstCache, { recursive: true, force: true }); // the cache folder deleted: no run can reach that server
    await waitFor('the unreachable server ends', () => servers().length === 0);
  }, 120_000);
});
