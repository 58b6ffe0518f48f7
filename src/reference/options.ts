/** The pipeline's options, their defaults and their checks (errors name the CLI option). */
import { UsageError } from '../lib/cli/usage-error.js';
import { BACKBONE_NAMES, type BackboneName } from '../lib/models/backbone-names.js';

export interface PipelineOptions {
  /** Labelled images per class, drawn from the pool (dataset.perClass(N, seed)); a validation split is taken from them. Default: the whole pool. */
  labelsPerClass?: number;
  /** Default: DEFAULT_EPOCHS.transfer (frozen) or DEFAULT_EPOCHS.scratch. */
  epochs?: number;
  seed?: number;
  /** Same architecture, randomly initialised, all trainable. */
  fromScratch?: boolean;
  /** Default 'resnet-mini'. */
  backbone?: BackboneName;
  /** Pretrained weights: tfjs dir or Keras .h5, or 'random'. Default: the backbone's committed/default weights. */
  weights?: string;
  /** Train the head on cached backbone features (frozen backbone only). Default: true when frozen. */
  cacheFeatures?: boolean;
  batchSize?: number;
  /** Adam learning rate. */
  lr?: number;
  dropout?: number;
  /** Fraction of the labelled images (per class) used for validation. */
  valFraction?: number;
  /** A trained (from-scratch) backbone: reset BatchNorm moving statistics to the training images' after each epoch (precise-bn.ts). Default true. */
  preciseBn?: boolean;
}

export const DEFAULT_EPOCHS = { transfer: 50, scratch: 5 } as const;
export const DEFAULTS = { seed: 1, backbone: 'resnet-mini' as BackboneName, batchSize: 32, lr: 1e-3, dropout: 0.5, valFraction: 0.2 };

export type ResolvedOptions = Required<Omit<PipelineOptions, 'weights' | 'labelsPerClass'>> & {
  weights?: string;
  labelsPerClass?: number;
};

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function int(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new UsageError(`${name}: expected an integer >= ${min}, got ${show(v)}`);
  }
  return v;
}

/** Fills the defaults and checks every option. */
export function resolveOptions(o: PipelineOptions = {}): ResolvedOptions {
  const fromScratch = o.fromScratch ?? false;
  if (typeof fromScratch !== 'boolean') throw new UsageError(`--from-scratch: expected true or false, got ${show(fromScratch)}`);
  const backbone = o.backbone ?? DEFAULTS.backbone;
  if (!BACKBONE_NAMES.includes(backbone)) throw new UsageError(`--backbone: expected one of ${BACKBONE_NAMES.join(', ')}, got ${show(backbone)}`);
  const cacheFeatures = o.cacheFeatures ?? !fromScratch;
  if (cacheFeatures && fromScratch) {
    throw new UsageError('--cache-features: expected a frozen backbone (cached features are fixed only then), got --from-scratch; use --no-cache-features');
  }
  if (o.weights !== undefined && (typeof o.weights !== 'string' || o.weights === '')) {
    throw new UsageError(`--weights: expected a path or "random", got ${show(o.weights)}`);
  }
  if (o.weights !== undefined && fromScratch) {
    throw new UsageError(`--weights: expected no weights with --from-scratch (it initialises randomly), got ${show(o.weights)}`);
  }
  const lr = o.lr ?? DEFAULTS.lr;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new UsageError(`--lr: expected a positive number, got ${show(lr)}`);
  const dropout = o.dropout ?? DEFAULTS.dropout;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout: expected a number in [0, 1), got ${show(dropout)}`);
  const valFraction = o.valFraction ?? DEFAULTS.valFraction;
  if (typeof valFraction !== 'number' || !(valFraction > 0 && valFraction < 1)) {
    throw new UsageError(`--val-fraction: expected a number strictly between 0 and 1, got ${show(valFraction)}`);
  }
  const preciseBn = o.preciseBn ?? true;
  if (typeof preciseBn !== 'boolean') throw new UsageError(`--precise-bn: expected true or false, got ${show(preciseBn)}`);
  return {
    fromScratch,
    preciseBn,
    backbone,
    cacheFeatures,
    weights: o.weights,
    labelsPerClass: o.labelsPerClass === undefined ? undefined : int('--labels', o.labelsPerClass, 2),
    epochs: int('--epochs', o.epochs ?? (fromScratch ? DEFAULT_EPOCHS.scratch : DEFAULT_EPOCHS.transfer), 1),
    seed: int('--seed', o.seed ?? DEFAULTS.seed, 0),
    batchSize: int('--batch-size', o.batchSize ?? DEFAULTS.batchSize, 1),
    lr,
    dropout,
    valFraction,
  };
}
