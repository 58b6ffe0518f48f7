/**
 * Kata 09 — from scratch (reference solution).
 * A network trained from random initialisation for a few hundred steps has BatchNorm moving statistics
 * that are still close to their initial 0 and 1: tfjs averages them with momentum 0.99. Evaluated in
 * inference mode it then normalises with the wrong numbers (measured here: one class, 50.3%).
 * recalibrateBatchNorm ("precise BN") sets every BatchNorm layer's moving mean and variance to the
 * statistics of its input over the given images, in inference order, and changes nothing else.
 */
import { tf } from '../../src/lib/tf.js';

/** The model's BatchNormalization layers, in graph order. */
export function batchNormLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
}

/**
 * Sets every BatchNorm layer's moving_mean and moving_variance to the per-channel mean and (biased)
 * variance of that layer's input over `images` (the model's input, already preprocessed), each layer
 * seeing the output of the layers before it with their new statistics. Returns the number of layers
 * recalibrated. Changes no other weight, leaves every layer's momentum as it was, leaks no tensor.
 */
export function recalibrateBatchNorm(model: tf.LayersModel, images: tf.Tensor4D): number {
  const bns = batchNormLayers(model) as Array<tf.layers.Layer & { momentum: number }>;
  const saved = bns.map((l) => l.momentum);
  try {
    // Momentum 0 for this one pass: new moving value = the batch's value. One batch holding all the images
    // makes every layer's batch statistics those of the whole set; in training mode each layer normalises
    // with exactly those statistics, so the next layer sees what it will see in inference mode.
    bns.forEach((l) => (l.momentum = 0));
    tf.tidy(() => {
      model.apply(images, { training: true });
    });
  } finally {
    bns.forEach((l, i) => (l.momentum = saved[i]!)); // training keeps its 0.99
  }
  return bns.length;
}

/** Accuracy of argmax(model(images)) against labels, in inference mode, batch by batch. */
export function evaluate(model: tf.LayersModel, images: tf.Tensor4D, labels: tf.Tensor1D, batchSize = 32): number {
  const n = images.shape[0];
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const c = tf.tidy(() => {
      const x = tf.slice(images, [start, 0, 0, 0], [b, -1, -1, -1]);
      const y = tf.slice(labels, [start], [b]);
      const logits = model.apply(x, { training: false }) as tf.Tensor2D; // inference: moving statistics
      return tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(y, 'int32')), 'int32'));
    });
    correct += c.dataSync()[0]!;
    c.dispose();
  }
  return correct / n;
}
