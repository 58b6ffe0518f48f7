/**
 * The curves' chart in Vitest UI, seen in a real browser (issue 21): a copy of the fixture course whose kata
 * has one test that draws its curves with test/support/curves.ts (as the experiment tests of katas 03, 08 and 10
 * do); `npm run kata 0 -- --ui` on it, opened in headless Chromium; the test's report shows the annotation
 * with the SVG chart as an image that the browser decoded (naturalWidth > 0), and the terminal lines.
 *
 * Without an installed Chromium/Chrome: skipped with the reason, a failure under CI=true.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchOptions } from '../src/course/browser-probe.js';
import { repoRoot } from '../src/course/manifest.js';
import { browserFor, startKataUi, stopGroup } from './support/ui-runner.js';

const CHART_TEST = 'draws its curves';

let runner: ChildProcess | undefined;
let browser: Browser | undefined;
let course: string | undefined;


/** The fixture course in test/fixtures/.tmp-ui-* (its tests import src/lib by relative path) with a chart test. */
function chartCourse(): string {
  const dir = mkdtempSync(path.join(repoRoot, 'test/fixtures/.tmp-ui-'));
  cpSync(path.join(repoRoot, 'test/fixtures/course'), dir, { recursive: true, filter: (src) => !path.basename(src).startsWith('.kata-') });
  const testFile = path.join(dir, 'katas/00-fixture/00-fixture.test.ts');
  const text = readFileSync(testFile, 'utf8')
    .replace("import { safeAdd } from './add.js';", "import { safeAdd } from './add.js';\nimport { showCurves } from '../../../../../test/support/curves.js';")
    .concat(
      `\ndescribe('00-fixture curves', () => {\n  it('${CHART_TEST}', async (ctx) => {\n` +
        "    await showCurves(ctx, 'a demo run, per epoch', [\n" +
        "      { label: 'validation accuracy', values: [0.91, 0.5, 0.76, 0.57], expected: '≥ 0.85 every epoch' },\n" +
        "      { label: 'training loss', values: [0.32, 1.07, 0.73, 0.68] },\n    ]);\n  });\n});\n",
    );
  writeFileSync(testFile, text);
  return dir;
}


afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopGroup(runner);
  if (course) rmSync(course, { recursive: true, force: true });
});

describe('curves in Vitest UI, in headless Chromium', () => {
  it("a test's curves show in its report as an SVG chart the browser draws, with the terminal lines", async (ctx) => {
    const found = browserFor(ctx, 'the Vitest UI chart check');
    course = chartCourse();
    const { url, output } = await startKataUi('0', (c) => (runner = c), { root: course });
    browser = await chromium.launch(launchOptions(found));
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(url);
    const row = page.locator(`[data-testid="explorer-item"][aria-label="${CHART_TEST}"]`);
    await row.waitFor({ timeout: 60_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\nrunner output:\n${output()}`);
    });
    await row.click();
    const note = page.locator('[role="note"]').filter({ has: page.locator('img') });
    await note.first().waitFor({ timeout: 30_000 });
    const img = note.first().locator('img');
    await expect.poll(() => img.evaluate((el) => { const i = el as unknown as { complete: boolean; naturalWidth: number }; return i.complete ? i.naturalWidth : 0; }), { timeout: 10_000 }).toBeGreaterThan(100);
    const src = await img.getAttribute('src');
    expect(src).toBeTruthy();
    const notes = await page.locator('[role="note"]').allInnerTexts();
    expect(notes.join('\n')).toMatch(/validation accuracy\s+\S+\s+0\.91 0\.50 0\.76 0\.57\s+expected ≥ 0\.85 every epoch/);
    expect(notes.join('\n')).toContain('chart of these curves');
  }, 150_000);
});
