/**
 * Sensor core throughput: setValue with and without samplers, the cost of a sampler per update
 * under each strategy, and creating/closing samplers for 20,000 sensors x 4 clients. Uses a
 * VirtualClock so no real timers run. Prints figures; never asserts on speed.
 */
import { VirtualClock } from '../test/helpers/virtual-clock.js';
import { Sensor } from '../lib/sensor/sensor.js';
import { createSampler } from '../lib/sensor/sampler.js';
import type { Sampler } from '../lib/sensor/sampler.js';
import type { SamplingStrategy } from '../lib/sensor/strategy.js';

function measure(label: string, n: number, fn: (i: number) => void): void {
  for (let i = 0; i < Math.min(n, 100_000); i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - start);
  console.log(`${label.padEnd(68)} ${((n / ns) * 1e9 / 1e6).toFixed(2).padStart(7)} M ops/s  ${(ns / n).toFixed(0).padStart(5)} ns/op`);
}

/** Runs the sensor core benchmarks. */
export async function run(): Promise<void> {
  const clock = new VirtualClock();
  const N = 2_000_000;
  let sends = 0;
  const send = (): void => {
    sends++;
  };

  const bare = Sensor.float({ name: 'bare', clock });
  measure('setValue, no observers', N, (i) => bare.setValue(i));
  const withTs = Sensor.float({ name: 'ts', clock });
  measure('setValue with explicit status and timestamp', N, (i) => withTs.setValue(i, { status: 'nominal', timestamp: 1 }));
  const int = Sensor.integer({ name: 'int', clock });
  measure('setValue, integer sensor', N, (i) => int.setValue(i));

  const strategies: [string, SamplingStrategy, (i: number) => number][] = [
    ['auto (sends every update)', { strategy: 'auto' }, (i) => i],
    ['event, value unchanged (suppressed)', { strategy: 'event' }, () => 1],
    ['event, value changing (sends)', { strategy: 'event' }, (i) => i],
    ['differential 1e9, small changes (suppressed)', { strategy: 'differential', difference: 1e9 }, (i) => i],
    ['event-rate 1 10, changing (coalesced, one timer)', { strategy: 'event-rate', shortest: 1, longest: 10 }, (i) => i],
    ['period 1, changing (coalesced)', { strategy: 'period', period: 1 }, (i) => i],
  ];
  for (const [label, strategy, valueOf] of strategies) {
    const s = Sensor.float({ name: 's', clock });
    const sampler = createSampler(s, strategy, send, clock)!;
    measure(`setValue + 1 sampler: ${label}`, N, (i) => s.setValue(valueOf(i)));
    sampler.close();
  }
  const four = Sensor.float({ name: 'four', clock });
  const fourSamplers = Array.from({ length: 4 }, () => createSampler(four, { strategy: 'event-rate', shortest: 1, longest: 10 }, send, clock)!);
  measure('setValue + 4 clients (event-rate, coalesced)', N, (i) => four.setValue(i));
  for (const s of fourSamplers) s.close();

  // A server-sized workload: 20,000 sensors, 4 clients each subscribing to all of them.
  const sensors = Array.from({ length: 20_000 }, (_, i) => Sensor.float({ name: `extra.${i}`, clock }));
  const start = process.hrtime.bigint();
  const samplers: Sampler[] = [];
  for (let c = 0; c < 4; c++) for (const s of sensors) samplers.push(createSampler(s, { strategy: 'event' }, send, clock)!);
  const createMs = Number(process.hrtime.bigint() - start) / 1e6;
  const updStart = process.hrtime.bigint();
  for (let round = 0; round < 10; round++) for (const s of sensors) s.setValue(round);
  const updNs = Number(process.hrtime.bigint() - updStart);
  const closeStart = process.hrtime.bigint();
  for (const s of samplers) s.close();
  const closeMs = Number(process.hrtime.bigint() - closeStart) / 1e6;
  console.log(`20,000 sensors x 4 clients (event): create ${createMs.toFixed(1)} ms, close ${closeMs.toFixed(1)} ms, ` +
    `${((200_000 / updNs) * 1e9 / 1e6).toFixed(2)} M sensor updates/s (each sent to 4 clients)`);
  console.log(`(sends counted: ${sends}; pending virtual timers: ${clock.pending})`);
  await Promise.resolve();
}
