import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadVerified, md5File } from '../src/lib/models/download.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'models-dl-'));
const body = Buffer.from('not really resnet50 weights '.repeat(1000));
const md5 = createHash('md5').update(body).digest('hex');
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/w.h5') {
      res.writeHead(200, { 'content-length': body.byteLength });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('downloadVerified (used by src/cli/weights-resnet50.ts)', () => {
  it('downloads and keeps a file whose md5 matches', async () => {
    const dest = path.join(tmp, 'ok', 'w.h5');
    await downloadVerified(`${base}/w.h5`, dest, md5);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(await md5File(dest)).toBe(md5);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('refuses a file with another md5 and keeps nothing', async () => {
    const dest = path.join(tmp, 'bad', 'w.h5');
    await expect(downloadVerified(`${base}/w.h5`, dest, '0'.repeat(32))).rejects.toThrow(
      new RegExp(`expected md5 0{32}, got ${md5} \\(${body.byteLength} bytes\\)`),
    );
    expect(existsSync(dest) || existsSync(`${dest}.part`)).toBe(false);
  });

  it('names the HTTP status and fails fast without a network', async () => {
    await expect(downloadVerified(`${base}/missing.h5`, path.join(tmp, 'x.h5'), md5)).rejects.toThrow(/expected HTTP 200, got 404/);
    const port = (server.address() as AddressInfo).port;
    const t0 = Date.now();
    // A closed port: connection refused at once, like DNS failing on an offline machine.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(deadPort).not.toBe(port);
    await expect(downloadVerified(`http://127.0.0.1:${deadPort}/w.h5`, path.join(tmp, 'y.h5'), md5)).rejects.toThrow(
      /expected an HTTP response within 15 s, got ECONNREFUSED .* is this machine offline\?/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
