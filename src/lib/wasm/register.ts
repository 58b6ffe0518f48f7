/**
 * Registers the gradient kernels that the stock wasm backend lacks, so that conv nets train on wasm.
 * (tfjs issue #8474: Conv2DBackpropFilter is missing from @tensorflow/tfjs-backend-wasm.)
 *
 * Call after importing '@tensorflow/tfjs-backend-wasm' and before tf.setBackend('wasm') (src/lib/tf.ts does).
 *  - Conv2DBackpropFilter: added (one XNNPACK conv, see conv2d-backprop-filter.ts).
 *  - DepthwiseConv2dNativeBackpropFilter / ...Input: added (one depthwise conv each, see depthwise-grads.ts).
 *  - Conv2DBackpropInput: replaced by a wrapper that runs an XNNPACK conv where the stock scalar loop is slow.
 *  - Tile: replaced by a wrapper that broadcasts with one SIMD multiply (BatchNorm gradients), see tile.ts.
 *  - Sum, Mean: replaced by wrappers that reduce leading axes with one average pooling (BatchNorm statistics), see
 *    reduce.ts.
 *  - Multiply, Add, Sub, RealDiv: replaced by wrappers that pass a [1,1,1,C] operand as [C] (fast path), see
 *    broadcast.ts.
 *  - FusedBatchNorm: replaced by a wrapper that normalises with three broadcast passes, see batchnorm.ts.
 */
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { makeConv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-grads.js';
import { makeBatchNormConfig } from './batchnorm.js';
import { makeBroadcastConfig } from './broadcast.js';
import { makeMeanConfig, makeSumConfig } from './reduce.js';
import { makeTileConfig } from './tile.js';
import { tf } from './util.js';

let registered = false;
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const add = (k: tf.KernelConfig): void => {
    if (!tf.getKernel(k.kernelName, 'wasm')) tf.registerKernel(k);
  };
  add(conv2dBackpropFilterConfig);
  add(depthwiseBackpropFilterConfig);
  add(depthwiseBackpropInputConfig);

  const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (stockInput) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
  tf.registerKernel(makeConv2dBackpropInputConfig(stockInput));

  const wrap = (name: string, make: (stock: tf.KernelConfig) => tf.KernelConfig): void => {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock) return;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(make(stock));
  };
  wrap('Tile', makeTileConfig);
  wrap('Sum', makeSumConfig);
  wrap('Mean', makeMeanConfig);
  for (const name of ['Multiply', 'Add', 'Sub', 'RealDiv']) wrap(name, makeBroadcastConfig);
  wrap('FusedBatchNorm', makeBatchNormConfig);
}
