/** npx tsx katas/03-diverging-accuracy/demo.ts — runs the seed's experiment with YOUR seed-port.ts. */
import { backendLine } from '../../src/lib/tf.js';
import { runSeedExperiment, SEED_EXPERIMENT } from './experiment.js';

console.log(backendLine());
const { perClass, epochs, batchSize } = SEED_EXPERIMENT;
console.log(`Dress vs Coat, ${perClass} images per class (60% train / 40% validation), batch ${batchSize}, ${epochs} epochs`);
const t0 = Date.now();
const { model } = await runSeedExperiment(console.log);
model.dispose();
console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
