import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from '../src/lib/data/image-folder.js';

let root: string;

/** A solid-colour image of w×h (channels 3, or 1 for grey). */
function solid(w: number, h: number, rgb: [number, number, number], channels: 1 | 3 = 3): Sharp {
  const data = Buffer.alloc(w * h * channels);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < channels; c++) data[i * channels + c] = rgb[c]!;
  return sharp(data, { raw: { width: w, height: h, channels } });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'image-folder-'));
  const good = path.join(root, 'good');
  mkdirSync(path.join(good, 'red'), { recursive: true });
  mkdirSync(path.join(good, 'blue'), { recursive: true });
  await solid(10, 6, [255, 0, 0]).png().toFile(path.join(good, 'red', 'a.png'));
  await solid(7, 7, [255, 0, 0]).jpeg({ quality: 100 }).toFile(path.join(good, 'red', 'b.JPG'));
  await solid(5, 9, [0, 0, 255]).png().toFile(path.join(good, 'blue', 'c.png'));
  await solid(4, 4, [128, 128, 128], 1).png().toFile(path.join(good, 'blue', 'grey.png'));
  writeFileSync(path.join(good, 'blue', 'notes.txt'), 'not an image');
  writeFileSync(path.join(good, 'README.md'), 'a file at the root is not a class');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadImageFolder', () => {
  it('reads one class per sub-folder (sorted), resizes, and scales pixels to [0, 1]', async () => {
    const ds = await loadImageFolder(path.join(root, 'good'), { size: [8, 8], channels: 3 });
    expect(ds.classNames).toEqual(['blue', 'red']);
    expect(ds.shape).toEqual([8, 8, 3]);
    expect(ds.length).toBe(4);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1]); // blue/c.png, blue/grey.png, red/a.png, red/b.JPG
    const px = (i: number) => Array.from(ds.images.subarray(i * 192, i * 192 + 3)).map((v) => Math.round(v * 255));
    expect(px(0)).toEqual([0, 0, 255]);
    expect(px(1)).toEqual([128, 128, 128]); // grey repeated on 3 channels
    expect(px(2)).toEqual([255, 0, 0]);
    const [r, g, b] = px(3); // JPEG: close to red
    expect(r).toBeGreaterThan(240);
    expect(g! + b!).toBeLessThan(20);
    const grey = await loadImageFolder(path.join(root, 'good'), { size: [3, 5], channels: 1 });
    expect(grey.shape).toEqual([3, 5, 1]);
    expect(Math.round(grey.images[15]! * 255)).toBe(128);
  });

  it('reports unreadable files with their path and reason, or skips them when asked', async () => {
    const dir = path.join(root, 'broken');
    mkdirSync(path.join(dir, 'cat'), { recursive: true });
    mkdirSync(path.join(dir, 'dog'), { recursive: true });
    await solid(4, 4, [10, 20, 30]).png().toFile(path.join(dir, 'cat', 'ok.png'));
    await solid(4, 4, [10, 20, 30]).png().toFile(path.join(dir, 'dog', 'ok.png'));
    const bad = path.join(dir, 'dog', 'broken.jpg');
    writeFileSync(bad, 'this is not a jpeg');
    await expect(loadImageFolder(dir, { size: [4, 4], channels: 3 })).rejects.toThrow(
      new RegExp(`1 of 3 image\\(s\\) could not be read:\\n  ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .+`),
    );
    const skipped: string[] = [];
    const ds = await loadImageFolder(dir, { size: [4, 4], channels: 3, skipUnreadable: true, onUnreadable: (f) => skipped.push(f) });
    expect(skipped).toEqual([bad]);
    expect(ds.length).toBe(2);
  });

  it('errors on a folder without classes or a class without images, naming the folder', async () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    await expect(loadImageFolder(empty, { size: [4, 4], channels: 3 })).rejects.toThrow(`image folder ${empty}: expected one sub-folder per class, got none`);
    mkdirSync(path.join(empty, 'lonely'));
    await expect(loadImageFolder(empty, { size: [4, 4], channels: 3 })).rejects.toThrow(/class "lonely" \(.*lonely\): expected at least one .jpg\/.jpeg\/.png file, got none/);
    const missing = path.join(root, 'missing');
    await expect(loadImageFolder(missing, { size: [4, 4], channels: 3 })).rejects.toThrow(`image folder root ${missing}: cannot read it (ENOENT)`);
    await expect(loadImageFolder(empty, { size: [0, 4], channels: 3 })).rejects.toThrow(/size: expected \[height, width\] of positive integers, got \[0,4\]/);
    await expect(loadImageFolder(empty, { size: [4, 4], channels: 2 as never })).rejects.toThrow(/channels: expected 1 or 3, got 2/);
  });
});
