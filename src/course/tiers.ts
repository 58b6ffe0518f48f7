/**
 * Fast and slow tiers: the words the test side (test/support/tiers.ts) and the runner (src/cli/kata.ts) share.
 * No imports: it also loads in the browser.
 */

/** The note of a slow test skipped because a fast test of its file failed (ctx.skip(note)). */
export const SLOW_SKIP_NOTE = 'slow tests not run: the fast ones fail first (--all runs everything)';

/** A console line that reports training progress ("[progress] seed experiment: epoch 2 of 4 — …"): the runner shows it live. */
export const PROGRESS_PREFIX = '[progress] ';
