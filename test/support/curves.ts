/**
 * Curves for the experiment tests: what the learner's code did, per epoch, next to what the lesson expects.
 *  - in the terminal: one compact line per series (a text annotation; `npm run kata N` prints it under the test,
 *    Vitest's own reporter under the test too);
 *  - in Vitest UI: an annotation carrying an SVG chart (`npm run kata N -- --ui`, open the test). Only there: drawing it
 *    loads vega and vega-lite (seconds on a busy machine), and a terminal run would make the learner wait for a
 *    picture it cannot show (its caption says where to see it). The project's own tests (no kataUi provided) draw it;
 *  - while it trains: "[progress] …" lines, which the kata runner turns into one live status line.
 */
import { inject, type TestContext } from 'vitest';
import { curveLines, curveSvg, type Curve } from '../../src/lib/curves.js';
import { PROGRESS_PREFIX } from '../../src/course/tiers.js';

export type { Curve };

declare module 'vitest' {
  export interface ProvidedContext {
    /** The kata suite runs under Vitest UI (vitest.config.ts): the curves' SVG charts are drawn. */
    kataUi: boolean;
  }
}

/** Draw the SVG chart? In Vitest UI, or where the config does not say (the project's own tests). */
function chartWanted(): boolean {
  try {
    return inject('kataUi') ?? true;
  } catch {
    return true;
  }
}

/** The per-epoch records of the course's training loop (kata 02). */
export interface EpochLike {
  epoch: number;
  trainingLoss: number;
  validationLoss: number;
  accuracy: number;
}

/** The curves of a training history; `expectedAccuracy` says what the lesson expects of it. */
export function historyCurves(history: EpochLike[], expectedAccuracy?: string): Curve[] {
  return [
    { label: 'validation accuracy', values: history.map((r) => r.accuracy), ...(expectedAccuracy ? { expected: expectedAccuracy } : {}) },
    { label: 'training loss', values: history.map((r) => r.trainingLoss) },
    { label: 'validation loss', values: history.map((r) => r.validationLoss) },
  ];
}

/** A log callback for a training loop: one progress line per epoch ("seed experiment: epoch 2 of 4 — …"). */
export function progressLog(what: string, epochs: number, also?: (line: string) => void): (line: string) => void {
  let epoch = 0;
  return (line) => {
    epoch++;
    also?.(line);
    console.log(`${PROGRESS_PREFIX}${what}: epoch ${epoch} of ${epochs} — ${line}`);
  };
}

/** Attaches the curves to the test: the terminal lines, and an SVG chart for Vitest UI. */
export async function showCurves(ctx: TestContext, title: string, curves: Curve[], opts: { xTitle?: string; firstX?: number } = {}): Promise<void> {
  const lines = curveLines(curves);
  await ctx.annotate(`${title}\n${lines.join('\n')}`, 'curves');
  const kata = /(\d{2,})-[^/\\]*\.test\.ts$/.exec(ctx.task.file?.name ?? '')?.[1] ?? 'N';
  const caption = `chart of these curves: open this test in Vitest UI (npm run kata ${kata} -- --ui)`;
  if (!chartWanted()) {
    await ctx.annotate(caption, 'chart');
    return;
  }
  let svg: string;
  try {
    svg = await curveSvg(title, curves, opts);
  } catch (e) {
    await ctx.annotate(`chart not drawn: ${(e as Error).message}`, 'curves');
    return;
  }
  await ctx.annotate(caption, 'chart', {
    contentType: 'image/svg+xml',
    body: new TextEncoder().encode(svg),
  });
}
