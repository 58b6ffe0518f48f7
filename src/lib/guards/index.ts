/** Runtime guards: clear errors at the first bad value instead of silent NaN, broadcasting or bad accuracy. */
export { assertImageBatch, assertPixelRange } from './images.js';
export { NonFiniteLossError, assertFiniteLoss, nonFiniteWeights, type CheckpointRef, type LossWhere } from './loss.js';
export { CHECKPOINT_JSON, loadCheckpoint, saveCheckpoint, withCheckpoint, type CheckpointRun, type WithCheckpointOptions } from './checkpoint.js';
