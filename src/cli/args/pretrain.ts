/** `npm run backbone:pretrain`'s options, parsed as this module loads: see ./README.md. */
import { pretrainArgs } from '../programs/pretrain.js';
import { exitOnUsageError } from '../usage.js';

export const opts = exitOnUsageError('backbone:pretrain', () => pretrainArgs(process.argv));
