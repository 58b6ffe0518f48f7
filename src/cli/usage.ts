/**
 * Command-line parsing for every CLI: a usage error is ONE line on stderr — the flag, what was expected,
 * what came — and exit status 2, never a stack trace. `--help` prints the help and exits 0.
 *
 *   const opts = exitOnUsageError('train', () => parseArgs<Opts>(trainProgram(), process.argv));
 *
 * The value parsers below throw commander's InvalidArgumentError with a message that already names the flag.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, type OptionValues } from 'commander';
import { BACKEND_OVERRIDES } from '../lib/backend-override.js';
import { userPath } from '../lib/cli/user-path.js';
import { UsageError } from '../lib/cli/usage-error.js';

export { UsageError };

/** Thrown by parseArgs after commander printed the help (or version): the CLI exits 0. */
export class HelpShown extends Error {
  override name = 'HelpShown';
}

/** Commander throws instead of exiting and prints nothing itself; subcommands too. */
function quiet(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeErr: () => {}, outputError: () => {} });
  for (const c of cmd.commands) quiet(c);
}

/** The long flags of a command, for "expected one of …". */
export function flagsOf(cmd: Command): string[] {
  return cmd.options.map((o) => o.long).filter((f): f is string => !!f && f !== '--help');
}

/** Commander's error as one line: "--epochs: expected an integer >= 1, got "abc"". */
export function oneLine(e: CommanderError, cmd: Command): string {
  const msg = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
  let m: RegExpExecArray | null;
  if (e.code === 'commander.invalidArgument' && (m = /^option '(--[\w-]+)[^']*' argument '(.*)' is invalid\. (.*)$/.exec(msg))) {
    const [, flag, value, why] = m as unknown as [string, string, string, string];
    if (why.startsWith(flag)) return why;
    const allowed = /^Allowed choices are (.*)\.$/.exec(why);
    return allowed ? `${flag}: expected one of ${allowed[1]}, got "${value}"` : `${flag}: ${why} (got "${value}")`;
  }
  if (e.code === 'commander.optionMissingArgument' && (m = /^option '(--[\w-]+) ?([^']*)' argument missing/.exec(msg))) {
    return `${m[1]}: expected a value ${m[2]}, got none`;
  }
  if (e.code === 'commander.unknownOption' && (m = /^unknown option '([^']+)'(?: \(Did you mean (\S+)\?\))?/.exec(msg))) {
    const flags = flagsOf(cmd);
    return `${m[1]}: unknown option${m[2] ? ` (did you mean ${m[2]}?)` : ''}; expected ${flags.length ? `one of ${flags.join(', ')}` : 'no options'}`;
  }
  if (e.code === 'commander.excessArguments') {
    return `arguments: expected ${cmd.registeredArguments.length === 0 ? 'none (only --options)' : `at most ${cmd.registeredArguments.length}`}, got "${cmd.args.join(' ')}"`;
  }
  return msg;
}

/** Parses argv ([node, script, ...args]) and returns the options; a usage error throws UsageError (one line). */
export function parseArgs<T extends OptionValues>(program: Command, argv: readonly string[]): T {
  quiet(program);
  try {
    program.parse([...argv], { from: 'node' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) throw new HelpShown(e.message);
      throw new UsageError(oneLine(e, program));
    }
    throw e;
  }
  return program.opts<T>();
}

/** Runs parse(); on a usage error prints "<cli>: <one line>" to stderr and exits 2; after --help exits 0. */
export function exitOnUsageError<T>(cli: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof HelpShown) process.exit(0);
    if (e instanceof UsageError) {
      process.stderr.write(`${cli}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

// ---------- value parsers (each error names the flag, the expectation and the value) ----------

const got = (v: string): string => JSON.stringify(v);

export function intAtLeast(flag: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag}: expected an integer >= ${min}, got ${got(v)}`);
    return n;
  };
}

export function numberWhere(flag: string, ok: (n: number) => boolean, expected: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(`${flag}: expected ${expected}, got ${got(v)}`);
    return n;
  };
}

export function choice<T extends string>(flag: string, choices: readonly T[]) {
  return (v: string): T => {
    if (!(choices as readonly string[]).includes(v)) throw new InvalidArgumentError(`${flag}: expected one of ${choices.join(', ')}, got ${got(v)}`);
    return v as T;
  };
}

/** `a,b` → ['a', 'b'], each one of the choices. */
export function choiceList<T extends string>(flag: string, choices: readonly T[]) {
  return (v: string): T[] => {
    const parts = v.split(',').map((s) => s.trim());
    const bad = parts.find((p) => !(choices as readonly string[]).includes(p));
    if (bad !== undefined) throw new InvalidArgumentError(`${flag}: expected a comma-separated list of ${choices.join(', ')}, got ${got(bad)} in ${got(v)}`);
    return [...new Set(parts)] as T[];
  };
}

/** --backend: the names src/lib/backend-override.ts accepts (checked there too, before tfjs loads). */
export const backendChoice = choice('--backend', BACKEND_OVERRIDES);

/** A path that will be written (created if missing): anything but an empty string. */
export function outPath(flag: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new InvalidArgumentError(`${flag}: expected a path to write to, got ""`);
    return userPath(v);
  };
}

export function existingDir(flag: string, what: string) {
  return (v: string): string => {
    const p = userPath(v);
    if (!existsSync(p)) throw new InvalidArgumentError(`${flag}: expected ${what}, got ${got(v)} (no such folder)`);
    if (!statSync(p).isDirectory()) throw new InvalidArgumentError(`${flag}: expected ${what}, got ${got(v)} (a file, not a folder)`);
    return p;
  };
}

export function existingFile(flag: string, what: string) {
  return (v: string): string => {
    const p = userPath(v);
    if (!existsSync(p)) throw new InvalidArgumentError(`${flag}: expected ${what}, got ${got(v)} (no such file)`);
    if (statSync(p).isDirectory()) throw new InvalidArgumentError(`${flag}: expected ${what}, got ${got(v)} (a folder, not a file)`);
    return p;
  };
}

/** An existing file or folder, or one of the words. */
export function existingPathOr(flag: string, what: string, words: readonly string[]) {
  return (v: string): string => {
    if (words.includes(v)) return v;
    if (v.trim() === '' || !existsSync(userPath(v))) throw new InvalidArgumentError(`${flag}: expected ${what}, got ${got(v)} (no such file or folder)`);
    return userPath(v);
  };
}
