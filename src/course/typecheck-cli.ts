/**
 * The child process of ./typecheck.ts (the compiler API is in ./typecheck-program.ts):
 *   `tsx src/course/typecheck-cli.ts ROOT FILE...` prints one JSON object { "<absolute file>": [TypeProblem, ...] };
 *   `tsx src/course/typecheck-cli.ts --serve` (a watch session) reads one request a line, {"root": …, "files": […]},
 *   and answers each with one such line ({"error": …} when the check itself failed), keeping what it parsed;
 *   `tsx src/course/typecheck-cli.ts --daemon [SOCKET]`: the server shared by kata runs (./typecheck-server.ts).
 */
import { createInterface } from 'node:readline';
import { answerRequest, newSession, typecheckFiles } from './typecheck-program.js';
import { serveChecks } from './typecheck-server.js';

const [first, ...rest] = process.argv.slice(2);
if (first === '--daemon') {
  serveChecks(rest[0]);
} else if (first === '--serve') {
  const session = newSession();
  for await (const line of createInterface({ input: process.stdin })) process.stdout.write(JSON.stringify(answerRequest(line, session)) + '\n');
} else if (!first || rest.length === 0) {
  console.error('usage: typecheck-cli.ts ROOT FILE... | typecheck-cli.ts --serve | typecheck-cli.ts --daemon [SOCKET]');
  process.exit(2);
} else {
  process.stdout.write(JSON.stringify(Object.fromEntries(typecheckFiles(first, rest))) + '\n');
}
