/** The browser side of src/lib/runtime.ts (vitest.config.ts picks it in browser mode). */
export const inBrowser: boolean = true;
