/** npx tsx katas/10-capstone/demo.ts [epochs] — the capstone with YOUR capstone.ts and YOUR katas 01–05. */
import { backendLine, tf } from '../../src/lib/tf.js';
import { runCapstone, CAPSTONE_DEFAULTS } from './capstone.js';
import { disposeSeedData, loadSeedData } from './seed-data.js';

const epochs = Number(process.argv[2] ?? CAPSTONE_DEFAULTS.epochs);
console.log(backendLine());
const data = loadSeedData();
console.log(
  `seed data: train images ${data.train.images.dtype} [${data.train.images.shape}], targets ${data.train.targets.dtype} [${data.train.targets.shape}]; ` +
    `test ${data.test.images.shape[0]} images; ${epochs} epochs`,
);
const result = await runCapstone(data, { epochs, log: console.log });
console.log(`test accuracy ${result.testAccuracy.toFixed(4)} on ${data.test.images.shape[0]} images, ${result.seconds.toFixed(1)} s`);
result.model.dispose();
disposeSeedData(data);
console.log(`tf.memory().numTensors after: ${tf.memory().numTensors}`);
