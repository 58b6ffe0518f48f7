/**
 * Type-checking the learner's files in every kata run (and in verify and grade): the kata's files — and the files
 * under katas/ they import — against the project's strict tsconfig.json, with the TypeScript compiler API and
 * an incremental .tsbuildinfo under .cache/typecheck/ (a warm re-run re-checks only what changed).
 * Only the course's own files are reported (katas/ and solutions/ of the course root), never src/lib or libraries.
 * Runs in a child process (./typecheck-cli.ts, started by ./typecheck.ts): loading TypeScript costs the runner nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './manifest.js';
import { inNodeModules, storeTypecheck, type CheckInputs } from './typecheck-cache.js';
import type { TypeProblem } from './verdict.js';

export const TYPECHECK_CACHE = path.join(repoRoot, '.cache', 'typecheck');

let parsed: ts.ParsedCommandLine | undefined;
function projectOptions(): ts.CompilerOptions {
  if (!parsed) {
    const host: ts.ParseConfigFileHost = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} };
    parsed = ts.getParsedCommandLineOfConfigFile(path.join(repoRoot, 'tsconfig.json'), {}, host);
  }
  return parsed?.options ?? { strict: true, noEmit: true };
}

/** The files under `<root>/katas` or `<root>/solutions` that `files` import, transitively (the files included). */
export function courseImports(root: string, files: string[]): string[] {
  const options = projectOptions();
  const inCourse = (f: string): boolean => [path.join(root, 'katas') + path.sep, path.join(root, 'solutions') + path.sep].some((d) => f.startsWith(d));
  const seen = new Set<string>();
  const visit = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    const text = ts.sys.readFile(f);
    if (text === undefined) return;
    for (const imp of ts.preProcessFile(text, true, true).importedFiles) {
      const r = ts.resolveModuleName(imp.fileName, f, options, ts.sys).resolvedModule;
      if (r && !r.isExternalLibraryImport && inCourse(path.resolve(r.resolvedFileName)) && !/\.test\.ts$/.test(r.resolvedFileName)) visit(path.resolve(r.resolvedFileName));
    }
  };
  for (const f of files) visit(path.resolve(f));
  return [...seen];
}

/** Wraps the host so that it records what the check sees: each file's text as read, each path probed in vain. */
function recordInputs(host: ts.CompilerHost): CheckInputs {
  const inputs: CheckInputs = { read: new Map(), absent: new Map() };
  const { readFile, fileExists } = host;
  host.readFile = (f) => {
    const text = readFile.call(host, f);
    if (text !== undefined) inputs.read.set(f, text);
    else inputs.absent.set(f, 'file');
    return text;
  };
  host.fileExists = (f) => {
    const found = fileExists.call(host, f);
    if (!found) inputs.absent.set(f, 'file');
    return found;
  };
  const { getSourceFile } = host;
  host.getSourceFile = (f, ...rest) => {
    const sf = getSourceFile.call(host, f, ...rest);
    if (sf) inputs.read.set(f, sf.text); // also a file a session had parsed before (no readFile then)
    return sf;
  };
  const { directoryExists } = host;
  if (directoryExists) {
    host.directoryExists = (d) => {
      const found = directoryExists.call(host, d);
      if (!found) inputs.absent.set(d, 'folder');
      return found;
    };
  }
  return inputs;
}

function problemOf(d: ts.Diagnostic, root: string): TypeProblem | undefined {
  if (!d.file || d.start === undefined) return undefined;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return {
    file: path.relative(root, d.file.fileName).split(path.sep).join('/'),
    line: line + 1,
    col: character + 1,
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  };
}

/**
 * What a long-lived checker keeps between checks (`npm run kata N -- --watch`: ./typecheck-cli.ts --serve; the
 * server shared by runs: ./typecheck-server.ts): the parsed files, reused while their size and modification time
 * hold (and, outside node_modules, their text), and the last programs of the latest sets of files — a re-check
 * after a save parses only the saved file, not the ~800 declaration files.
 */
export interface TypecheckSession {
  parsed: Map<string, { stamp: string; sf: ts.SourceFile }>;
  programs: Map<string, ts.EmitAndSemanticDiagnosticsBuilderProgram>;
  /** How many programs to keep (the sets of files checked last): each holds its checker's types. */
  keepPrograms: number;
}

export function newSession(keepPrograms = Infinity): TypecheckSession {
  return { parsed: new Map(), programs: new Map(), keepPrograms };
}

function reuseParsed(host: ts.CompilerHost, session: TypecheckSession): void {
  const { getSourceFile } = host;
  host.getSourceFile = (f, languageVersion, ...rest) => {
    let stamp: string;
    try {
      const st = statSync(f);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      return getSourceFile.call(host, f, languageVersion, ...rest);
    }
    const hit = session.parsed.get(f);
    // the course's own files are small: their text is compared too (a save within the same millisecond, same size)
    if (hit?.stamp === stamp && (inNodeModules(f) || host.readFile(f) === hit.sf.text)) return hit.sf;
    const sf = getSourceFile.call(host, f, languageVersion, ...rest);
    if (sf) session.parsed.set(f, { stamp, sf });
    return sf;
  };
}

/**
 * Type errors in `files` (absolute) and the course files they import, first by file then position.
 * Returns a map from each checked file (absolute) to its problems, so grade can give each kata its own.
 * With a `session`, what an earlier check parsed is reused.
 */
export function typecheckFiles(root: string, files: string[], session?: TypecheckSession): Map<string, TypeProblem[]> {
  const checked = courseImports(root, files);
  mkdirSync(TYPECHECK_CACHE, { recursive: true });
  const key = createHash('sha256').update(`${root}\n${[...files].sort().join('\n')}`).digest('hex').slice(0, 16);
  const options: ts.CompilerOptions = {
    ...projectOptions(),
    noEmit: true,
    incremental: true,
    tsBuildInfoFile: path.join(TYPECHECK_CACHE, `${key}.tsbuildinfo`),
  };
  const host = ts.createIncrementalCompilerHost(options);
  if (session) reuseParsed(host, session);
  const inputs = recordInputs(host);
  const old = session?.programs.get(key) ?? ts.readBuilderProgram(options, host);
  const program = ts.createEmitAndSemanticDiagnosticsBuilderProgram(checked, options, host, old);
  if (session) {
    session.programs.delete(key); // the newest last: the oldest set of files is dropped first
    session.programs.set(key, program);
    for (const k of session.programs.keys()) if (session.programs.size > session.keepPrograms) session.programs.delete(k);
  }
  // Walk the files the change affects, as tsc does: a checked file whose import changed its types is re-checked
  // (asking a file's diagnostics directly would reuse its last ones). Only the checked files are computed.
  const wanted = new Set(checked.map((f) => path.resolve(f)));
  while (program.getSemanticDiagnosticsOfNextAffectedFile(undefined, (sf) => !wanted.has(path.resolve(sf.fileName))));
  const out = new Map<string, TypeProblem[]>();
  for (const f of checked) {
    const sf = program.getSourceFile(f);
    if (!sf) continue;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    const problems = diags
      .filter((d) => d.category === ts.DiagnosticCategory.Error)
      .map((d) => problemOf(d, root))
      .filter((p): p is TypeProblem => p !== undefined)
      .sort((a, b) => a.line - b.line || a.col - b.col);
    out.set(f, problems);
  }
  program.emit(); // with noEmit: only the .tsbuildinfo
  inputs.read.delete(options.tsBuildInfoFile!); // the checker's own state, not an input (written just above)
  inputs.absent.delete(options.tsBuildInfoFile!);
  const parts = files.length > 1 ? files.map((f): [string, string[]] => [f, courseImports(root, [f])]) : [];
  storeTypecheck(root, files, inputs, out, parts); // the next run over the same inputs reuses it (./typecheck-cache.ts)
  return out;
}

/**
 * One request of a long-lived checker (`--serve`, `--daemon`): the line {"root": R, "files": [F, ...]} → the answer
 * to send back, problems per file (absolute path), or {"error": message} when the check itself failed.
 */
export function answerRequest(line: string, session: TypecheckSession): unknown {
  try {
    const { root, files } = JSON.parse(line) as { root: string; files: string[] };
    return Object.fromEntries(typecheckFiles(root, files, session));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Every problem of `files` and what they import from the course, in file order. */
export function typecheck(root: string, files: string[]): TypeProblem[] {
  return [...typecheckFiles(root, files).values()].flat();
}

