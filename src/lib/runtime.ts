/**
 * Where this code runs: `inBrowser` is false here, in Node; src/lib/runtime.browser.ts (picked by
 * vitest.config.ts in browser mode, `npm run kata N -- --browser`) says true. For the experiments that
 * run a smaller variant in a page (kata 05's closing experiment: on a software renderer the full one
 * takes minutes), stated in their lessons.
 */
export const inBrowser: boolean = false;
