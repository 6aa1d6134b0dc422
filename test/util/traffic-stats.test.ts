import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TrafficStats } from '../../lib/util/traffic-stats.js';
import { KatcpRangeError, KatcpTypeError } from '../../lib/errors.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

describe('TrafficStats', () => {
  it('counts messages and bytes in each direction', () => {
    const s = new TrafficStats(new VirtualClock());
    s.recordReceived(10);
    s.recordReceived(5);
    s.recordSent(7);
    assert.deepEqual(
      [s.messagesReceived, s.bytesReceived, s.messagesSent, s.bytesSent],
      [2, 15, 1, 7],
    );
    const snap = s.snapshot();
    assert.equal(snap.bytesReceived, 15);
    assert.equal(snap.messagesSent, 1);
  });

  it('counts messages with the latest receive (no clock reading) in the same window bucket', async () => {
    const clock = new VirtualClock();
    const a = new TrafficStats(clock);
    const b = new TrafficStats(clock);
    await clock.advance(4500);
    a.recordReceivedBatch(3, 30);
    b.recordReceivedBatch(0, 30);
    b.recordReceivedWithLast(1);
    b.recordReceivedWithLast(2);
    await clock.advance(500);
    assert.deepEqual(b.snapshot(), a.snapshot());
    assert.equal(b.lastReceivedAt, a.lastReceivedAt);
    await clock.advance(8900);
    assert.ok(b.receiveRate > 0);
    assert.equal(b.receiveRate, a.receiveRate);
    await clock.advance(200);
    assert.equal(a.receiveRate, 0);
    assert.equal(b.receiveRate, 0, 'both leave the window together');
  });

  it('gives NaN latencies before any sample and the exact median, p99 and max after', () => {
    const s = new TrafficStats(new VirtualClock());
    const empty = s.latency;
    assert.equal(empty.count, 0);
    assert.ok(Number.isNaN(empty.median) && Number.isNaN(empty.p99));
    for (let i = 100; i >= 1; i--) s.recordLatency(i);
    assert.deepEqual(s.latency, { count: 100, median: 50.5, p99: 99, max: 100 });
    s.recordLatency(1000);
    assert.deepEqual(s.latency, { count: 101, median: 51, p99: 100, max: 1000 });
  });

  it('takes the latency summary over the last latencySamples samples only', () => {
    const s = new TrafficStats(new VirtualClock(), { latencySamples: 4 });
    for (const ms of [1000, 1000, 1000, 1, 2, 3, 4]) s.recordLatency(ms);
    assert.deepEqual(s.latency, { count: 4, median: 2.5, p99: 4, max: 4 });
  });

  it('matches a sort-based reference for median and p99 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (xs, window) => {
        const s = new TrafficStats(new VirtualClock(), { latencySamples: window });
        for (const x of xs) s.recordLatency(x);
        const recent = xs.slice(-window).sort((a, b) => a - b);
        const n = recent.length;
        const median = n % 2 ? recent[(n - 1) / 2]! : (recent[n / 2 - 1]! + recent[n / 2]!) / 2;
        const l = s.latency;
        return l.count === n && l.median === median && l.p99 === recent[Math.ceil(0.99 * n) - 1] && l.max === recent[n - 1];
      }),
    );
  });

  it('measures the receive rate over the recent window on the injected clock', async () => {
    const clock = new VirtualClock();
    const s = new TrafficStats(clock, { rateWindow: 10_000, rateBuckets: 10 });
    assert.equal(s.receiveRate, 0);
    // 50 messages/s for 20 s.
    for (let t = 0; t < 20_000; t += 100) {
      for (let i = 0; i < 5; i++) s.recordReceived(1);
      await clock.advance(100);
    }
    assert.ok(Math.abs(s.receiveRate - 50) < 50 * 0.11, `rate ${s.receiveRate}`);
    // Quiet for longer than the window: the rate drops to zero.
    await clock.advance(11_000);
    assert.equal(s.receiveRate, 0);
  });

  it('does not understate the rate in the first seconds', async () => {
    const clock = new VirtualClock();
    const s = new TrafficStats(clock);
    for (let i = 0; i < 100; i++) s.recordReceived(1);
    await clock.advance(1000);
    assert.equal(s.receiveRate, 100);
  });

  it('counts batches (one socket chunk or write) like single messages, and remembers when data last came', async () => {
    const clock = new VirtualClock();
    const s = new TrafficStats(clock);
    assert.equal(s.lastReceivedAt, 0);
    await clock.advance(250);
    s.recordReceivedBatch(3, 30);
    s.recordSentBatch(2, 20);
    assert.deepEqual([s.messagesReceived, s.bytesReceived, s.messagesSent, s.bytesSent, s.lastReceivedAt], [3, 30, 2, 20, 250]);
    await clock.advance(750);
    assert.equal(s.receiveRate, 3);
  });

  it('reset zeroes counters and windows', async () => {
    const clock = new VirtualClock();
    const s = new TrafficStats(clock);
    s.recordReceived(3);
    s.recordSent(3);
    s.recordLatency(3);
    await clock.advance(500);
    s.reset();
    await clock.advance(500);
    assert.deepEqual(s.snapshot(), {
      messagesReceived: 0,
      bytesReceived: 0,
      messagesSent: 0,
      bytesSent: 0,
      receiveRate: 0,
      latency: s.latency,
    });
    assert.equal(s.latency.count, 0);
  });

  it('refuses bad options with typed errors naming the key', () => {
    const clock = new VirtualClock();
    assert.throws(() => new TrafficStats(clock, { latencySampels: 3 } as never), KatcpTypeError);
    assert.throws(() => new TrafficStats(clock, { latencySamples: 0 }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'latencySamples');
    assert.throws(() => new TrafficStats(clock, { rateWindow: 0 }), (e: unknown) => e instanceof KatcpRangeError && e.key === 'rateWindow');
    assert.throws(() => new TrafficStats(clock, { rateWindow: -1 }), KatcpRangeError);
    assert.throws(() => new TrafficStats(clock, { rateBuckets: 1.5 }), KatcpRangeError);
  });
});
