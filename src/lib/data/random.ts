/**
 * Small seeded randomness for the data layer: a mulberry32 PRNG and a Fisher–Yates shuffle.
 * Same seed → same sequence, on every platform (32-bit integer arithmetic only).
 */

/** A function returning floats in [0, 1). */
export type Rng = () => number;

function checkSeed(seed: number, what = 'seed'): void {
  if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new Error(`${what}: expected a finite integer, got ${String(seed)}`);
  }
}

/** mulberry32: a tiny, fast 32-bit PRNG, good enough for shuffling data. */
export function mulberry32(seed: number): Rng {
  checkSeed(seed);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent 32-bit seed from a base seed and extra integers (epoch, class index...),
 * so that `deriveSeed(s, 1)` and `deriveSeed(s, 2)` give unrelated streams.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  checkSeed(seed);
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const p of parts) {
    checkSeed(p, 'deriveSeed part');
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** Shuffles `array` in place (Fisher–Yates) with `rng`; returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** A seeded copy of `items`, shuffled; the input is left alone. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  return shuffleInPlace(items.slice(), mulberry32(seed));
}

/** A seeded permutation of 0..n-1. */
export function seededPermutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`seededPermutation n: expected an integer >= 0, got ${String(n)}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, mulberry32(seed));
}
