/**
 * Fashion-MNIST as InMemoryDatasets: the bundled Dress-vs-Coat subset (synchronous, fast) and any
 * class selection of the full set (e.g. the 8 pretraining source classes).
 */
import { InMemoryDataset } from './dataset.js';
import {
  CLASS_NAMES,
  loadFashionMnist,
  readFashionMnistSplit,
  TARGET_PAIR,
  type FashionMnistSplit,
  type LocateOptions,
  type Split,
} from './fashion-mnist.js';
import { BUNDLED_PAIR_DIR } from './paths.js';

/**
 * Keeps the examples whose original label is in `classes` and relabels them 0..k-1 in the order of
 * `classes`; pixels become float32 in [0, 1]. Shape [rows, cols, 1].
 */
export function toDataset(split: FashionMnistSplit, classes: readonly number[], classNames?: string[]): InMemoryDataset {
  const names = classNames ?? classes.map((c) => CLASS_NAMES[c]!);
  const map = new Int32Array(256).fill(-1);
  classes.forEach((c, i) => (map[c] = i));
  const per = split.rows * split.cols;
  const scale = new Float32Array(256).map((_, v) => v / 255);
  let n = 0;
  for (let i = 0; i < split.count; i++) if (map[split.labels[i]!]! >= 0) n++;
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < split.count; i++) {
    const l = map[split.labels[i]!]!;
    if (l < 0) continue;
    labels[j] = l;
    const src = i * per;
    const dst = j * per;
    for (let p = 0; p < per; p++) images[dst + p] = scale[split.images[src + p]!]!;
    j++;
  }
  return new InMemoryDataset(images, labels, [split.rows, split.cols, 1], names);
}

function checkClasses(classes: readonly number[]): void {
  const ok =
    Array.isArray(classes) &&
    classes.length >= 1 &&
    classes.every((c) => Number.isInteger(c) && c >= 0 && c < CLASS_NAMES.length) &&
    new Set(classes).size === classes.length;
  if (!ok) {
    throw new Error(
      `Fashion-MNIST classes: expected distinct integers in 0..${CLASS_NAMES.length - 1}, got ${JSON.stringify(classes)}`,
    );
  }
}

/**
 * The bundled Dress-vs-Coat subset (data/fashion-mnist-dress-coat): 28×28×1, pixels / 255,
 * labels 0 = Dress, 1 = Coat. train = the pool (1000 per class), test = all 2000 official test
 * images of the two classes.
 */
export function loadBundledPair(dir: string = BUNDLED_PAIR_DIR): { train: InMemoryDataset; test: InMemoryDataset } {
  const names = [...TARGET_PAIR.names];
  const classes = TARGET_PAIR.classes;
  const load = (split: Split): InMemoryDataset => {
    const raw = readFashionMnistSplit(dir, split);
    const ds = toDataset(raw, classes, names);
    if (ds.length !== raw.count) {
      throw new Error(
        `bundled subset ${dir} (${split}): expected only labels ${classes.join(' and ')}, got ${raw.count - ds.length} examples of other classes`,
      );
    }
    return ds;
  };
  return { train: load('train'), test: load('test') };
}

/**
 * One split of the full Fashion-MNIST (found as in locateFashionMnist) as an InMemoryDataset with
 * labels remapped to 0..k-1 in the order of `classes` (default: all 10).
 */
export async function loadFashionMnistDataset(
  split: Split,
  opts: { classes?: readonly number[] } & LocateOptions = {},
): Promise<InMemoryDataset> {
  const { classes = CLASS_NAMES.map((_, i) => i), ...locate } = opts;
  checkClasses(classes);
  return toDataset(await loadFashionMnist(split, locate), classes);
}
