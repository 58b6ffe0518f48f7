/**
 * Saves a trained pipeline model: the head (always), the backbone when it was trained (from scratch),
 * and pipeline.json saying which backbone and weights the head belongs to.
 *
 *   <dir>/head/{model.json,weights.bin}      features [B,F] → logits [B,C]
 *   <dir>/backbone/{model.json,weights.bin}  only when the backbone was trained (from scratch)
 *   <dir>/pipeline.json                      backbone name, weights source, input shape, classes, result
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TransferModel } from '../lib/classifier.js';
import { saveModel } from '../lib/models/io.js';
import type { PipelineResult } from './run.js';

export const PIPELINE_JSON = 'pipeline.json';

export interface SavedPipeline {
  backbone: { name: string; weights: string; inputShape: number[]; featureDim: number; frozen: boolean; saved: string | null };
  head: string;
  classNames: string[];
  result: Omit<PipelineResult, 'history' | 'options'> & { history: PipelineResult['history'] };
  command?: string;
  date: string;
}

export async function savePipeline(model: TransferModel, result: PipelineResult, dir: string, command?: string): Promise<SavedPipeline> {
  await mkdir(dir, { recursive: true });
  await saveModel(model.head, path.join(dir, 'head'));
  let saved: string | null = null;
  if (!model.frozen) {
    await saveModel(model.backbone.model, path.join(dir, 'backbone'));
    saved = 'backbone';
  }
  const { options: _options, ...rest } = result;
  const card: SavedPipeline = {
    backbone: {
      name: model.backbone.name,
      weights: saved ? `trained here (from ${model.backbone.source}), saved in ${saved}/` : model.backbone.source,
      inputShape: [...model.backbone.inputShape],
      featureDim: model.backbone.featureDim,
      frozen: model.frozen,
      saved,
    },
    head: 'head',
    classNames: result.classNames,
    result: rest,
    command,
    date: new Date().toISOString(),
  };
  await writeFile(path.join(dir, PIPELINE_JSON), JSON.stringify(card, null, 2) + '\n');
  return card;
}
