/**
 * src/lib/tf.browser.ts sends its backend line to the Vitest runner through `commands` of
 * 'vitest/browser'. On the course site there is no runner: live/plugins.ts points that import here,
 * and the line is kept for the page to show (live/backend-line.ts).
 */
export const commands = {
  async kataBackendLine(line: string): Promise<void> {
    (globalThis as unknown as { __kataBackendLine?: string }).__kataBackendLine = line;
  },
};
