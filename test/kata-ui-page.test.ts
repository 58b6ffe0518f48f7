/**
 * A real page check of `npm run kata 4 -- --ui` (issue 14, item 5): start the runner's Vitest UI in Node mode,
 * open the URL it prints in headless Chromium (the installed one, through playwright-core), and read the test
 * tree out of the DOM: kata 04's test names, and the starting file's teaching tests shown as failing.
 *
 * Without an installed Chromium/Chrome the test is skipped with the reason on a learner's machine, and fails
 * under CI=true (CI must install one). The runner's whole process tree is killed at the end, pass or fail.
 */
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchOptions } from '../src/course/browser-probe.js';
import { findKata, loadManifest, repoRoot } from '../src/course/manifest.js';
import { browserFor, startKataUi, stopGroup } from './support/ui-runner.js';

const KATA = '04';
const TEST_FILE = 'katas/04-dtype-cast/04-dtype-cast.test.ts';


let runner: ChildProcess | undefined;
let browser: Browser | undefined;


afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopGroup(runner);
});


interface Row {
  label: string;
  /** The row's status icon: Vitest UI marks it with an i-carbon:* attribute (checkmark, close, …). */
  icon: string;
}

describe('npm run kata 4 -- --ui, in headless Chromium', () => {
  it("shows kata 04's test tree with the starting file's teaching tests failing", async (ctx) => {
    const found = browserFor(ctx, 'the Vitest UI page check');
    const t0 = Date.now();
    const kata = findKata(loadManifest(repoRoot), KATA);
    if (!kata) throw new Error(`kata ${KATA} is not in katas/manifest.json`);
    expect(kata.mustFail.length).toBeGreaterThan(0);
    const { url, output } = await startKataUi(KATA, (c) => (runner = c), { seconds: 45 });
    expect(url).toMatch(/^http:\/\/localhost:\d+\/__vitest__\/$/);

    browser = await chromium.launch(launchOptions(found));
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } }); // every row of the tree rendered
    await page.goto(url);
    // The run is over when the file row carries a final status icon and every teaching test has a row.
    const rowsSelector = '[data-testid="explorer-item"]';
    const readRows = () =>
      page.$$eval(rowsSelector, (els) =>
        els.map((el) => ({
          label: el.getAttribute('aria-label') ?? '',
          icon: [...el.querySelectorAll('*')].flatMap((c) => c.getAttributeNames()).find((a) => a.startsWith('i-carbon:')) ?? '',
        })),
      );
    let rows: Row[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      rows = await readRows();
      const file = rows.find((r) => r.label === TEST_FILE);
      // A mustFail entry names a test as the runner matches it: a part of its title.
      const done = file && /close|checkmark/.test(file.icon) && kata.mustFail.every((t) => rows.some((r) => r.label.includes(t)));
      if (done) break;
      if (Date.now() > deadline) throw new Error(`the UI tree never finished; rows: ${JSON.stringify(rows)}\nrunner output:\n${output()}`);
      await page.waitForTimeout(250);
    }

    const byLabel = new Map(rows.map((r) => [r.label, r.icon]));
    const isTeaching = (label: string): boolean => kata.mustFail.some((t) => label.includes(t));
    expect(byLabel.get(TEST_FILE), 'the file row is failing').toBe('i-carbon:close');
    for (const t of kata.mustFail) expect(rows.find((r) => r.label.includes(t))?.icon, `teaching test "${t}"`).toBe('i-carbon:close');
    // every other failing row is the file or a describe block around the failing tests, not another test
    const otherFails = rows.filter((r) => r.icon === 'i-carbon:close' && r.label !== TEST_FILE && !isTeaching(r.label));
    for (const r of otherFails) expect(r.label, 'a failing row that is not a teaching test').toMatch(/^kata 04 — /);
    // the tests the starting file already passes are shown as passing
    const passing = rows.filter((r) => r.icon === 'i-carbon:checkmark').map((r) => r.label);
    expect(passing).toContain('casts integral float32 labels [0, 1, 1, 0] to int32 [4] with the same values');
    expect(passing).toContain('leaks no tensors, whether it accepts or rejects');
    // the dashboard agrees: 13 failing tests of kata 04 (the manifest's teaching tests)
    await expect.poll(() => page.locator('body').innerText(), { timeout: 10_000 }).toMatch(new RegExp(`\\b${kata.mustFail.length}\\s+Fail\\b`));
    console.log(`Vitest UI page check: ${rows.length} rows, ${kata.mustFail.length} failing teaching tests, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 120_000);
});
