/**
 * An image classification folder: one sub-folder per class (sorted names = class names), JPEG/PNG
 * files inside, decoded and resized with sharp into an InMemoryDataset with pixels in [0, 1].
 *
 *   flowers/
 *     daisy/  a.jpg b.png ...
 *     tulip/  c.jpg ...
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { InMemoryDataset } from './dataset.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'] as const;

export interface ImageFolderOptions {
  /** Output [height, width]; every image is resized to it (stretched, like fit: 'fill', unless `fit` says otherwise). */
  size: [number, number];
  /** 3 = RGB (grey images are repeated on 3 channels), 1 = greyscale. Alpha is dropped. */
  channels: 3 | 1;
  fit?: 'fill' | 'cover' | 'contain';
  /**
   * false (default): any unreadable image is an error listing every such file and why.
   * true: such files are left out and reported through `onUnreadable` (default console.warn).
   */
  skipUnreadable?: boolean;
  onUnreadable?: (file: string, reason: string) => void;
  /** Images decoded at once (default 8). */
  concurrency?: number;
}

interface Entry {
  file: string;
  label: number;
}

function listDir(dir: string, what: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    throw new Error(`image folder ${what} ${dir}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Decodes one file into `channels`-channel raw pixels of the requested size. */
async function decode(file: string, opts: ImageFolderOptions): Promise<Uint8Array> {
  const [h, w] = opts.size;
  let img = sharp(file, { failOn: 'error' }).rotate().resize(w, h, { fit: opts.fit ?? 'fill' }).removeAlpha();
  if (opts.channels === 1) img = img.greyscale();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h) {
    throw new Error(`decoded to ${info.width}×${info.height}, expected ${w}×${h}`);
  }
  if (info.channels === opts.channels) return data;
  const out = new Uint8Array(w * h * opts.channels);
  const px = w * h;
  if (info.channels === 1 && opts.channels === 3) {
    for (let i = 0; i < px; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[i]!;
    return out;
  }
  if (opts.channels === 1 && info.channels >= 3) {
    for (let i = 0; i < px; i++) out[i] = data[i * info.channels]!; // greyscale() already equalised the channels
    return out;
  }
  throw new Error(`decoded with ${info.channels} channels, expected ${opts.channels}`);
}

/** Loads a class-per-sub-folder image tree as an InMemoryDataset of shape [h, w, channels]. */
export async function loadImageFolder(dir: string, opts: ImageFolderOptions): Promise<InMemoryDataset> {
  const { size, channels } = opts;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`loadImageFolder size: expected [height, width] of positive integers, got ${JSON.stringify(size)}`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new Error(`loadImageFolder channels: expected 1 or 3, got ${String(channels)}`);
  }
  const root = path.resolve(dir);
  const classNames = listDir(root, 'root').filter((name) => {
    if (name.startsWith('.')) return false;
    return statSync(path.join(root, name)).isDirectory();
  });
  if (classNames.length === 0) {
    throw new Error(`image folder ${root}: expected one sub-folder per class, got none`);
  }
  const entries: Entry[] = [];
  classNames.forEach((name, label) => {
    const classDir = path.join(root, name);
    const files = listDir(classDir, 'class').filter(
      (f) => !f.startsWith('.') && (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(f).toLowerCase()),
    );
    if (files.length === 0) {
      throw new Error(`image folder class "${name}" (${classDir}): expected at least one ${IMAGE_EXTENSIONS.join('/')} file, got none`);
    }
    for (const f of files) entries.push({ file: path.join(classDir, f), label });
  });

  const [h, w] = size;
  const per = h * w * channels;
  const decoded: (Uint8Array | undefined)[] = new Array(entries.length);
  const unreadable: { file: string; reason: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const k = next++;
      const { file } = entries[k]!;
      try {
        decoded[k] = await decode(file, opts);
      } catch (e) {
        unreadable.push({ file, reason: (e as Error).message.split('\n')[0]! });
      }
    }
  };
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 8, entries.length));
  await Promise.all(Array.from({ length: concurrency }, worker));

  if (unreadable.length) {
    unreadable.sort((a, b) => (a.file < b.file ? -1 : 1));
    if (!opts.skipUnreadable) {
      throw new Error(
        `image folder ${root}: ${unreadable.length} of ${entries.length} image(s) could not be read:\n` +
          unreadable.map((u) => `  ${u.file}: ${u.reason}`).join('\n'),
      );
    }
    const report = opts.onUnreadable ?? ((file: string, reason: string) => console.warn(`skipping unreadable image ${file}: ${reason}`));
    for (const u of unreadable) report(u.file, u.reason);
  }

  const kept = entries.map((e, k) => ({ ...e, data: decoded[k] })).filter((e) => e.data !== undefined);
  if (kept.length === 0) throw new Error(`image folder ${root}: expected readable images, got none of ${entries.length}`);
  const images = new Float32Array(kept.length * per);
  const labels = new Int32Array(kept.length);
  kept.forEach((e, j) => {
    const src = e.data!;
    const dst = j * per;
    for (let p = 0; p < per; p++) images[dst + p] = src[p]! / 255;
    labels[j] = e.label;
  });
  return new InMemoryDataset(images, labels, [h, w, channels], classNames);
}
