/** `npm run doctor`'s options, parsed as this module loads: see ./README.md. */
import { doctorProgram } from '../programs/tools.js';
import { exitOnUsageError, parseArgs } from '../usage.js';

export const opts = exitOnUsageError('doctor', () => parseArgs(doctorProgram(), process.argv));
