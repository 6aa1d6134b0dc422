/**
 * The workload shared by the three cross-library suites (the constants are repeated in the
 * Python suites, which must match): the iteration counts of the public katcp-rust table.
 */

/** Iteration counts and sizes. */
export const C = {
  WARMUP: 100,
  REQ_ITERATIONS: 2000,
  HELP_ITERATIONS: 1000,
  CONCURRENT_CLIENTS: 10,
  CONCURRENT_REQS_PER_CLIENT: 500,
  DELIVERY_UPDATES: 10_000,
  MULTI_SENSOR_COUNT: 50,
  MULTI_SENSOR_UPDATES_PER: 200,
  HIGH_SENSOR_COUNT: 1000,
  HIGH_SENSOR_LIST_ITERS: 50,
  HIGH_SENSOR_VALUE_ALL_ITERS: 50,
  HIGH_SENSOR_VALUE_SINGLE_ITERS: 1000,
  HIGH_SENSOR_REGEX_ITERS: 200,
  SCALE_SENSOR_COUNT: 20_000,
  SCALE_ROUNDS: 3,
} as const;

/** What a suite prints: figures per row (rates per second, times in seconds, latencies in µs). */
export interface Results {
  library: string;
  version: string;
  rows: Record<string, Record<string, number>>;
}

/** p50, p95 and p99 of latencies (µs), picked by index as the Python suites do. */
export function percentiles(lat: number[]): { p50: number; p95: number; p99: number } {
  const s = [...lat].sort((a, b) => a - b);
  const n = s.length;
  return { p50: s[Math.floor(n / 2)]!, p95: s[Math.floor(n * 0.95)]!, p99: s[Math.floor(n * 0.99)]! };
}

/**
 * Waits until `count()` reaches `target`, or (without a target) until it has not changed for
 * `quietMs`; gives up after `maxMs`. Polls every 5 ms (a benchmark, not a test).
 */
export async function settle(count: () => number, quietMs: number, target = Infinity, maxMs = 10_000): Promise<void> {
  const start = performance.now();
  let seen = count();
  let since = start;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const now = performance.now();
    const c = count();
    if (c >= target || now - start > maxMs) return;
    if (c !== seen) {
      seen = c;
      since = now;
    } else if (target === Infinity && now - since >= quietMs) {
      return;
    }
  }
}
