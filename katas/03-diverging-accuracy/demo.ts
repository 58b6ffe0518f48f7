/** npx tsx katas/03-diverging-accuracy/demo.ts [epochs] — the seed's experiment with YOUR seed-loader.ts. */
import { backendLine } from '../../src/lib/tf.js';
import { runSeedExperiment, SEED_EXPERIMENT } from './experiment.js';

const epochs = Number(process.argv[2] ?? 8);
console.log(backendLine());
const { perClass, batchSize, lr } = SEED_EXPERIMENT;
console.log(`Dress vs Coat, ${perClass} images per class (60% train / 40% validation), batch ${batchSize}, Adam ${lr}, ${epochs} epochs`);
const t0 = Date.now();
await runSeedExperiment(console.log, { ...SEED_EXPERIMENT, epochs });
console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
