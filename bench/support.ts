/** Helpers shared by the benchmarks: a seeded PRNG, median/percentile timing, and goal verdicts. */

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

/**
 * `--quick`: a few iterations instead of the full run, to check a benchmark end to end (its output
 * and exit code) without loading a shared machine for minutes. Its figures are rough.
 */
export const QUICK = process.argv.includes('--quick');

/** The full run's count, or the quick run's. */
export const iterations = (full: number, quick: number): number => (QUICK ? quick : full);

type Outcome = 'PASS' | 'MISS';

interface Verdict {
  readonly goal: string;
  readonly figure: string;
  readonly pass: boolean;
}

const verdicts: Verdict[] = [];

/** Records whether a goal was met, with the figure that says so; returns PASS or MISS to print inline. */
export function judge(goal: string, pass: boolean, figure: string): Outcome {
  verdicts.push({ goal, figure, pass });
  return pass ? 'PASS' : 'MISS';
}

/** A goal of the form "at most `limit`": `measured` ≤ `limit`, both shown by `show`. */
export function verdict(
  goal: string,
  measured: number,
  limit: number,
  show: (value: number) => string = (value) => fmt(value),
): Outcome {
  return judge(`${goal} ≤ ${show(limit)}`, measured <= limit, show(measured));
}

/**
 * Prints every goal with PASS or MISS and its figure, and sets a non-zero exit code when one was
 * missed (or none was judged: a benchmark that measured nothing has not passed).
 */
export function reportVerdicts(): void {
  console.log(`\nGoals${QUICK ? ' (--quick: a few iterations, rough figures)' : ''}`);
  for (const v of verdicts) console.log(`  ${v.pass ? 'PASS' : 'MISS'}  ${v.goal}: ${v.figure}`);
  const missed = verdicts.filter((v) => !v.pass).length;
  if (missed > 0 || verdicts.length === 0) {
    console.log(`${missed} of ${verdicts.length} goals missed.`);
    process.exitCode = 1;
  } else {
    console.log(verdicts.length === 1 ? 'The goal is met.' : `All ${verdicts.length} goals met.`);
  }
}

/** Runs a benchmark's main: its verdicts at the end, and exit code 1 on a missed goal or a failure. */
export function runBenchmark(main: () => Promise<void>): void {
  main()
    .then(reportVerdicts)
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
