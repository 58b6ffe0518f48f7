/**
 * Run by test/threads.test.ts in its own process (KATA_THREADS=2 or 1): the backend line, the loss of the
 * raw bench network before and after one SGD step on a seeded batch, a few data-parallel steps that are never
 * closed, and the tensor count before and after. It ends without process.exit: the process must exit by itself.
 */
import { tf, backendLine } from '../../src/lib/tf.js';
import { startDataParallel } from '../../src/lib/threads/data-parallel.js';
import { buildRawModel } from '../../bench/models.js';
import { lossCheck, trainableVars } from '../../bench/workloads.js';

const before = tf.memory().numTensors;
const model = buildRawModel(); // resnet-mini + Dense(2), seeded
const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
const y = tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1], 'int32');
const check = lossCheck((v) => model.apply(v, { training: true }) as tf.Tensor2D, trainableVars(model), x, y, 0.02);
tf.dispose([x, y]);
model.dispose();
const leakedByCheck = tf.memory().numTensors - before;
const dp = await startDataParallel({ module: new URL('./dp-replica.ts', import.meta.url), init: { batchSize: 6, lr: 0.1 }, world: 2 });
const afterStart = tf.memory().numTensors;
const losses: number[] = [];
for (let i = 0; i < 2; i++) losses.push(await dp.step(i));
console.log(JSON.stringify({ line: backendLine(), check, losses, leakedByCheck, leakedBySteps: tf.memory().numTensors - afterStart }));
// no dp.close(): idle workers are unref'd
