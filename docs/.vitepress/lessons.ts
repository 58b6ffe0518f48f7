/**
 * What the site adds to each lesson page, at build time, around the lesson's own README (never copied):
 * its diagram (a flow of boxes drawn as inline SVG by theme/FlowDiagram.vue), its figures (committed SVGs
 * under docs/figures), and for the experiment katas the live experiment (theme/LiveExperiment.vue).
 *
 * The insertion points are the README's own headings: the diagram right after the concept's heading
 * ("## The concept…", or "## The trap…"), the figures and the live experiment at the end of "## What we measured"
 * / "## See it yourself" / "## The symptom…" (else before "## What to do"). A README without those headings still gets both,
 * before its first "## What to do" or at its end.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarkdownRenderer } from 'vitepress';
import { carriedFiles, siteName } from './live/plugins.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A box of a lesson's diagram: `kind` colours it (data, frozen, trained, the learner's file, the bug). */
export interface FlowNode {
  label: string;
  sub?: string;
  kind?: 'data' | 'frozen' | 'train' | 'yours' | 'bug' | 'check';
}
export interface Diagram {
  caption: string;
  nodes: FlowNode[];
}
export interface Figure {
  src: string;
  alt: string;
  caption: string;
}
export interface Lesson {
  id: string;
  dir: string;
  title: string;
  diagram: Diagram;
  figures: Figure[];
  live?: 'kata03';
}

const DIAGRAMS: Record<string, Diagram> = {
  '01': {
    caption: 'The model you build: a pretrained backbone, frozen and always in inference mode, and a new head that returns logits.',
    nodes: [
      { label: 'images', sub: 'float32 [B,28,28,1]', kind: 'data' },
      { label: 'resnet-mini', sub: 'frozen, training: false', kind: 'frozen' },
      { label: 'features', sub: 'float32 [B,128]', kind: 'data' },
      { label: 'Dense(500) → ReLU', sub: '→ Dropout → Dense(C)', kind: 'yours' },
      { label: 'logits', sub: 'float32 [B,C], no softmax', kind: 'data' },
    ],
  },
  '02': {
    caption: 'One epoch of the seed’s loop: train on every batch, then validate in inference mode, log one line.',
    nodes: [
      { label: 'batch {x, y}', sub: 'from the loader', kind: 'data' },
      { label: 'forward', sub: 'training: true', kind: 'train' },
      { label: 'loss × B', sub: 'weighted sum ÷ N', kind: 'yours' },
      { label: 'optimizer.minimize', sub: 'zero_grad+backward+step', kind: 'train' },
      { label: 'validate', sub: 'training: false, tidy', kind: 'yours' },
      { label: 'log + history', sub: 'Epoch: 0, Training Loss…', kind: 'data' },
    ],
  },
  '03': {
    caption: 'The seed’s experiment: only the training batches come from your file; the model, the frozen features and kata 02’s loop are given and correct.',
    nodes: [
      { label: 'Dress/Coat images', sub: '600 train, 400 validation', kind: 'data' },
      { label: 'SeedLoader', sub: 'batches {x, y}, new order per epoch', kind: 'yours' },
      { label: 'frozen backbone', sub: 'features once per image', kind: 'frozen' },
      { label: 'head + the loop', sub: 'Adam 1e-3, batches of 32', kind: 'train' },
      { label: 'the log, per epoch', sub: 'accuracy, training loss', kind: 'check' },
    ],
  },
  '04': {
    caption: 'The guard between what the loader produced and the loss: check first, then cast.',
    nodes: [
      { label: 'targets', sub: 'float32 / number[] / strings', kind: 'data' },
      { label: 'toClassIndices', sub: 'integral? finite? 0 ≤ t < C?', kind: 'yours' },
      { label: 'int32 [B]', sub: 'class indices', kind: 'data' },
      { label: 'loss', sub: 'sparse cross-entropy', kind: 'train' },
    ],
  },
  '05': {
    caption: 'Remove exactly the axis you expect; an accuracy that refuses to broadcast [B] against [B,1].',
    nodes: [
      { label: 'targets', sub: '[B,1]', kind: 'data' },
      { label: 'squeezeTargets', sub: '[B,1] → [B], [1,1] → [1]', kind: 'yours' },
      { label: 'argMax(logits)', sub: 'int32 [B]', kind: 'data' },
      { label: 'accuracy', sub: 'shapes equal, else throw', kind: 'yours' },
      { label: 'not [B,B]', sub: 'broadcast ≈ 0.5', kind: 'bug' },
    ],
  },
  '06': {
    caption: 'Run the frozen backbone once, keep only the features, train the head on them; tf.memory() tells what leaked.',
    nodes: [
      { label: 'batches', sub: 'from the loader', kind: 'data' },
      { label: 'backbone', sub: 'tf.tidy per batch', kind: 'frozen' },
      { label: 'tf.concat', sub: 'then dispose the parts', kind: 'yours' },
      { label: 'features [N,128]', sub: 'kept', kind: 'data' },
      { label: 'trainHead', sub: 'many epochs, no leak', kind: 'yours' },
    ],
  },
  '07': {
    caption: 'One LayersModel that model.fit can train and a save/load keeps frozen: the mode is decided by the caller of apply.',
    nodes: [
      { label: 'input', sub: '[B,28,28,1]', kind: 'data' },
      { label: 'InferenceMode', sub: 'backbone, training: false', kind: 'yours' },
      { label: 'head', sub: 'Dense → Dropout → Dense', kind: 'train' },
      { label: 'model.fit', sub: 'BN statistics untouched', kind: 'train' },
      { label: 'save → load', sub: 'bit-identical, still frozen', kind: 'check' },
    ],
  },
  '08': {
    caption: 'Fine-tuning the top stage after the head has learned: BatchNorm stays in inference mode, conv4 learns 10× slower.',
    nodes: [
      { label: 'head trained', sub: 'backbone frozen', kind: 'train' },
      { label: 'unfreeze conv4', sub: '21 variables', kind: 'yours' },
      { label: 'BatchNorm', sub: 'inference mode', kind: 'frozen' },
      { label: 'two Adams', sub: 'head lr, conv4 lr ÷ 10', kind: 'yours' },
      { label: 'accuracy', sub: '92.6% → 94.2%', kind: 'check' },
    ],
  },
  '09': {
    caption: 'From scratch: the moving statistics lag behind (momentum 0.99); precise BatchNorm sets them from the training images.',
    nodes: [
      { label: 'model from scratch', sub: 'low training loss', kind: 'train' },
      { label: 'BN moving stats', sub: '1% of the way per step', kind: 'bug' },
      { label: 'recalibrate', sub: 'layer by layer, input stats', kind: 'yours' },
      { label: 'inference', sub: '50% → ~90%', kind: 'check' },
    ],
  },
  '10': {
    caption: 'The seed’s system from your pieces: guards at the boundary, once, before the first weight moves.',
    nodes: [
      { label: 'seed data', sub: 'targets float32 [N,1]', kind: 'data' },
      { label: 'squeezeTargets', sub: 'kata 05', kind: 'yours' },
      { label: 'toClassIndices', sub: 'kata 04', kind: 'yours' },
      { label: 'buildModel + train', sub: 'katas 01, 02', kind: 'yours' },
      { label: 'accuracy', sub: 'kata 05: ≥ 0.90', kind: 'check' },
    ],
  },
};

const FIGURES: Record<string, Figure[]> = {
  '03': [
    {
      src: 'docs/figures/kata-03-curves.svg',
      alt: 'Validation accuracy and training loss per epoch, the seed’s loader against the fixed one',
      caption: 'Measured with `npx tsx katas/03-diverging-accuracy/demo.ts` on wasm: the starting file’s loader against the solution’s (8 epochs, seed 2). Regenerate: `npx tsx docs/.vitepress/figures.ts`.',
    },
  ],
  '09': [
    {
      src: 'docs/figures/learning-curve.svg',
      alt: 'Test accuracy against labelled images per class, transfer vs from scratch',
      caption: 'From docs/results.md (`npm run experiment`): transfer against from scratch, 10 to 1000 labels per class.',
    },
  ],
};

function titleOf(dir: string): string {
  const first = readFileSync(path.join(repo, 'katas', dir, 'README.md'), 'utf8').split('\n')[0] ?? dir;
  return first.replace(/^#\s*/, '').replace(/^Kata \d+\s*[—-]\s*/, '');
}

/** The lessons, from the katas/ folders (their titles from the READMEs' first lines). */
export const LESSONS: Lesson[] = readdirSync(path.join(repo, 'katas'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
  .map((d) => d.name)
  .sort()
  .map((dir) => {
    const id = dir.slice(0, 2);
    return { id, dir, title: titleOf(dir), diagram: DIAGRAMS[id] ?? { caption: '', nodes: [] }, figures: FIGURES[id] ?? [], ...(id === '03' ? { live: 'kata03' as const } : {}) };
  });

function attr(value: unknown): string {
  return JSON.stringify(value).replace(/&/g, '&amp;').replace(/'/g, '&#39;');
}

function diagramHtml(l: Lesson): string {
  return `<FlowDiagram :diagram='${attr(l.diagram)}' />\n`;
}

function figuresHtml(l: Lesson): string {
  const parts = [];
  if (l.live) parts.push(`<LiveExperiment kata="${l.live}" />`);
  if (l.figures.length) parts.push(`<KataFigures :figures='${attr(l.figures)}' />`);
  return parts.join('\n') + '\n';
}

/**
 * markdown-it: on a lesson page (env.relativePath katas/NN-name/README.md), inserts the diagram and the
 * figures as HTML blocks (Vue components) at the headings named above.
 */
export function lessonMarkdown(md: MarkdownRenderer): void {
  // A relative link to a repository file the site carries (figures' data, the classroom workflow) → its copy under /repo/.
  const carried = new Set(carriedFiles(repo));
  md.core.ruler.push('kata-repo-file-links', (state) => {
    const rel = String((state.env as { relativePath?: string }).relativePath ?? '');
    // A rewritten page's env.relativePath is its new path; its links are written from its source file.
    const source = String((state.env as { path?: string }).path ?? path.join(repo, rel));
    for (const block of state.tokens) {
      for (const t of block.children ?? []) {
        const href = t.type === 'link_open' ? t.attrGet('href') : null;
        if (!href || /^[a-z]+:|^#|^\//i.test(href) || /\.(md|html)(#.*)?$/.test(href)) continue;
        const target = path.relative(repo, path.resolve(path.dirname(source), href.split('#')[0]!)).split(path.sep).join('/');
        if (carried.has(target)) t.attrSet('href', `/repo/${siteName(target)}`);
      }
    }
  });
  md.core.ruler.push('kata-lesson-extras', (state) => {
    const rel = String((state.env as { relativePath?: string }).relativePath ?? '');
    const m = /^katas\/(\d\d-[^/]+)\/README\.md$/.exec(rel);
    const lesson = m && LESSONS.find((l) => l.dir === m[1]);
    if (!lesson) return;
    const tokens = state.tokens;
    const h2 = (i: number): string | undefined =>
      tokens[i]!.type === 'heading_open' && tokens[i]!.tag === 'h2' ? tokens[i + 1]!.content : undefined;
    const html = (content: string) => {
      const t = new state.Token('html_block', '', 0);
      t.content = content;
      return t;
    };
    let concept = -1;
    let measured = -1;
    let todo = -1;
    let measuredEnd = -1;
    for (let i = 0; i < tokens.length; i++) {
      const text = h2(i);
      if (text === undefined) continue;
      if (concept < 0 && /^the (concept|trap)/i.test(text)) concept = i + 3;
      if (measured < 0 && /^(what we measured|see it yourself|the symptom)/i.test(text)) measured = i;
      else if (measured >= 0 && measuredEnd < 0) measuredEnd = i; // the next h2: the figures go at the end of that section
      if (todo < 0 && /^what to do/i.test(text)) todo = i;
    }
    const figuresAt = measured >= 0 ? (measuredEnd >= 0 ? measuredEnd : tokens.length) : todo >= 0 ? todo : tokens.length;
    const diagramAt = concept >= 0 ? concept : todo >= 0 ? todo : tokens.length;
    // Insert the later one first so that the earlier index stays valid.
    const inserts = [
      { at: diagramAt, token: html(diagramHtml(lesson)) },
      ...(lesson.figures.length || lesson.live ? [{ at: figuresAt, token: html(figuresHtml(lesson)) }] : []),
    ].sort((a, b) => b.at - a.at);
    for (const { at, token } of inserts) tokens.splice(at, 0, token);
  });
}
