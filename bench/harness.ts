/**
 * What a benchmark module exports, and the small timing helpers they share. A module is a file
 * `bench/<name>.bench.ts` with `export const name`, an optional `description`, and
 * `export async function run(ctx)` returning its figures; `bench/run.ts` finds and runs it.
 */
import { performance } from 'node:perf_hooks';

/** One figure a benchmark reports. */
export interface BenchResult {
  /** What was measured, e.g. `mapping+validation median`. */
  readonly name: string;
  readonly value: number;
  /** `ms`, `ratio`, `findings/s`, `MB`, `calls`, `KB`, ... */
  readonly unit: string;
  /** The goal, readable, e.g. `<= 3`. */
  readonly goal?: string;
  /** Whether the goal is met; only figures with a goal have one. */
  readonly pass?: boolean;
}

/** Given to each module's `run`. */
export interface BenchContext {
  /** Prints a line of the module's own summary (standard output, under the module's heading). */
  readonly log: (line: string) => void;
  /** Prints progress on standard error. */
  readonly progress: (line: string) => void;
}

/** The shape of a `bench/*.bench.ts` module. */
export interface BenchModule {
  readonly name: string;
  readonly description?: string;
  readonly run: (ctx: BenchContext) => Promise<readonly BenchResult[]>;
}

/** The `p`-th percentile (0..100) of `samples`, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The median of `samples`. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Options of {@link sample}. */
export interface SampleOptions {
  /** Untimed runs first, so the JIT has settled. */
  readonly warmup: number;
  /** Keep measuring until this much time has passed... */
  readonly budgetMs: number;
  /** ...but at least this many repetitions... */
  readonly minReps: number;
  /** ...and at most this many. */
  readonly maxReps: number;
}

/**
 * Runs `steps` in order on every repetition (so all are measured in the same run, under the
 * same heap and CPU conditions) and returns each step's durations in ms. Each step gets the
 * previous step's return value.
 */
export function sample(
  steps: ReadonlyArray<(input: unknown) => unknown>,
  options: SampleOptions,
): { durations: number[][]; reps: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  const once = (record: boolean, durations: number[][]) => {
    let value: unknown;
    steps.forEach((step, i) => {
      const start = performance.now();
      value = step(value);
      const elapsed = performance.now() - start;
      if (record) durations[i]?.push(elapsed);
    });
  };
  const durations = steps.map(() => [] as number[]);
  for (let i = 0; i < options.warmup; i++) once(false, durations);
  const start = performance.now();
  let reps = 0;
  while (reps < options.minReps || (reps < options.maxReps && performance.now() - start < options.budgetMs)) {
    gc?.();
    once(true, durations);
    reps++;
  }
  return { durations, reps };
}

/** `12345.6` -> `12,346`. */
export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A readable number: 3 significant digits below 100, integers with separators above. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return formatInt(value);
  return Number(value.toPrecision(3)).toString();
}
