/**
 * Pure summary and formatting of the bench's results: picks (a) among the project's wasm variants, extrapolates
 * (b) where it was measured on a reduced workload (and says so), computes the ratios and the loss-equality check.
 *
 * Ratios are speed ratios, > 1 when (a) is faster: for throughput a/x = (images/s of a) / (images/s of x); for the
 * end-to-end workload a/x = (seconds of x) / (seconds of a).
 */
import type { LossPair, RawResult, E2EResult } from './workloads.js';

export interface VariantOut {
  variant: string;
  /** 1-minute load average when this variant started (other processes skew timings on a shared machine). */
  load?: number;
  detail: string;
  check?: { raw: LossPair; e2e: LossPair };
  raw?: RawResult & { workers?: number };
  e2e?: E2EResult | { perEpochSeconds: number; measuredSeconds: number; note: string };
  cached?: E2EResult;
  resnet50?: { imagesPerSec: number; seconds: number; batch: number; iters: number; warmup: number };
}

export interface TorchOut {
  load?: number;
  torch: string;
  threads: number;
  blas: string;
  check?: { raw: LossPair; e2e: LossPair };
  raw?: { imagesPerSec: number; steps: number; seconds: number; overallImagesPerSec?: number };
  e2e?: { history: { epoch: number; seconds: number; accuracy: number }[]; secondsToReference: number | null; seconds: number };
  resnet50?: { imagesPerSec: number };
}

export interface Cell {
  value: number | null;
  /** Which implementation/variant, and how it was measured. */
  label: string;
  note?: string;
}

export interface Summary {
  raw: { a: Cell; b: Cell; c: Cell; aOverB: number | null; aOverC: number | null; variants: Cell[] };
  e2e: { reference: number; a: Cell; aSeed: Cell; b: Cell; c: Cell; aOverB: number | null; aOverC: number | null; variants: Cell[] };
  /** The seed's whole workload: seconds for all E epochs, with the final validation accuracy in the label. */
  e2eAll: { epochs: number; a: Cell; b: Cell; c: Cell; aOverB: number | null; aOverC: number | null; variants: Cell[] };
  resnet50: { a: Cell; b: Cell; c: Cell; aOverB: number | null; aOverC: number | null; variants: Cell[] };
  check: { tolerance: number; rows: { name: string; raw: LossPair; e2e: LossPair }[]; maxRelDiff: number | null; pass: boolean | null };
}

export const LOSS_TOLERANCE = 1e-3;

/** x / y, or null when either is missing or y is 0. */
export function ratio(x: number | null | undefined, y: number | null | undefined): number | null {
  if (x === null || x === undefined || y === null || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || y === 0) return null;
  return x / y;
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

const none = (label: string, note?: string): Cell => ({ value: null, label, ...(note ? { note } : {}) });

function best(cells: Cell[], higherIsBetter: boolean): Cell {
  const ok = cells.filter((c) => c.value !== null);
  if (ok.length === 0) return cells[0] ?? none('(a)');
  return ok.reduce((p, c) => ((higherIsBetter ? c.value! > p.value! : c.value! < p.value!) ? c : p));
}

function isFull(e: VariantOut['e2e']): e is E2EResult {
  return e !== undefined && 'history' in e;
}

/** Seconds to the reference accuracy, or, when not reached, null with a note giving the best accuracy. */
function toRef(e: E2EResult | undefined, label: string, reference: number): Cell {
  if (!e) return none(label, 'not run');
  if (e.secondsToReference !== null) return { value: e.secondsToReference, label };
  const bestAcc = Math.max(...e.history.map((h) => h.accuracy));
  return none(label, `reference ${reference} not reached in ${e.history.length} epochs (best ${bestAcc.toFixed(3)})`);
}

export function summarize(variants: VariantOut[], torch: TorchOut | null, torchSkip: string | null, reference: number): Summary {
  const wasm = variants.filter((v) => v.variant.startsWith('wasm'));
  const cpu = variants.find((v) => v.variant === 'cpu');
  const torchLabel = torch ? `PyTorch ${torch.torch} CPU, ${torch.threads} threads` : `PyTorch: skipped (${torchSkip ?? 'not run'})`;

  const rounds = (r: { steps: number; overallImagesPerSec?: number }): string =>
    `best of ${Math.ceil(r.steps / 5)} rounds of 5 steps${r.overallImagesPerSec ? `; all ${r.steps} steps: ${fmt(r.overallImagesPerSec)}` : ''}`;
  const rawCells = wasm.map((v): Cell => (v.raw ? { value: v.raw.imagesPerSec, label: v.detail, note: rounds(v.raw) } : none(v.detail)));
  const rawA = best(rawCells, true);
  const rawB: Cell = cpu?.raw
    ? {
      value: cpu.raw.imagesPerSec,
      label: 'tfjs cpu backend',
      note: `${cpu.raw.steps} step of batch ${cpu.raw.batchSize} after 1 warm-up step; images/s assumed independent of batch size (per-element loops)`,
    }
    : none('tfjs cpu backend', 'skipped');
  const rawC: Cell = torch?.raw ? { value: torch.raw.imagesPerSec, label: torchLabel, note: rounds(torch.raw) } : none(torchLabel);

  // End to end: (a) = the fastest of the wasm variants, seed loop or cached features.
  const e2eCells: Cell[] = [];
  for (const v of wasm) {
    if (isFull(v.e2e)) e2eCells.push(toRef(v.e2e, `${v.detail}, seed loop (backbone on every batch)`, reference));
    if (v.cached) e2eCells.push({ ...toRef(v.cached, `${v.detail}, cached features`, reference), ...(v.cached.featureSeconds !== undefined ? { note: `incl. ${v.cached.featureSeconds.toFixed(1)} s feature extraction` } : {}) });
  }
  const seedCells = e2eCells.filter((c) => c.label.includes('seed loop'));
  const aSeed = best(seedCells, false);
  const e2eA = best(e2eCells, false);
  // (b): per-epoch time measured on a few batches x the epochs the seed loop needed on wasm (same data, same ops).
  const seedRun = wasm.map((v) => v.e2e).find(isFull);
  let e2eB: Cell = none('tfjs cpu backend, seed loop', 'skipped');
  if (cpu?.e2e && !isFull(cpu.e2e) && seedRun) {
    const k = seedRun.history.findIndex((h) => h.accuracy >= reference);
    e2eB = k >= 0
      ? { value: cpu.e2e.perEpochSeconds * (k + 1), label: 'tfjs cpu backend, seed loop', note: `extrapolated: ${cpu.e2e.perEpochSeconds.toFixed(1)} s/epoch (${cpu.e2e.note}) x ${k + 1} epochs (as many as the wasm seed loop needed)` }
      : none('tfjs cpu backend, seed loop', 'reference not reached by the wasm seed loop, nothing to extrapolate');
  }
  const e2eC = torch?.e2e ? toRef(torch.e2e as E2EResult, `${torchLabel}, seed loop`, reference) : none(torchLabel);

  // All E epochs (the seed's workload as a whole): where caching pays, since epochs 2..E skip the backbone.
  const all = (e: E2EResult, label: string): Cell => ({
    value: e.seconds, label, note: `final accuracy ${e.history[e.history.length - 1]!.accuracy.toFixed(3)}`,
  });
  const allCells: Cell[] = [];
  for (const v of wasm) {
    if (isFull(v.e2e)) allCells.push(all(v.e2e, `${v.detail}, seed loop`));
    if (v.cached) allCells.push(all(v.cached, `${v.detail}, cached features`));
  }
  const epochs = seedRun?.history.length ?? 0;
  const allA = best(allCells, false);
  const allB: Cell = cpu?.e2e && !isFull(cpu.e2e) && epochs > 0
    ? { value: cpu.e2e.perEpochSeconds * epochs, label: 'tfjs cpu backend, seed loop', note: `extrapolated: ${cpu.e2e.perEpochSeconds.toFixed(1)} s/epoch x ${epochs}` }
    : none('tfjs cpu backend, seed loop', 'skipped');
  const allC = torch?.e2e ? all(torch.e2e as E2EResult, `${torchLabel}, seed loop`) : none(torchLabel);

  const r50 = (v: VariantOut | undefined, label: string): Cell =>
    v?.resnet50 ? { value: v.resnet50.imagesPerSec, label, note: `batch ${v.resnet50.batch} x ${v.resnet50.iters}${v.resnet50.warmup ? '' : ', no warm-up'}` } : none(label);
  const r50Cells = wasm.filter((v) => v.resnet50).map((v) => r50(v, v.detail));
  const r50A = best(r50Cells, true);
  const r50B = r50(cpu, 'tfjs cpu backend');
  const r50C: Cell = torch?.resnet50 ? { value: torch.resnet50.imagesPerSec, label: torchLabel } : none(torchLabel);

  const rows: Summary['check']['rows'] = [];
  for (const v of variants) if (v.check) rows.push({ name: v.detail, ...v.check });
  if (torch?.check) rows.push({ name: torchLabel, ...torch.check });
  let maxRelDiff: number | null = null;
  if (rows.length >= 2) {
    const ref = rows[rows.length - 1]!;
    for (const r of rows) {
      for (const k of ['raw', 'e2e'] as const) {
        for (const l of ['loss0', 'loss1'] as const) maxRelDiff = Math.max(maxRelDiff ?? 0, relDiff(r[k][l], ref[k][l]));
      }
    }
  }

  return {
    raw: { a: rawA, b: rawB, c: rawC, aOverB: ratio(rawA.value, rawB.value), aOverC: ratio(rawA.value, rawC.value), variants: rawCells },
    e2e: { reference, a: e2eA, aSeed, b: e2eB, c: e2eC, aOverB: ratio(e2eB.value, e2eA.value), aOverC: ratio(e2eC.value, e2eA.value), variants: e2eCells },
    e2eAll: { epochs, a: allA, b: allB, c: allC, aOverB: ratio(allB.value, allA.value), aOverC: ratio(allC.value, allA.value), variants: allCells },
    resnet50: { a: r50A, b: r50B, c: r50C, aOverB: ratio(r50A.value, r50B.value), aOverC: ratio(r50A.value, r50C.value), variants: r50Cells },
    check: { tolerance: LOSS_TOLERANCE, rows, maxRelDiff, pass: maxRelDiff === null ? null : maxRelDiff <= LOSS_TOLERANCE },
  };
}

export function fmt(v: number | null, digits = 1): string {
  if (v === null) return '—';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) < 1) return v.toPrecision(2);
  return v.toFixed(digits);
}

const fx = (v: number | null): string => (v === null ? '—' : `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}x`);

/** The human-readable table (plain text, one block per workload). */
export function formatSummary(s: Summary): string {
  const L: string[] = [];
  const cell = (c: Cell, unit: string): string => `${fmt(c.value)} ${unit}  ${c.label}${c.note ? ` (${c.note})` : ''}`;
  L.push('Raw training step (resnet-mini, all layers trainable, Adam, images/s):');
  for (const v of s.raw.variants) L.push(`    ${fmt(v.value)} img/s  ${v.label}${v.note ? ` (${v.note})` : ''}`);
  L.push(`  (a) ${cell(s.raw.a, 'img/s')}`, `  (b) ${cell(s.raw.b, 'img/s')}`, `  (c) ${cell(s.raw.c, 'img/s')}`);
  L.push(`  a/b = ${fx(s.raw.aOverB)}   a/c = ${fx(s.raw.aOverC)}`);
  L.push(`End to end (frozen backbone + new head, seconds to validation accuracy >= ${s.e2e.reference}):`);
  for (const v of s.e2e.variants) L.push(`    ${fmt(v.value)} s  ${v.label}${v.note ? ` (${v.note})` : ''}`);
  L.push(`  (a) ${cell(s.e2e.a, 's')}`, `  (b) ${cell(s.e2e.b, 's')}`, `  (c) ${cell(s.e2e.c, 's')}`);
  L.push(`  a/b = ${fx(s.e2e.aOverB)}   a/c = ${fx(s.e2e.aOverC)}   (seed loop alone: a/c = ${fx(ratio(s.e2e.c.value, s.e2e.aSeed.value))})`);
  L.push(`End to end, all ${s.e2eAll.epochs} epochs of the seed's workload (seconds):`);
  for (const v of s.e2eAll.variants) L.push(`    ${fmt(v.value)} s  ${v.label}${v.note ? ` (${v.note})` : ''}`);
  L.push(`  (a) ${cell(s.e2eAll.a, 's')}`, `  (b) ${cell(s.e2eAll.b, 's')}`, `  (c) ${cell(s.e2eAll.c, 's')}`);
  L.push(`  a/b = ${fx(s.e2eAll.aOverB)}   a/c = ${fx(s.e2eAll.aOverC)}`);
  L.push('ResNet50 inference, 224x224, random weights (images/s):');
  for (const v of s.resnet50.variants) L.push(`    ${fmt(v.value)} img/s  ${v.label}`);
  L.push(`  (a) ${cell(s.resnet50.a, 'img/s')}`, `  (b) ${cell(s.resnet50.b, 'img/s')}`, `  (c) ${cell(s.resnet50.c, 'img/s')}`);
  L.push(`  a/b = ${fx(s.resnet50.aOverB)}   a/c = ${fx(s.resnet50.aOverC)}`);
  L.push('Same computation: loss before / after one SGD step from the same weights on the same batch:');
  for (const r of s.check.rows) {
    L.push(`    raw ${r.raw.loss0.toFixed(6)} → ${r.raw.loss1.toFixed(6)}   e2e ${r.e2e.loss0.toFixed(6)} → ${r.e2e.loss1.toFixed(6)}   ${r.name}`);
  }
  L.push(`  max relative difference ${s.check.maxRelDiff === null ? '—' : s.check.maxRelDiff.toExponential(1)} ` +
    `(tolerance ${s.check.tolerance.toExponential(0)}): ${s.check.pass === null ? 'not checked' : s.check.pass ? 'PASS' : 'FAIL'}`);
  return L.join('\n');
}

/** The --json line: one JSON object, no newlines inside. */
export function jsonLine(obj: unknown): string {
  return JSON.stringify(obj);
}
