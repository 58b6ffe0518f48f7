/**
 * Hints come only through `npm run kata N -- --hint`, one rung at a time (the manifest holds the ladder):
 * a lesson README that prints a hint's text, or a "Hints" ladder, gives away what --hint hides.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, repoRoot } from '../src/course/manifest.js';

/** Lower case, no Markdown emphasis or code marks, one space between words. */
export function normalise(text: string): string {
  return text.toLowerCase().replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim();
}

/** The pieces of a hint long enough to be its own (clauses of 30 characters or more). */
export function hintFragments(hint: string): string[] {
  return normalise(hint)
    .split(/(?:[.:;!?] )|(?: — )|(?: \()|(?:\) )|(?:, then )|(?:, and )/)
    .map((f) => f.trim())
    .filter((f) => f.length >= 30);
}

const manifest = loadManifest(repoRoot);

describe('lesson READMEs keep their hints for --hint', () => {
  it('the fragment finder sees a hint copied into prose, with other Markdown marks', () => {
    const hint = 'Read the values out first: const values = targets.dataSync(), then loop with an index i so the message can say it.';
    const readme = normalise('Some text. *Read the values out first*: `const values = targets.dataSync()`, then loop\nwith an index `i` so the message can say it.');
    expect(hintFragments(hint).length).toBeGreaterThan(0);
    expect(hintFragments(hint).some((f) => readme.includes(f))).toBe(true);
  });

  for (const kata of manifest.katas) {
    it(`${kata.name}/README.md has no "Hints" ladder and none of its ${kata.hints.length} hints' text`, () => {
      const text = readFileSync(path.join(repoRoot, 'katas', kata.name, 'README.md'), 'utf8');
      const headings = text.split('\n').filter((l) => /^#{1,6}\s.*\bhints?\b/i.test(l));
      expect(headings, `a hint ladder heading in ${kata.name}/README.md: the ladder lives in katas/manifest.json`).toEqual([]);
      const body = normalise(text);
      const leaked = kata.hints.flatMap((h, i) => hintFragments(h).filter((f) => body.includes(f)).map((f) => `hint ${i + 1}: "${f}"`));
      expect(leaked, `${kata.name}/README.md repeats hint text (npm run kata ${kata.id} -- --hint shows it)`).toEqual([]);
    });
  }
});
