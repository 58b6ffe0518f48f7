/**
 * Writes the bench's export directory: what every variant loads so that all compute the same thing from the same
 * start — tfjs weights (raw-tfjs/, head-tfjs/) for the tfjs child processes, and manifest.json + tensors.bin
 * (layer graphs, torch-layout weights, the data in NCHW, split and epoch orders) for bench/torch_bench.py.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../src/lib/tf.js';
import type { Backbone } from '../src/lib/models/backbones.js';
import { saveModel } from '../src/lib/models/io.js';
import type { BenchData } from './data.js';
import { BlobWriter, exportGraph, type GraphSpec, type TensorRef } from './export-graph.js';
import { nhwcToNchw } from './torch-layout.js';

export interface BenchPlan {
  batchSize: number;
  raw: { steps: number; warmup: number; lr: number; epsilon: number };
  e2e: { epochs: number; lr: number; epsilon: number; reference: number; dropout: number };
  /** The loss-equality check: one SGD step with this lr on the first `batch` pool examples (small: the cpu backend is slow). */
  check: { lr: number; batch: number };
  resnet50: { batch: number; iters: number; warmup: number; size: number };
}

export interface Manifest extends BenchPlan {
  version: 1;
  bin: string;
  graphs: Record<string, GraphSpec>;
  data: { images: TensorRef; labels: TensorRef };
  check: BenchPlan['check'] & { images: TensorRef; labels: TensorRef };
  e2e: BenchPlan['e2e'] & { valIndices: TensorRef; orders: TensorRef };
}

export const RAW_TFJS = 'raw-tfjs';
export const HEAD_TFJS = 'head-tfjs';

export async function writeExport(
  dir: string,
  plan: BenchPlan,
  d: BenchData,
  m: { raw: tf.LayersModel; backbone: Backbone; head: tf.LayersModel; resnet50?: tf.LayersModel },
): Promise<Manifest> {
  mkdirSync(dir, { recursive: true });
  await saveModel(m.raw, path.join(dir, RAW_TFJS));
  await saveModel(m.head, path.join(dir, HEAD_TFJS));
  const blobs = new BlobWriter();
  const graphs: Record<string, GraphSpec> = {
    raw: exportGraph(m.raw, blobs),
    backbone: exportGraph(m.backbone.model, blobs),
    head: exportGraph(m.head, blobs),
  };
  if (m.resnet50) graphs.resnet50 = exportGraph(m.resnet50, blobs, false);
  const n = d.labels.length;
  const imgs = nhwcToNchw(d.images, [n, ...d.shape]);
  const per = d.shape[0] * d.shape[1] * d.shape[2];
  const cb = plan.check.batch;
  const checkImgs = imgs.data.slice(0, cb * per); // pool examples 0..cb-1, as checkIndices() on the tfjs side
  const orders = new Int32Array(d.orders.length * d.trainIndices.length);
  d.orders.forEach((o, e) => orders.set(o, e * d.trainIndices.length));
  const manifest: Manifest = {
    version: 1,
    bin: 'tensors.bin',
    ...plan,
    graphs,
    data: { images: blobs.add(imgs.data, imgs.shape), labels: blobs.addInt(d.labels, [n]) },
    check: { ...plan.check, images: blobs.add(checkImgs, [cb, ...imgs.shape.slice(1)]), labels: blobs.addInt(d.labels.slice(0, cb), [cb]) },
    e2e: {
      ...plan.e2e,
      valIndices: blobs.addInt(d.valIndices, [d.valIndices.length]),
      orders: blobs.addInt(orders, [d.orders.length, d.trainIndices.length]),
    },
  };
  writeFileSync(path.join(dir, manifest.bin), blobs.concat());
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}
