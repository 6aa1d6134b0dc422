import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { Address } from '../../lib/codec/address.js';
import { KatcpError } from '../../lib/errors.js';
import type { Clock, TimerHandle } from '../../lib/util/clock.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { createSampler } from '../../lib/sensor/sampler.js';
import type { Sampler } from '../../lib/sensor/sampler.js';
import { formatStrategy } from '../../lib/sensor/parse-strategy.js';
import type { SamplingStrategy } from '../../lib/sensor/strategy.js';
import type { Reading } from '../../lib/sensor/status.js';

const START = 1_700_000_000;

/** A sampler under test: records (send time relative to start, reading) and moves time in seconds. */
function setup<T>(sensor: Sensor<T>, strategy: SamplingStrategy, clock: VirtualClock) {
  const sent: { t: number; reading: Reading<T> }[] = [];
  const sampler = createSampler(sensor, strategy, (_s, reading) => sent.push({ t: clock.monotonic() / 1000, reading }), clock);
  /** Advances the clock to `t` seconds after the start. */
  const at = async (t: number): Promise<void> => {
    await clock.advance(t * 1000 - clock.monotonic());
  };
  /** Sets a value at wall time `t` (as seen by the clock). */
  const set = async (t: number, value: T, status?: Reading<T>['status']): Promise<void> => {
    await at(t);
    sensor.setValue(value, status === undefined ? undefined : { status });
  };
  /** Sends as [time, reading timestamp relative to start, status, value]. */
  const log = () => sent.map(({ t, reading }) => [t, Math.round((reading.timestamp - START) * 1000) / 1000, reading.status, reading.value]);
  return { sampler: sampler!, sent, at, set, log };
}

function floatSensor(clock: Clock, extra: Partial<ConstructorParameters<typeof Sensor<number>>[0]> = {}): Sensor<number> {
  return Sensor.float({ name: 'f', clock, ...extra });
}

describe('sampler - worked timelines from aiokatcp', () => {
  it('auto sends the reading at once and then every update, even unchanged ones', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'auto' }, clock);
    await set(1, 1.25);
    await set(2, 1.25);
    await at(10);
    assert.deepEqual(log(), [[0, 0, 'unknown', 0], [1, 1, 'nominal', 1.25], [2, 2, 'nominal', 1.25]]);
    assert.equal(clock.pending, 0);
    sampler.close();
  });

  it('period 2.5 sends on a grid, a change reported at the next tick with the latest reading', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'period', period: 2.5 }, clock);
    await set(3, 1.25);
    await at(7.5);
    assert.deepEqual(log(), [
      [0, 0, 'unknown', 0],
      [2.5, 0, 'unknown', 0],
      [5, 3, 'nominal', 1.25],
      [7.5, 3, 'nominal', 1.25],
    ]);
    sampler.close();
    assert.equal(clock.pending, 0);
  });

  it('event sends changes of value or status and suppresses identical writes', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'event' }, clock);
    await set(1, 1.25);
    await set(2, 1.25);
    await set(3, 1.25, 'warn');
    await at(100);
    assert.deepEqual(log(), [[0, 0, 'unknown', 0], [1, 1, 'nominal', 1.25], [3, 3, 'warn', 1.25]]);
    assert.equal(clock.pending, 0, 'event never resends periodically');
    sampler.close();
  });

  it('differential 1.5 compares with the last sent value, strictly greater, and a status change counts', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, log, sampler } = setup(sensor, { strategy: 'differential', difference: 1.5 }, clock);
    await set(1, 1.25); // status unknown -> nominal
    await set(2, 1.25);
    await set(3, 2.5); // 1.25 away
    await set(4, 0.2); // 1.05 away from the last *sent* 1.25
    await set(5, -1.0); // 2.25 away
    await set(6, 0.5); // exactly 1.5 away: not greater
    await set(7, 0.5, 'error');
    assert.deepEqual(log(), [[0, 0, 'unknown', 0], [1, 1, 'nominal', 1.25], [5, 5, 'nominal', -1], [7, 7, 'error', 0.5]]);
    sampler.close();
  });

  it('event-rate 1 10 coalesces a burst into one send of the latest reading, then resends every 10 s', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'event-rate', shortest: 1, longest: 10 }, clock);
    await set(1, 1.25);
    await set(1.25, 1.0);
    await set(1.5, 0.5);
    await at(12);
    assert.deepEqual(log(), [
      [0, 0, 'unknown', 0],
      [1, 1, 'nominal', 1.25],
      [2, 1.5, 'nominal', 0.5],
      [12, 1.5, 'nominal', 0.5],
    ]);
    sampler.close();
    assert.equal(clock.pending, 0);
  });

  it('event-rate 1 5: updates at 0, 0.2, 0.5, 3 are sent at 0, 1 (latest), 3, then 8 without change', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'event-rate', shortest: 1, longest: 5 }, clock);
    await set(0, 1);
    await set(0.2, 2);
    await set(0.5, 3);
    await set(3, 4);
    await at(8);
    assert.deepEqual(log(), [
      [0, 0, 'unknown', 0],
      [1, 0.5, 'nominal', 3],
      [3, 3, 'nominal', 4],
      [8, 3, 'nominal', 4],
    ]);
    sampler.close();
  });

  it('differential-rate 1.5 1 10 uses the differential test and the rate limits', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'differential-rate', difference: 1.5, shortest: 1, longest: 10 }, clock);
    await set(1, 1.25);
    await set(1.25, 5.0);
    await set(1.5, 0.5);
    await set(5.5, 1.5); // 1.0 from the last sent 0.5: not sent
    await at(12);
    assert.deepEqual(log(), [
      [0, 0, 'unknown', 0],
      [1, 1, 'nominal', 1.25],
      [2, 1.5, 'nominal', 0.5],
      [12, 5.5, 'nominal', 1.5],
    ]);
    sampler.close();
  });

  it('a sensor whose autoStrategy is period 2.5 behaves like period 2.5 under auto, but reports auto', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock, { autoStrategy: { strategy: 'period', period: 2.5 } });
    const { set, at, log, sampler } = setup(sensor, { strategy: 'auto' }, clock);
    await set(3, 1.25);
    await set(3.5, 1.25);
    await at(7.5);
    assert.deepEqual(log().map((x) => x[0]), [0, 2.5, 5, 7.5]);
    assert.deepEqual(sampler.strategy, { strategy: 'auto' });
    assert.deepEqual(formatStrategy(sampler.strategy), ['auto']);
    sampler.close();
  });

  it('an autoStrategy of event-rate 1 inf rate-limits a fast sensor and never resends', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock, { autoStrategy: { strategy: 'event-rate', shortest: 1, longest: Infinity } });
    const { set, at, log, sampler } = setup(sensor, { strategy: 'auto' }, clock);
    for (let i = 1; i <= 100; i++) await set(i / 20, i); // 20 updates per second for 5 s
    await at(100);
    // The timer due at each whole second fires before that second's update, which then waits.
    assert.deepEqual(log().map((x) => x[0]), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(log()[1], [1, 0.95, 'nominal', 19]);
    assert.deepEqual(log().at(-1), [6, 5, 'nominal', 100]);
    assert.equal(clock.pending, 0);
    sampler.close();
  });
});

describe('sampler - engine details', () => {
  it('period sends forever without updates, on a drift-free grid even when timers fire late', async () => {
    const inner = new VirtualClock(START);
    // Every timer fires 100 ms late; the grid must stay at whole seconds plus that lateness.
    const late: Clock = {
      now: () => inner.now(),
      monotonic: () => inner.monotonic(),
      setTimer: (fn, ms): TimerHandle => inner.setTimer(fn, ms + 100),
      clearTimer: (h) => inner.clearTimer(h),
    };
    const sensor = floatSensor(late);
    const times: number[] = [];
    const sampler = createSampler(sensor, { strategy: 'period', period: 1 }, () => times.push(inner.monotonic()), late)!;
    await inner.advance(5000);
    assert.deepEqual(times, [0, 1100, 2100, 3100, 4100]);
    sampler.close();
    assert.equal(inner.pending, 0);
  });

  it('a status change alone counts as a change for every strategy', async () => {
    const strategies: SamplingStrategy[] = [
      { strategy: 'event' },
      { strategy: 'differential', difference: 100 },
      { strategy: 'event-rate', shortest: 0, longest: Infinity },
      { strategy: 'differential-rate', difference: 100, shortest: 0, longest: Infinity },
    ];
    for (const strategy of strategies) {
      const clock = new VirtualClock(START);
      const sensor = floatSensor(clock, { default: 5, initialStatus: 'nominal' });
      const { set, log, sampler } = setup(sensor, strategy, clock);
      await set(1, 5, 'warn');
      await set(2, 5, 'warn');
      await set(3, 5, 'nominal');
      assert.deepEqual(log().map((x) => x[2]), ['nominal', 'warn', 'nominal'], strategy.strategy);
      sampler.close();
    }
  });

  it('a change inside the shortest gap is sent when the gap ends with the reading held then', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'event-rate', shortest: 2, longest: Infinity }, clock);
    await set(0.5, 1);
    await set(1.0, 2);
    await set(1.5, 1); // back to the value of the first change: still sent (a change was pending)
    await at(2);
    assert.deepEqual(log(), [[0, 0, 'unknown', 0], [2, 1.5, 'nominal', 1]]);
    await set(5, 1); // unchanged since the last send
    await set(5, 2, 'nominal'); // >= shortest since the last send: at once
    assert.deepEqual(log().slice(2), [[5, 5, 'nominal', 2]]);
    sampler.close();
  });

  it('shortest 0 with a finite longest sends every change at once and resends after quiet periods', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, log, sampler } = setup(sensor, { strategy: 'event-rate', shortest: 0, longest: 3 }, clock);
    await set(1, 1);
    await set(2, 2);
    await at(7);
    assert.deepEqual(log().map((x) => x[0]), [0, 1, 2, 5]);
    sampler.close();
  });

  it('close() stops sends and timers and detaches from the sensor; closing twice is harmless', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const { set, at, sent, sampler } = setup(sensor, { strategy: 'event-rate', shortest: 1, longest: 5 }, clock);
    await set(0.5, 1); // a delayed send is pending at t=1
    assert.equal(clock.pending, 1);
    assert.equal(sensor.observerCount, 1);
    sampler.close();
    sampler.close();
    assert.equal(clock.pending, 0);
    assert.equal(sensor.observerCount, 0);
    await set(2, 3);
    await at(60);
    assert.equal(sent.length, 1);
  });

  it('auto closed by an earlier observer of the same update sends nothing more (the sensor notifies from a snapshot)', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    sensor.attach((_s, r) => {
      if (r.value === 2) sampler?.close();
    });
    const sent: number[] = [];
    const sampler = createSampler(sensor, { strategy: 'auto' }, (_s, r) => sent.push(r.value), clock);
    sensor.setValue(1);
    sensor.setValue(2);
    sensor.setValue(3);
    assert.deepEqual(sent, [0, 1]);
    assert.equal(sensor.observerCount, 1);
    assert.equal(clock.pending, 0);
  });

  it('none creates no sampler, sends nothing and attaches nothing', () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const sends: unknown[] = [];
    assert.equal(createSampler(sensor, { strategy: 'none' }, (...a) => sends.push(a), clock), undefined);
    assert.equal(sends.length, 0);
    assert.equal(sensor.observerCount, 0);
    assert.equal(clock.pending, 0);
  });

  it('samplers of one sensor are independent', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const a = setup(sensor, { strategy: 'event' }, clock);
    const b = setup(sensor, { strategy: 'period', period: 1 }, clock);
    await a.set(0.5, 1);
    a.sampler.close();
    await a.set(0.7, 2);
    await b.at(2);
    assert.deepEqual(a.log().map((x) => x[0]), [0, 0.5]);
    assert.deepEqual(b.log().map((x) => [x[0], x[3]]), [[0, 0], [1, 2], [2, 2]]);
    assert.equal(sensor.observerCount, 1);
    b.sampler.close();
    assert.equal(sensor.observerCount, 0);
  });

  it('rejects a strategy that does not apply to the sensor, before sending anything', () => {
    const clock = new VirtualClock(START);
    const sensor = Sensor.string({ name: 's', clock });
    const sends: unknown[] = [];
    assert.throws(
      () => createSampler(sensor, { strategy: 'differential', difference: 1 }, () => sends.push(1), clock),
      (err: unknown) => err instanceof KatcpError && err.code === 'KATCP_ERR_INVALID_STRATEGY',
    );
    assert.throws(() => createSampler(floatSensor(clock), { strategy: 'period', period: 0 }, () => sends.push(1), clock), /period must be positive/);
    assert.equal(sends.length, 0);
    assert.equal(sensor.observerCount, 0);
  });

  it('a first send that throws leaves nothing attached or scheduled', () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    assert.throws(
      () => createSampler(sensor, { strategy: 'period', period: 1 }, () => { throw new Error('boom'); }, clock),
      /boom/,
    );
    assert.equal(sensor.observerCount, 0);
    assert.equal(clock.pending, 0);
  });

  it('an error from a timer-driven send goes to onError and the sampler keeps going', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const errors: unknown[] = [];
    let calls = 0;
    const sampler = createSampler(
      sensor,
      { strategy: 'period', period: 1 },
      () => {
        if (++calls === 2) throw new Error('write failed');
      },
      clock,
      { onError: (err) => errors.push(err) },
    )!;
    await clock.advance(3000);
    assert.equal(calls, 4);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /write failed/);
    sampler.close();
  });

  it('NaN equals NaN for the change test (fixes aiokatcp resending every NaN write under event)', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock, { default: 1, initialStatus: 'nominal' });
    const { set, log, sampler } = setup(sensor, { strategy: 'event' }, clock);
    await set(1, NaN);
    await set(2, NaN);
    await set(3, 1);
    assert.deepEqual(log().map((x) => x[0]), [0, 1, 3]);
    sampler.close();
  });

  it('event treats 0 and -0 as the same value and a NaN after a number as a change', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock, { default: 0, initialStatus: 'nominal' });
    const { set, log, sampler } = setup(sensor, { strategy: 'event' }, clock);
    await set(1, -0);
    await set(2, NaN);
    await set(3, 0);
    await set(4, 0);
    assert.deepEqual(log().map((x) => x[0]), [0, 2, 3]);
    sampler.close();
  });

  it('differential counts moves to and from NaN as changes (aiokatcp never sends again after a NaN)', async () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock, { default: 1, initialStatus: 'nominal' });
    const { set, log, sampler } = setup(sensor, { strategy: 'differential', difference: 10 }, clock);
    await set(1, NaN);
    await set(2, NaN);
    await set(3, 1);
    await set(4, Infinity);
    await set(5, Infinity);
    await set(6, -Infinity);
    assert.deepEqual(log().map((x) => x[0]), [0, 1, 3, 4, 6]);
    sampler.close();
  });

  it('differential works on integers beyond 2^53 (bigint values)', async () => {
    const clock = new VirtualClock(START);
    const big = 2n ** 60n;
    const sensor = Sensor.integer({ name: 'i', clock, default: big, initialStatus: 'nominal' });
    const { set, log, sampler } = setup<bigint | number>(sensor, { strategy: 'differential', difference: 5 }, clock);
    await set(1, big + 5n);
    await set(2, big + 6n);
    await set(3, 7);
    assert.deepEqual(log().map((x) => x[3]), [big, big + 6n, 7]);
    sampler.close();
  });

  it('event compares bytes by content and addresses by value', async () => {
    const clock = new VirtualClock(START);
    const bytes = Sensor.bytes({ name: 'b', clock, default: Buffer.from('x'), initialStatus: 'nominal' });
    const b = setup(bytes, { strategy: 'event' }, clock);
    await b.set(1, Buffer.from('x'));
    await b.set(2, Buffer.from('y'));
    assert.deepEqual(b.log().map((x) => x[0]), [0, 2]);
    b.sampler.close();
    const addr = Sensor.address({ name: 'a', clock, default: Address.parse('127.0.0.1:7147'), initialStatus: 'nominal' });
    const a = setup(addr, { strategy: 'event' }, clock);
    await a.set(3, Address.parse('127.0.0.1:7147'));
    await a.set(4, Address.parse('[::1]:7147'));
    assert.deepEqual(a.log().map((x) => x[0]), [2, 4], 'created at 2; the equal address at 3 is not sent');
    a.sampler.close();
  });

  it('a bytes sensor set from one reused buffer: each reading keeps its own bytes, so event sees the changes', async () => {
    const clock = new VirtualClock(START);
    const sensor = Sensor.bytes({ name: 'b', clock, default: Buffer.from('aa'), initialStatus: 'nominal' });
    const { set, log, sampler } = setup(sensor, { strategy: 'event' }, clock);
    const buf = Buffer.from('xx');
    await set(1, buf);
    buf.write('yy'); // the device reuses its read buffer
    await set(2, buf);
    buf.write('yy');
    await set(3, buf);
    assert.deepEqual(log().map((x) => [x[0], String(x[3])]), [[0, 'aa'], [1, 'xx'], [2, 'yy']]);
    sampler.close();
  });

  it('many samplers created and closed leave no observers or timers behind', () => {
    const clock = new VirtualClock(START);
    const sensor = floatSensor(clock);
    const samplers: Sampler[] = [];
    for (let i = 0; i < 1000; i++) samplers.push(createSampler(sensor, { strategy: 'event-rate', shortest: 1, longest: 10 }, () => {}, clock)!);
    assert.equal(sensor.observerCount, 1000);
    assert.equal(clock.pending, 1000);
    for (const s of samplers) s.close();
    assert.equal(sensor.observerCount, 0);
    assert.equal(clock.pending, 0);
  });
});
