/** The user's own photos: an image folder at 224x224 through resnet50 (random weights here), slow but small. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKBONE_INPUT_SHAPES, folderData } from '../src/reference/data.js';
import { runPipeline } from '../src/reference/run.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pipeline-folder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 3 generated photos per class: cats are bright, dogs dark (noise on top). */
async function makeFolder(): Promise<string> {
  const root = path.join(tmp, 'photos');
  for (const [cls, level] of [['cat', 200], ['dog', 50]] as const) {
    mkdirSync(path.join(root, cls), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const w = 64 + 8 * i;
      const h = 48;
      const px = Buffer.alloc(w * h * 3, 0).map((_, k) => Math.max(0, Math.min(255, level + ((k * 37 + i * 11) % 41) - 20)));
      await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(root, cls, `${i}.png`));
    }
  }
  return root;
}

describe('--data <folder> --backbone resnet50', () => {
  it('decodes the photos at 224x224x3, holds out a test split, trains the head on resnet50 features', async () => {
    const dir = await makeFolder();
    const data = await folderData(dir, { inputShape: BACKBONE_INPUT_SHAPES.resnet50, seed: 1 });
    expect(data.pool.shape).toEqual([224, 224, 3]);
    expect(data.pool.classNames).toEqual(['cat', 'dog']);
    expect(data.test.classCounts()).toEqual([1, 1]);
    expect(data.pool.classCounts()).toEqual([2, 2]);
    const r = await runPipeline({ backbone: 'resnet50', weights: 'random', epochs: 1 }, { data, log: () => {} });
    expect(r).toMatchObject({ backbone: 'resnet50', mode: 'transfer', labelsPerClass: 2, trainImages: 2, valImages: 2, testImages: 2 });
    expect(r.trainableParams).toBe(2048 * 500 + 500 + 500 * 2 + 2);
    expect([0, 0.5, 1]).toContain(r.testAccuracy);
  }, 120_000);

  it('says what is wrong with a folder that is too small', async () => {
    const root = path.join(tmp, 'small');
    for (const cls of ['a', 'b']) {
      mkdirSync(path.join(root, cls), { recursive: true });
      for (let i = 0; i < (cls === 'a' ? 3 : 2); i++) {
        await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toFile(path.join(root, cls, `${i}.png`));
      }
    }
    await expect(folderData(root, { inputShape: [28, 28, 1], seed: 1 })).rejects.toThrow(
      /--data .*small: expected at least 3 images per class \(1 test, 1 train, 1 validation\), got 2 in "b"/,
    );
  });
});
