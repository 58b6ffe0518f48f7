/**
 * Kata 03's experiment, live in the reader's browser: the repository's own files, not copies —
 * katas/03-diverging-accuracy/experiment.ts (the seed's model trained by kata 02's reference loop on
 * the bundled Dress/Coat images) run twice on one pretrained backbone: with the kata's starting
 * seed-loader.ts (the seed's loader; the reader's own file in a checkout) and with the solution's.
 * tfjs runs on the backend src/lib/tf.browser.ts chose (WebGPU, else WebGL), as in `--browser`.
 */
import { backend, backendLine } from '../../../src/lib/tf.js';
import { loadBackbone } from '../../../src/lib/models/backbones.js';
import { runSeedExperiment, SEED_EXPERIMENT } from '../../../katas/03-diverging-accuracy/experiment.js';
import { SeedLoader as FixedLoader } from '../../../solutions/03-diverging-accuracy/seed-loader.js';

export interface EpochPoint {
  epoch: number;
  trainingLoss: number;
  validationLoss: number;
  accuracy: number;
}
export type Arm = 'seed' | 'fixed';

/** The seed's log line (kata 02's formatEpoch) → numbers: the live curve is drawn from the line the loop prints. */
export function parseEpochLine(line: string): EpochPoint | undefined {
  const m = /Epoch: (\d+), Training Loss: ([\d.]+|NaN), Validation Loss: ([\d.]+|NaN), accuracy = ([\d.]+|NaN)/.exec(line);
  if (!m) return undefined;
  return { epoch: Number(m[1]), trainingLoss: Number(m[2]), validationLoss: Number(m[3]), accuracy: Number(m[4]) };
}

export const DEFAULTS = { epochs: SEED_EXPERIMENT.epochs, perClass: SEED_EXPERIMENT.perClass };

export function backendInfo(): { line: string; name: string; software: boolean } {
  return { line: backendLine(), name: backend.name, software: /swiftshader|llvmpipe|software/i.test(backend.detail) };
}

/**
 * Both arms, one after the other (the seed's loader first). `onEpoch` gets each epoch as its log line
 * comes; `onDone` the arm's exact history and its seconds.
 */
export async function runKata03(
  opts: { epochs: number; perClass: number },
  onEpoch: (arm: Arm, p: EpochPoint) => void,
  onDone: (arm: Arm, history: EpochPoint[], seconds: number) => void,
): Promise<void> {
  const backbone = await loadBackbone('resnet-mini');
  try {
    for (const arm of ['seed', 'fixed'] as const) {
      const t0 = performance.now();
      const history = await runSeedExperiment(
        (line) => {
          const p = parseEpochLine(line);
          if (p) onEpoch(arm, p);
        },
        { ...SEED_EXPERIMENT, epochs: opts.epochs, perClass: opts.perClass, backbone, ...(arm === 'fixed' ? { Loader: FixedLoader } : {}) },
      );
      onDone(arm, history, (performance.now() - t0) / 1000);
    }
  } finally {
    backbone.model.dispose();
  }
}
