/** Test-set evaluation with the guards: accuracy by kata 05's accuracy(), weighted by batch size. */
import { tf } from '../lib/tf.js';
import type { Classifier } from '../lib/classifier.js';
import type { DataLoader } from '../lib/data/dataset.js';
import { crossEntropy } from '../../solutions/02-training-loop/training-loop.js';
import { accuracy } from '../../solutions/05-squeeze/squeeze.js';

export interface Evaluation {
  accuracy: number;
  loss: number;
  examples: number;
}

/** Runs the model in inference mode over every batch of `loader` (labels already guarded by PipelineLoader). */
export async function evaluate(model: Classifier, loader: DataLoader): Promise<Evaluation> {
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  for (const { x, y } of loader) {
    try {
      const logits = model.forward(x, { training: false }); // float32 [B,C]
      try {
        const b = y.shape[0];
        correct += accuracy(logits, y) * b; // refuses [B] vs [B,1]; y is int32 [B]
        const loss = crossEntropy(logits, y);
        lossSum += (await loss.data())[0]! * b;
        loss.dispose();
        n += b;
      } finally {
        logits.dispose();
      }
    } finally {
      tf.dispose([x, y]);
    }
  }
  return { accuracy: Math.round(correct) / n, loss: lossSum / n, examples: n };
}
