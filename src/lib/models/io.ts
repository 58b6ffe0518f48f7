/**
 * Save/load tfjs layers models to a directory on any backend (tfjs-node's file:// handler is absent on
 * wasm/cpu): model.json (modelTopology + weightsManifest) and weights.bin, through a tf.io.IOHandler.
 */
import path from 'node:path';
import { fileExists, isDirectory, readFileBytes, readTextFile, renameFile, sha256Hex, writeFileBytes } from '../files.js';
import { tf } from '../tf.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

type WeightSpec = tf.io.WeightsManifestEntry;
interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
  /** Written by saveModel (ignored by other tfjs loaders): sha256 of each weights file, to catch corruption. */
  weightsSha256?: Record<string, string>;
}


const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes that one manifest entry takes in the weights file. */
export function specBytes(spec: WeightSpec, where: string): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new Error(`${where}: weight "${spec.name}": expected a numeric dtype, got ${dtype}`);
  return spec.shape.reduce((a, d) => a * d, 1) * per;
}

/** The IOHandler for a directory: `model.save(dirHandler(d))`, `tf.loadLayersModel(dirHandler(d))`. */
export function dirHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
        throw new Error(`saveModel(${dir}): expected a JSON model topology, got ${artifacts.modelTopology === undefined ? 'none' : 'a binary one'}`);
      }
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? '',
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      json.weightsSha256 = { [WEIGHTS_BIN]: await sha256Hex(new Uint8Array(data)) };
      // Write to temporary names, then rename: a crash mid-save never leaves a half-written pair.
      // Through the file loader (src/lib/files.ts): the folder on Node, the page's memory in the browser.
      const tag = typeof process === 'undefined' ? 'page' : String(process.pid);
      const tmpBin = path.join(dir, `${WEIGHTS_BIN}.tmp-${tag}`);
      const tmpJson = path.join(dir, `${MODEL_JSON}.tmp-${tag}`);
      writeFileBytes(tmpBin, new Uint8Array(data));
      writeFileBytes(tmpJson, JSON.stringify(json));
      renameFile(tmpBin, path.join(dir, WEIGHTS_BIN));
      renameFile(tmpJson, path.join(dir, MODEL_JSON));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const { json, specs, data } = await readModelDir(dir, 'loadModel');
      const artifacts: tf.io.ModelArtifacts = {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: data,
        format: json.format ?? 'layers-model',
        generatedBy: json.generatedBy ?? '',
        convertedBy: json.convertedBy ?? null,
      };
      if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig;
      if (json.userDefinedMetadata) artifacts.userDefinedMetadata = json.userDefinedMetadata as {};
      return artifacts;
    },
  };
}

/** Reads and checks model.json and the weight files it names; `who` prefixes errors. */
export async function readModelDir(dir: string, who: string): Promise<{ json: ModelJson; specs: WeightSpec[]; data: ArrayBuffer }> {
  if (!isDirectory(dir)) {
    throw new Error(`${who}(${dir}): expected a model directory with ${MODEL_JSON} and ${WEIGHTS_BIN}, got ${fileExists(dir) ? 'a file' : 'no such directory'}`);
  }
  const jsonPath = path.join(dir, MODEL_JSON);
  if (!fileExists(jsonPath)) throw new Error(`${who}(${dir}): expected ${jsonPath}, got no such file`);
  let json: ModelJson;
  try {
    json = JSON.parse(readTextFile(jsonPath)) as ModelJson;
  } catch (e) {
    throw new Error(`${who}: ${jsonPath}: expected valid JSON, got a parse error (${(e as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new Error(`${who}: ${jsonPath}: expected an object with "modelTopology", got ${json === null ? 'null' : typeof json === 'object' ? `keys ${Object.keys(json).join(', ')}` : typeof json}`);
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new Error(`${who}: ${jsonPath}: expected a "weightsManifest" array, got ${typeof json.weightsManifest}`);
  }
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new Error(`${who}: ${jsonPath}: weightsManifest: expected groups of {paths, weights}, got ${JSON.stringify(group).slice(0, 80)}`);
    }
    const expected = group.weights.reduce((a, s) => a + specBytes(s, `${who}: ${jsonPath}`), 0);
    let actual = 0;
    const names: string[] = [];
    const files: { file: string; p: string; buf: Uint8Array }[] = [];
    for (const p of group.paths) {
      if (typeof p !== 'string' || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
        throw new Error(`${who}: ${jsonPath}: weightsManifest paths: expected file names inside ${dir}, got ${JSON.stringify(p)}`);
      }
      const file = path.join(dir, p);
      if (!fileExists(file)) throw new Error(`${who}: expected weights file ${file} (named in ${MODEL_JSON}), got no such file`);
      const buf = readFileBytes(file);
      files.push({ file, p, buf });
      parts.push(buf);
      actual += buf.byteLength;
      names.push(p);
    }
    if (actual !== expected) {
      throw new Error(
        `${who}: ${path.join(dir, names.join('+'))}: expected ${expected} bytes (${group.weights.length} tensors in the ` +
          `${MODEL_JSON} manifest), got ${actual} bytes — the file is truncated, corrupted or from another save`,
      );
    }
    for (const { file, p, buf } of files) {
      const want = json.weightsSha256?.[p];
      const got = want === undefined ? undefined : await sha256Hex(buf);
      if (got !== want) {
        throw new Error(
          `${who}: ${file}: expected sha256 ${want} (recorded in ${MODEL_JSON} at save), got ${got} — ` +
            `the file is corrupted or was replaced (the size, ${buf.byteLength} bytes, is right)`,
        );
      }
    }
    specs.push(...group.weights);
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return { json, specs, data: out.buffer };
}

export async function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(dirHandler(dir));
}

export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(dirHandler(dir));
}

export interface WeightsReport {
  /** Weight names set in the model. */
  loaded: string[];
  /** Weight names in the file that the model lacks (only with ignoreExtra, e.g. a pretraining head). */
  ignored: string[];
}

const fmt = (s: readonly (number | null)[]): string => `[${s.join(', ')}]`;

/**
 * Loads the weights of a saved directory into `model`, matching by weight name (`layer/kernel`) and
 * checking every shape. Throws "a weights file for another architecture" listing the mismatches.
 * `ignoreExtra`: tolerate weights of layers the model doesn't have (e.g. 'predictions' of a pretrained head).
 */
export async function loadWeightsInto(model: tf.LayersModel, dir: string, opts: { ignoreExtra?: boolean } = {}): Promise<WeightsReport> {
  const { specs, data } = await readModelDir(dir, 'loadWeightsInto');
  const fileShapes = new Map(specs.map((s) => [s.name, s.shape]));
  const problems: string[] = [];
  const wanted = model.weights.map((w) => w.originalName);
  for (const w of model.weights) {
    const got = fileShapes.get(w.originalName);
    if (got === undefined) problems.push(`expected ${model.name} weight ${w.originalName} shape ${fmt(w.shape)}, got none in the file`);
    else if (fmt(got) !== fmt(w.shape)) problems.push(`expected ${model.name} weight ${w.originalName} shape ${fmt(w.shape)}, got ${fmt(got)}`);
  }
  const extra = specs.map((s) => s.name).filter((n) => !wanted.includes(n));
  if (!opts.ignoreExtra) for (const n of extra) problems.push(`expected no weight ${n} (not in ${model.name}), got one of shape ${fmt(fileShapes.get(n)!)}`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join('; ');
    throw new Error(
      `loadWeightsInto(${dir}): a weights file for another architecture: ${shown}` +
        (problems.length > 8 ? `; … and ${problems.length - 8} more` : ''),
    );
  }
  const named = tf.io.decodeWeights(data, specs);
  try {
    model.setWeights(wanted.map((n) => named[n]!));
  } finally {
    tf.dispose(Object.values(named));
  }
  return { loaded: wanted, ignored: extra };
}
