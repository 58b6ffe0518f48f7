/**
 * The backbones' names, in a module of their own: the commands check `--backbone` before TensorFlow.js
 * loads (src/cli/args/), and src/lib/models/backbones.ts imports tf.
 */
export type BackboneName = 'resnet-mini' | 'resnet50';
export const BACKBONE_NAMES: readonly BackboneName[] = ['resnet-mini', 'resnet50'];
