/** Child script for test/backend.test.ts: picks the backend (wasm here), then throws an ordinary error. */
import { tf } from '../../src/lib/tf.js';

console.log(`backend ${tf.getBackend()}`);
throw new Error('learner error: labels[3] = 1.9');
