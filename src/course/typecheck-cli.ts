/**
 * The child process of startTypecheck (./typecheck.ts; the compiler API is in ./typecheck-program.ts): `tsx src/course/typecheck-cli.ts ROOT FILE...` prints one
 * JSON object { "<absolute file>": [TypeProblem, ...] } on stdout.
 */
import { typecheckFiles } from './typecheck-program.js';

const [root, ...files] = process.argv.slice(2);
if (!root || files.length === 0) {
  console.error('usage: typecheck-cli.ts ROOT FILE...');
  process.exit(2);
}
process.stdout.write(JSON.stringify(Object.fromEntries(typecheckFiles(root, files))) + '\n');
