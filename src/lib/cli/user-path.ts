/**
 * Paths the learner typed (`--data`, `--out`, `--weights`, `--junit`, …) are relative to the folder they typed
 * them in. `npm run` starts the script in the package's root, not there, and passes that folder as INIT_CWD.
 * INIT_CWD is only trusted when this process runs in the root of the package npm started (npm_package_json):
 * a CLI started some other way by a process that inherited npm's environment resolves from its own cwd.
 */
import path from 'node:path';

/** The folder the learner typed the command in. */
export function userCwd(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const init = env.INIT_CWD;
  const pkg = env.npm_package_json;
  if (init && pkg && path.resolve(path.dirname(pkg)) === path.resolve(cwd)) return path.resolve(init);
  return cwd;
}

/** A path the learner typed, absolute: resolved from the folder they typed it in. */
export function userPath(p: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return path.resolve(userCwd(env, cwd), p);
}
