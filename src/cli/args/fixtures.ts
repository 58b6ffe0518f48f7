/** `npm run fixtures`'s options, parsed as this module loads: see ./README.md. */
import { fixturesProgram } from '../programs/tools.js';
import { exitOnUsageError, parseArgs } from '../usage.js';

export const opts = exitOnUsageError('fixtures', () => parseArgs<{ out: string }>(fixturesProgram(), process.argv));
