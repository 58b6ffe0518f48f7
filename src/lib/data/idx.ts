/**
 * IDX files (the MNIST / Fashion-MNIST format): a 4-byte magic number 0x00 0x00 <type> <rank>,
 * then <rank> big-endian uint32 dimensions, then the payload. Only type 0x08 (unsigned byte) is
 * used by (Fashion-)MNIST and only that one is read here. Files ending in .gz are gunzipped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { gunzipBytes, readFileBytes } from '../files.js';
import { displayPath } from './paths.js';

export interface IdxData {
  dims: number[];
  data: Uint8Array;
}

/** IDX type byte for unsigned 8-bit integers. */
export const IDX_UBYTE = 0x08;

const TYPE_NAMES: Record<number, string> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** Reads a file's bytes, gunzipping when the name ends in .gz. Errors name the file. */
function readBytes(file: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileBytes(file); // the file loader: fs on Node, the dev server in the browser
  } catch (e) {
    throw new Error(`IDX file ${displayPath(file)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!file.endsWith('.gz')) return raw;
  try {
    return gunzipBytes(raw);
  } catch (e) {
    throw new Error(
      `IDX file ${displayPath(file)}: expected gzip data (name ends in .gz), but gunzip failed (${(e as Error).message})`,
    );
  }
}

/** Parses IDX bytes; `file` is used only in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxData {
  if (bytes.length < 4) {
    throw new Error(`IDX file ${displayPath(file)}: expected at least 4 header bytes, got ${bytes.length} bytes in all`);
  }
  const [z0, z1, type, rank] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  if (z0 !== 0 || z1 !== 0) {
    const got = Array.from(bytes.subarray(0, 4), (b) => '0x' + b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(
      `IDX file ${displayPath(file)}: bad magic number: expected 0x00 0x00 <type> <rank>, got ${got}` +
        (bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (this looks like gzip data: name the file *.gz)' : ''),
    );
  }
  if (type !== IDX_UBYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new Error(
      `IDX file ${displayPath(file)}: expected data type 0x08 (uint8), got 0x${type.toString(16).padStart(2, '0')} (${name})`,
    );
  }
  if (rank < 1) throw new Error(`IDX file ${displayPath(file)}: expected rank >= 1, got ${rank}`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(
      `IDX file ${displayPath(file)}: truncated header: rank ${rank} needs ${headerBytes} header bytes, got ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? 'truncated' : 'too long';
    throw new Error(
      `IDX file ${displayPath(file)}: payload ${what}: dims [${dims.join(', ')}] need ${expected} bytes, got ${actual} bytes`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file of unsigned bytes (gzip when the name ends in .gz). */
export function readIdx(file: string): IdxData {
  return parseIdx(readBytes(file), file);
}

/** Checks a parsed file's rank and, where given, its dimensions (null = any). */
export function expectDims(idx: IdxData, file: string, expected: (number | null)[], what: string): void {
  const ok =
    idx.dims.length === expected.length && expected.every((d, i) => d === null || d === idx.dims[i]);
  if (!ok) {
    const want = `[${expected.map((d) => (d === null ? 'N' : String(d))).join(', ')}]`;
    throw new Error(`IDX file ${displayPath(file)}: expected ${what} with dims ${want}, got [${idx.dims.join(', ')}]`);
  }
}

/** Encodes dims + uint8 data as IDX bytes (type 0x08). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new Error(`encodeIdx dims: expected 1..255 dimensions, got ${dims.length}`);
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new Error(`encodeIdx dims: expected non-negative 32-bit integers, got [${dims.join(', ')}]`);
    }
  }
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new Error(`encodeIdx data: dims [${dims.join(', ')}] need ${expected} bytes, got ${data.length}`);
  }
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, IDX_UBYTE, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * Writes an IDX file of unsigned bytes: gzip-compressed when the name ends in .gz (level 9; Node's
 * gzip header has no timestamp, so the same input gives the same bytes), raw otherwise — the same
 * rule readIdx uses. Creates the folder if needed.
 */
export function writeIdx(file: string, dims: number[], data: Uint8Array): void {
  const bytes = encodeIdx(dims, data);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, file.endsWith('.gz') ? zlib.gzipSync(bytes, { level: 9 }) : bytes);
}
