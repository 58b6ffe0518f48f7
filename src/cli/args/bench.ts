/** `npm run bench`'s options, parsed as this module loads: see ./README.md. */
import { benchArgs } from '../programs/bench.js';
import { exitOnUsageError } from '../usage.js';

export const opts = exitOnUsageError('bench', () => benchArgs(process.argv));
