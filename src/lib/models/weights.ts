/** One entry point for "load these weights into this model": a Keras .h5 file or a tfjs model directory. */
import { fileExists, isDirectory } from '../files.js';
import { tf } from '../tf.js';
import { loadWeightsInto } from './io.js';

/**
 * Loads `weights` (.h5 file or tfjs dir) into `model` by layer/weight name; returns a one-line source
 * description. Layers in the file that the model lacks (e.g. a classifier head) are ignored.
 */
export async function loadWeightsFrom(model: tf.LayersModel, weights: string): Promise<string> {
  if (!fileExists(weights)) {
    throw new Error(`${model.name}: weights: expected a Keras .h5 file or a tfjs model directory, got no such path: ${weights}`);
  }
  if (isDirectory(weights)) {
    const r = await loadWeightsInto(model, weights, { ignoreExtra: true });
    return `${weights} (tfjs, ${r.loaded.length} tensors${r.ignored.length ? `, ignored ${r.ignored.join(', ')}` : ''})`;
  }
  if (!/\.(h5|hdf5|keras\.h5)$/i.test(weights)) {
    throw new Error(`${model.name}: weights: expected a .h5 file or a directory, got ${weights}`);
  }
  // Loaded on use: the HDF5 reader (h5wasm's Node build) is Node-only, and the browser side never needs it.
  const { loadKerasH5Weights } = await import('./keras-h5.js');
  const r = await loadKerasH5Weights(model, weights);
  return `${weights} (Keras h5, ${r.loaded.length} layers)`;
}
