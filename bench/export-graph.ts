/**
 * Exports a tfjs LayersModel as a small layer graph plus torch-layout weights, for bench/torch_bench.py to rebuild
 * the same network in PyTorch (it interprets the graph; no architecture is written twice).
 */
import { tf } from '../src/lib/tf.js';
import { denseToTorch, hwioToOihw, tfPadding } from './torch-layout.js';

export interface TensorRef {
  /** Byte offset in the .bin file, float32 little-endian. */
  offset: number;
  shape: number[];
}

export interface LayerSpec {
  name: string;
  type: string;
  inputs: string[];
  /** Layer settings the torch side needs; weights as TensorRefs in torch layout. */
  config: Record<string, unknown>;
  weights: Record<string, TensorRef>;
}

export interface GraphSpec {
  name: string;
  /** [H, W, C] of one input example (NHWC); torch gets NCHW. */
  inputShape: number[];
  layers: LayerSpec[];
  output: string;
}

/** Collects float32 blobs and hands out their offsets. */
export class BlobWriter {
  private parts: Float32Array[] = [];
  private bytes = 0;
  add(data: Float32Array, shape: number[]): TensorRef {
    const ref = { offset: this.bytes, shape };
    this.parts.push(data);
    this.bytes += data.byteLength;
    return ref;
  }
  addInt(data: Int32Array, shape: number[]): TensorRef {
    return this.add(new Float32Array(data), shape);
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const p of this.parts) {
      out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
      at += p.byteLength;
    }
    return out;
  }
}

const SUPPORTED = new Set([
  'InputLayer', 'Conv2D', 'BatchNormalization', 'Activation', 'ReLU', 'Add', 'GlobalAveragePooling2D', 'Dense',
  'Dropout', 'ZeroPadding2D', 'MaxPooling2D',
]);

type AnyLayer = tf.layers.Layer & { inboundNodes: { inboundLayers: tf.layers.Layer[]; inputShapes: unknown }[] };

function inputShapeOf(layer: AnyLayer): number[] {
  const s = layer.inboundNodes[0]!.inputShapes as (number | null)[] | (number | null)[][];
  const first = Array.isArray(s[0]) ? (s[0] as (number | null)[]) : (s as (number | null)[]);
  return first.slice(1).map((d) => d ?? -1);
}

/**
 * The graph of a functional or sequential model. `withWeights` false: shapes only (torch keeps its own random init,
 * e.g. for an inference-throughput run of resnet50).
 */
export function exportGraph(model: tf.LayersModel, blobs: BlobWriter, withWeights = true): GraphSpec {
  const sequential = model instanceof tf.Sequential;
  const layers: LayerSpec[] = [];
  let prev = 'input';
  for (const l of model.layers as AnyLayer[]) {
    const type = l.getClassName();
    if (!SUPPORTED.has(type)) throw new Error(`exportGraph(${model.name}): layer ${l.name}: unsupported type ${type}`);
    if (type === 'InputLayer') {
      prev = l.name;
      continue;
    }
    const c = l.getConfig() as Record<string, unknown>;
    const inputs = sequential ? [prev] : l.inboundNodes[0]!.inboundLayers.map((x) => (x.getClassName() === 'InputLayer' ? 'input' : x.name));
    const config: Record<string, unknown> = {};
    const weights: Record<string, TensorRef> = {};
    const w = l.getWeights();
    const vals = (i: number): Float32Array => w[i]!.dataSync() as Float32Array;
    if (type === 'Conv2D') {
      const [KH, KW] = c.kernelSize as number[];
      const [sh, sw] = c.strides as number[];
      const [dh, dw] = (c.dilationRate as number[] | undefined) ?? [1, 1];
      const [H, W] = inputShapeOf(l);
      config.stride = [sh, sw];
      config.dilation = [dh, dw];
      config.pad = [...tfPadding(c.padding as 'same' | 'valid', H!, KH!, sh!, dh), ...tfPadding(c.padding as 'same' | 'valid', W!, KW!, sw!, dw)];
      config.kernel = [KH, KW];
      config.filters = c.filters;
      config.inChannels = inputShapeOf(l)[2];
      config.useBias = c.useBias;
      if (c.activation !== 'linear') throw new Error(`exportGraph: ${l.name}: fused activation ${String(c.activation)} unsupported`);
      if (withWeights) {
        const k = hwioToOihw(vals(0), w[0]!.shape);
        weights.weight = blobs.add(k.data, k.shape);
        if (c.useBias) weights.bias = blobs.add(vals(1), w[1]!.shape);
      }
    } else if (type === 'BatchNormalization') {
      if (c.axis !== 3 && c.axis !== -1) throw new Error(`exportGraph: ${l.name}: BN axis ${String(c.axis)} unsupported`);
      config.epsilon = c.epsilon;
      config.momentum = c.momentum;
      config.channels = inputShapeOf(l)[2];
      if (withWeights) {
        // tfjs order: gamma, beta, moving_mean, moving_variance (center and scale are on in every model here).
        ['weight', 'bias', 'running_mean', 'running_var'].forEach((n, i) => (weights[n] = blobs.add(vals(i), w[i]!.shape)));
      }
    } else if (type === 'Dense') {
      config.units = c.units;
      config.inFeatures = inputShapeOf(l)[0];
      config.useBias = c.useBias;
      config.activation = c.activation;
      if (withWeights) {
        const k = denseToTorch(vals(0), w[0]!.shape);
        weights.weight = blobs.add(k.data, k.shape);
        if (c.useBias) weights.bias = blobs.add(vals(1), w[1]!.shape);
      }
    } else if (type === 'Activation') {
      config.activation = c.activation;
    } else if (type === 'Dropout') {
      config.rate = c.rate;
    } else if (type === 'ZeroPadding2D') {
      const p = c.padding as number[][];
      config.pad = [p[0]![0], p[0]![1], p[1]![0], p[1]![1]];
    } else if (type === 'MaxPooling2D') {
      const [ph, pw] = c.poolSize as number[];
      const [sh, sw] = c.strides as number[];
      const [H, W] = inputShapeOf(l);
      config.pool = [ph, pw];
      config.stride = [sh, sw];
      config.pad = [...tfPadding(c.padding as 'same' | 'valid', H!, ph!, sh!), ...tfPadding(c.padding as 'same' | 'valid', W!, pw!, sw!)];
    }
    layers.push({ name: l.name, type, inputs, config, weights });
    prev = l.name;
  }
  const inputShape = (model.inputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? -1);
  return { name: model.name, inputShape, layers, output: layers[layers.length - 1]!.name };
}
