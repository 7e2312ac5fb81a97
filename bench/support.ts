/** Helpers shared by the benchmarks: a seeded PRNG and median/percentile timing. */

export function seededRandom(seed: number): () => number {
  // mulberry32: deterministic, so every run measures the same policies and decisions.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * Runs `batch` (which performs `perBatch` operations) `rounds` times after a warm-up and returns the
 * median nanoseconds per operation: medians of whole batches keep timer resolution and GC pauses
 * out of the figure.
 */
export function nsPerOp(batch: () => void, perBatch: number, rounds: number): number {
  for (let i = 0; i < Math.max(3, rounds / 5); i++) batch();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    batch();
    samples.push(Number(process.hrtime.bigint() - start) / perBatch);
  }
  return median(samples);
}

export function fmt(value: number, digits = 2): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
