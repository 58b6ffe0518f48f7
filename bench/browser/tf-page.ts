/**
 * tfjs in the bench's browser page: replaces src/lib/tf.ts (Node: wasm, tfjs-node) in the page's bundle, so
 * src/lib/models and bench/models.ts build the same networks in the browser. The backend is chosen by the page.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';

export { tf };
