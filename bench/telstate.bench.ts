/**
 * Telescope-state throughput: mutable `add` and `getRange` over 1,000,000 samples, on the memory
 * backend and on a private redis-server (skipped when redis-server is not installed).
 * Run alone with `node --import tsx bench/run.ts telstate`.
 */
import { Float64, MemoryBackend, RedisBackend, TelescopeState } from '../lib/telstate/index.js';
import { RedisServer, redisAvailable } from '../test/telstate/redis-server.js';

const N = 1_000_000;
const T0 = 1_700_000_000;
const WINDOWS = 10_000;
const WINDOW = 100;

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en')} /s`;
}

async function timed(label: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  console.log(`  ${label.padEnd(56)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${rate(n, ms).padStart(14)}`);
}

async function addAll(ts: TelescopeState, key: string, n: number, inFlight: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await ts.add(key, new Float64(i * 0.25), { ts: T0 + i * 0.1 });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function rangeWindows(ts: TelescopeState, key: string, inFlight: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < WINDOWS) {
      const w = next++;
      const st = T0 + ((w * 9973) % (N - WINDOW)) * 0.1;
      const got = await ts.getRange(key, { st, et: st + WINDOW * 0.1 - 0.05 });
      if (got.length !== WINDOW) throw new Error(`window ${w}: ${got.length} samples`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

async function suite(name: string, ts: TelescopeState, inFlight: number): Promise<void> {
  console.log(`${name} backend:`);
  await timed(`add ${N.toLocaleString('en')} samples (${inFlight} in flight)`, N, () => addAll(ts, 'sensor', N, inFlight));
  await timed(`getRange of all ${N.toLocaleString('en')} samples`, N, async () => {
    const all = await ts.getRange('sensor', { st: 0 });
    if (all.length !== N) throw new Error(`got ${all.length}`);
  });
  await timed(`${WINDOWS.toLocaleString('en')} getRange of ${WINDOW} samples (${inFlight} in flight)`, WINDOWS, () => rangeWindows(ts, 'sensor', inFlight));
  await timed('getRange latest sample x 10,000', 10_000, async () => {
    for (let i = 0; i < 10_000; i++) await ts.getRange('sensor');
  });
  const mem = process.memoryUsage();
  console.log(`  heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`);
}

/** Print the figures. */
export async function run(): Promise<void> {
  const memory = new TelescopeState(new MemoryBackend());
  await suite('memory', memory, 1);
  await memory.close();

  if (!redisAvailable) {
    console.log('redis backend: skipped (redis-server is not installed)');
    return;
  }
  const server = await RedisServer.start();
  const redis = new TelescopeState(new RedisBackend({ path: server.socket, commandTimeout: 120_000 }));
  try {
    await redis.clear();
    await timed('redis: add 50,000 samples one at a time (latency-bound)', 50_000, () => addAll(redis, 'sequential', 50_000, 1));
    await suite('redis (unix socket, node-redis pipelining)', redis, 256);
  } finally {
    await redis.close();
    await server.cleanup();
  }
}
