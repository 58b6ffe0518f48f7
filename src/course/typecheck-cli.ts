/**
 * The child process of ./typecheck.ts (the compiler API is in ./typecheck-program.ts):
 *   `tsx src/course/typecheck-cli.ts ROOT FILE...` prints one JSON object { "<absolute file>": [TypeProblem, ...] };
 *   `tsx src/course/typecheck-cli.ts --serve` (a watch session) reads one request a line, {"root": …, "files": […]},
 *   and answers each with one such line ({"error": …} when the check itself failed), keeping what it parsed;
 *   `tsx src/course/typecheck-cli.ts --daemon [SOCKET]`: the server shared by kata runs (./typecheck-server.ts).
 */
import { createInterface } from 'node:readline';
import { newSession, typecheckFiles } from './typecheck-program.js';
import { serveChecks } from './typecheck-server.js';

const [first, ...rest] = process.argv.slice(2);
if (first === '--daemon') {
  serveChecks(rest[0]);
} else if (first === '--serve') {
  const session = newSession();
  for await (const line of createInterface({ input: process.stdin })) {
    let answer: unknown;
    try {
      const { root, files } = JSON.parse(line) as { root: string; files: string[] };
      answer = Object.fromEntries(typecheckFiles(root, files, session));
    } catch (e) {
      answer = { error: e instanceof Error ? e.message : String(e) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
} else if (!first || rest.length === 0) {
  console.error('usage: typecheck-cli.ts ROOT FILE... | typecheck-cli.ts --serve | typecheck-cli.ts --daemon [SOCKET]');
  process.exit(2);
} else {
  process.stdout.write(JSON.stringify(Object.fromEntries(typecheckFiles(first, rest))) + '\n');
}
