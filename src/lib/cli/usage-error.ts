/**
 * A usage error: a flag or argument the user gave is wrong. Its message is one line naming the flag,
 * what was expected and what came; the CLIs print it without a stack and exit with status 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
