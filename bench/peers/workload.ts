/**
 * The workload shared by the three cross-library suites: the iteration counts of the public
 * katcp-rust table.
 */
import counts from './workload.json' with { type: 'json' };

/** Iteration counts and sizes (workload.json: the one copy, which the Python suites read too). */
export const C: Readonly<Record<keyof typeof counts, number>> = counts;

/** What a suite prints: figures per row (rates per second, times in seconds, latencies in µs). */
export interface Results {
  library: string;
  version: string;
  rows: Record<string, Record<string, number>>;
  /** Ours only: the same workloads run a second time in the same process (JIT warm). */
  warmRows?: Record<string, Record<string, number>>;
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
