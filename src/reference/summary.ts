/** The one-line JSON summary of a pipeline run (npm run train --json's last line). */
import type { PipelineResult } from './run.js';
import type { TrainSummary } from './results-md.js';

export function trainSummary(r: PipelineResult, savedTo?: string): TrainSummary {
  return {
    backend: r.backend,
    epochs: r.epochs,
    labelsPerClass: r.labelsPerClass,
    testAccuracy: Number(r.testAccuracy.toFixed(4)),
    seconds: Number(r.seconds.toFixed(1)),
    mode: r.mode,
    backbone: r.backbone,
    testImages: r.testImages,
    ...(savedTo === undefined ? {} : { savedTo }),
  };
}
