/**
 * Imports Keras weights from an HDF5 file (`model.save_weights('x.h5')` / keras-applications files) by layer
 * name, with h5wasm. Keras layout: root attribute `layer_names`; one group per layer with attribute
 * `weight_names` (e.g. 'conv1_conv/kernel:0'); the datasets at those paths inside the layer group.
 * Files from `model.save('x.h5')` keep the same layout under the group `model_weights`.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { tf } from '../tf.js';

export interface KerasH5Report {
  /** Model layers whose weights were set. */
  loaded: string[];
  /** Model layers with weights that the file lacks (only with skipMissing). */
  skipped: string[];
  /** Layers with weights in the file that the model doesn't have. */
  unused: string[];
}

const HDF5_MAGIC = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const fmt = (s: readonly (number | null)[]): string => `[${s.join(', ')}]`;

function checkFile(file: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`loadKerasH5Weights: file: expected a Keras .h5 file, got no such file: ${file}`);
  const head = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(HDF5_MAGIC)) {
    throw new Error(`loadKerasH5Weights: ${file}: expected an HDF5 file (signature 89 48 44 46 0d 0a 1a 0a), got ${head.toString('hex')} — not HDF5 or truncated`);
  }
}

/** Attribute values of Keras string lists come back as string[], a string, or bytes; normalise. */
function stringList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (value instanceof Uint8Array) return [new TextDecoder().decode(value).replace(/\0+$/, '')];
  // Keras writes the weight_names of a layer without weights as an empty float64 array.
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, String);
  if (Array.isArray(value)) return value.flatMap((v) => stringList(v));
  return [String(value)];
}

/** A Keras string-list attribute; large ones are split into `name0`, `name1`, … (save_attributes_to_hdf5_group). */
function stringAttr(attrs: Record<string, { value: unknown }>, name: string): string[] | undefined {
  if (name in attrs) return stringList(attrs[name]!.value).filter((s) => s !== '');
  if (!(`${name}0` in attrs)) return undefined;
  const out: string[] = [];
  for (let i = 0; `${name}${i}` in attrs; i++) out.push(...stringList(attrs[`${name}${i}`]!.value));
  return out.filter((s) => s !== '');
}

/** 'conv1_conv/kernel:0' → 'kernel' (also 'kernel', 'vars/0' → '0'). */
export function shortWeightName(name: string): string {
  return name.replace(/:\d+$/, '').split('/').pop()!;
}

function asGroup(e: unknown): InstanceType<typeof h5wasm.Group> | undefined {
  return e instanceof h5wasm.Group ? e : undefined;
}

/**
 * Sets the weights of `model` from a Keras .h5 by layer name, checking each weight's shape.
 * Every model layer with weights must be in the file unless `skipMissing`.
 */
export async function loadKerasH5Weights(
  model: tf.LayersModel,
  file: string,
  opts: { skipMissing?: boolean } = {},
): Promise<KerasH5Report> {
  checkFile(file);
  await h5wasm.ready;
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (e) {
    throw new Error(`loadKerasH5Weights: ${file}: expected a readable HDF5 file, got an error (${(e as Error).message})`);
  }
  const report: KerasH5Report = { loaded: [], skipped: [], unused: [] };
  try {
    const root = asGroup(f.get('model_weights')) ?? f;
    const fileLayers = stringAttr(root.attrs, 'layer_names') ?? root.keys();
    const withWeights = new Map<string, string[]>();
    for (const name of fileLayers) {
      const g = asGroup(root.get(name));
      if (!g) throw new Error(`loadKerasH5Weights: ${file}: layer_names lists "${name}", expected a group of that name, got none`);
      const wn = stringAttr(g.attrs, 'weight_names') ?? [];
      if (wn.length > 0) withWeights.set(name, wn);
    }
    const modelLayers = new Set(model.layers.map((l) => l.name));
    report.unused = [...withWeights.keys()].filter((n) => !modelLayers.has(n));

    const pending: { layer: tf.layers.Layer; values: tf.Tensor[] }[] = [];
    try {
      for (const layer of model.layers) {
        if (layer.weights.length === 0) continue;
        const names = withWeights.get(layer.name);
        if (!names) {
          if (opts.skipMissing) {
            report.skipped.push(layer.name);
            continue;
          }
          throw new Error(
            `loadKerasH5Weights: ${file}: expected weights for layer "${layer.name}" (${layer.getClassName()}), got none ` +
              `(the file has ${withWeights.size} layers with weights; pass skipMissing to leave it as initialised)`,
          );
        }
        const group = asGroup(root.get(layer.name))!;
        const shorts = names.map(shortWeightName);
        const values: tf.Tensor[] = [];
        pending.push({ layer, values });
        if (names.length !== layer.weights.length) {
          throw new Error(
            `loadKerasH5Weights: ${file}: layer "${layer.name}": expected ${layer.weights.length} weights ` +
              `(${layer.weights.map((w) => shortWeightName(w.originalName)).join(', ')}), got ${names.length} (${shorts.join(', ')})`,
          );
        }
        const byName = layer.weights.every((w) => shorts.includes(shortWeightName(w.originalName)));
        layer.weights.forEach((w, i) => {
          const short = shortWeightName(w.originalName);
          const j = byName ? shorts.indexOf(short) : i;
          const ds = group.get(names[j]!);
          if (!(ds instanceof h5wasm.Dataset)) {
            throw new Error(`loadKerasH5Weights: ${file}: layer "${layer.name}": expected dataset "${names[j]}", got ${ds === null ? 'none' : 'a group'}`);
          }
          const shape = ds.shape ?? [];
          if (fmt(shape) !== fmt(w.shape)) {
            throw new Error(
              `loadKerasH5Weights: ${file}: layer "${layer.name}" weight ${short}: expected shape ${fmt(w.shape)}, ` +
                `got ${fmt(shape)} (${names[j]}) — weights for another architecture or input size?`,
            );
          }
          const raw = ds.value;
          if (!ArrayBuffer.isView(raw) || raw instanceof DataView || raw instanceof BigInt64Array || raw instanceof BigUint64Array) {
            throw new Error(`loadKerasH5Weights: ${file}: layer "${layer.name}" weight ${short}: expected numeric data, got dtype ${JSON.stringify(ds.dtype)}`);
          }
          values.push(tf.tensor(Float32Array.from(raw as Float32Array), shape, 'float32'));
        });
      }
      for (const { layer, values } of pending) {
        layer.setWeights(values);
        report.loaded.push(layer.name);
      }
    } finally {
      for (const { values } of pending) tf.dispose(values);
    }
  } finally {
    f.close();
  }
  return report;
}
