/**
 * Kata 08 — the frozen head against fine-tuning the top stage with YOUR fine-tune.ts, measured.
 * Run: npx tsx katas/08-fine-tuning/demo.ts [seeds=1] [fineTuneEpochs=10] [--recalibrate]
 *      npx tsx katas/08-fine-tuning/demo.ts 1,2,3      (the README's table; about a minute per seed here)
 * --recalibrate: after fine-tuning, also measure with every BatchNorm layer's moving statistics set to
 * those of the training images (kata 09's precise BatchNorm) — a diagnosis of stale statistics.
 */
import { backendLine } from '../../src/lib/tf.js';
import { FINE_TUNE_EXPERIMENT, runFineTuneExperiment, type FineTuneResult } from './experiment.js';

const recalibrate = process.argv.includes('--recalibrate');
const args = process.argv.slice(2).filter((a) => a !== '--recalibrate');
const seeds = (args[0] ?? '1').split(',').map(Number);
const fineTuneEpochs = Number(args[1] ?? FINE_TUNE_EXPERIMENT.fineTuneEpochs);
if (!seeds.every(Number.isInteger) || !Number.isInteger(fineTuneEpochs) || fineTuneEpochs < 1) {
  throw new Error(`usage: demo.ts [seeds, e.g. 1,2,3] [fineTuneEpochs >= 1] [--recalibrate], got ${process.argv.slice(2).join(' ')}`);
}
const o = { ...FINE_TUNE_EXPERIMENT, fineTuneEpochs, recalibrate };
console.log(backendLine());
console.log(
  `Dress vs Coat: ${o.perClass} training images per class, ${Math.ceil(2000 / o.testStride)} test images; head on the frozen features ` +
    `${o.headEpochs} epochs (Adam ${o.headLr}, batch ${o.batchSize}), then ${o.fineTuneEpochs} epochs of each arm: ` +
    `frozen (head only, ${o.headLr}) vs fine-tuned (head ${o.headLr}, backbone ${o.backboneLr})\n`,
);

const rows: Array<FineTuneResult & { seed: number }> = [];
for (const seed of seeds) {
  console.log(`seed ${seed}`);
  const r = await runFineTuneExperiment({ ...o, seed }, (line) => console.log(`  ${line}`));
  rows.push({ ...r, seed });
  console.log(`  ${r.seconds.total.toFixed(0)} s (fine-tuning ${r.seconds.fineTune.toFixed(0)} s)\n`);
}

const pct = (v: number): string => (100 * v).toFixed(2);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const extra = recalibrate ? ' recalibrated % |' : '';
console.log(`| seed | head, ${o.headEpochs} epochs % | frozen, +${o.fineTuneEpochs} epochs % | fine-tuned, +${o.fineTuneEpochs} epochs % | gain (pts) | fine-tuning s |${extra}`);
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |${recalibrate ? ' ---: |' : ''}`);
for (const r of rows) {
  const rec = recalibrate ? ` ${pct(r.recalibrated!)} |` : '';
  console.log(`| ${r.seed} | ${pct(r.head)} | ${pct(r.frozen)} | ${pct(r.fineTuned)} | ${(100 * (r.fineTuned - r.frozen)).toFixed(2)} | ${r.seconds.fineTune.toFixed(0)} |${rec}`);
}
if (rows.length > 1) {
  const m = (k: 'head' | 'frozen' | 'fineTuned'): string => pct(mean(rows.map((r) => r[k])));
  const rec = recalibrate ? ` ${pct(mean(rows.map((r) => r.recalibrated!)))} |` : '';
  console.log(`| mean | ${m('head')} | ${m('frozen')} | ${m('fineTuned')} | ${(100 * mean(rows.map((r) => r.fineTuned - r.frozen))).toFixed(2)} | |${rec}`);
}
const beat = rows.filter((r) => r.fineTuned > r.frozen).length;
console.log(`\nfine-tuned > frozen in ${beat} of ${rows.length} run(s)`);
