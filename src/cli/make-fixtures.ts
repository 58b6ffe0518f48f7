/**
 * Writes the reference features of known images for the committed pretrained backbone:
 * katas/01-build-model/pretrained-features.json. Kata 01's tests compare a learner's backbone
 * against it, to prove the pretrained weights (not a random initialisation) are loaded.
 * Run after `npm run backbone:pretrain`:  npm run fixtures
 */
import './backend-flag.js'; // first: rejects a bad --backend / KATA_BACKEND before src/lib/tf.ts loads
import { opts } from './args/fixtures.js'; // second: the options, before the heavy modules below (args/README.md)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../lib/tf.js';
import { loadBundledPair } from '../lib/data/bundled.js';
import { REPO_ROOT } from '../lib/data/paths.js';
import { loadBackbone } from '../lib/models/backbones.js';

const INDICES = [0, 1, 2, 3, 1000, 1001]; // bundled test images (both classes)

const { test } = loadBundledPair();
const bb = await loadBackbone('resnet-mini');
const features = tf.tidy(() => {
  const x = test.subset(INDICES).toTensors();
  tf.dispose(x.y);
  return bb.model.apply(bb.preprocess(x.x), { training: false }) as tf.Tensor2D; // float32 [6, F]
});
const rows = (await features.array()).map((r) => r.map((v) => Number(v.toPrecision(7))));
writeFileSync(
  opts.out,
  JSON.stringify({ backbone: 'resnet-mini', weights: bb.source, split: 'bundled test', indices: INDICES, features: rows }) + '\n',
);
console.log(`wrote ${path.relative(REPO_ROOT, path.resolve(opts.out))}: features [${features.shape.join(', ')}] of test images ${INDICES.join(', ')}`);
