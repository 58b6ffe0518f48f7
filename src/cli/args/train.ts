/** `npm run train`'s options, parsed as this module loads: see ./README.md. */
import { trainArgs } from '../programs/train.js';
import { exitOnUsageError } from '../usage.js';

export const opts = exitOnUsageError('train', () => trainArgs(process.argv));
