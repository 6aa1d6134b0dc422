import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { AggregateSensor, SimpleAggregateSensor } from '../../lib/sensor/aggregate.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import type { SensorOptions } from '../../lib/sensor/sensor.js';
import { SensorSet } from '../../lib/sensor/sensor-set.js';
import { makeReading, statusIsValid } from '../../lib/sensor/status.js';
import type { Reading, SensorStatus } from '../../lib/sensor/status.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
  }
}

type Call = [Sensor | undefined, Reading<unknown> | undefined, Reading<unknown> | undefined];

/** Records every updateAggregate call (in a subclass field) and returns `next`. */
class Recorder extends AggregateSensor<number> {
  calls: Call[] = [];
  next: Reading<number> | undefined = makeReading(0, 'nominal', 7);

  constructor(target: SensorSet, opts: Partial<SensorOptions<number>> = {}) {
    super(target, { type: 'integer', name: 'good-bad-ugly', ...opts });
  }

  protected override updateAggregate(sensor: Sensor | undefined, reading: Reading<unknown> | undefined, previous: Reading<unknown> | undefined): Reading<number> | undefined {
    this.calls.push([sensor, reading, previous]);
    return this.next;
  }
}

function fixture() {
  const ss = new SensorSet();
  const sensors = [Sensor.integer({ name: 'name0' }), Sensor.integer({ name: 'name1' })] as const;
  ss.add(sensors[0]);
  return { ss, sensors };
}

describe('AggregateSensor', () => {
  it('computes its first reading with (undefined, undefined, undefined), using subclass fields', () => {
    const { ss } = fixture();
    const agg = new Recorder(ss);
    assert.equal(agg.target, ss);
    assert.deepEqual({ ...agg.reading }, { timestamp: 0, status: 'nominal', value: 7 });
    assert.deepEqual(agg.calls, [[undefined, undefined, undefined]]);
    assert.ok(agg.isLive);
  });

  it('starts following on first use: attach, value, status or timestamp', () => {
    for (const use of [(a: Recorder) => a.attach(() => {}), (a: Recorder) => a.value, (a: Recorder) => a.status, (a: Recorder) => a.timestamp]) {
      const { ss, sensors } = fixture();
      const agg = new Recorder(ss);
      assert.equal(sensors[0].observerCount, 0, 'nothing attached before first use');
      use(agg);
      assert.equal(sensors[0].observerCount, 1);
      assert.equal(agg.calls.length, 1);
    }
  });

  it('reports an added sensor with (s, s.reading, undefined) and applies the returned reading', () => {
    const { ss, sensors } = fixture();
    const agg = new Recorder(ss);
    void agg.reading;
    agg.next = makeReading(7, 'warn', 42);
    ss.add(sensors[1]);
    assert.deepEqual(agg.calls.at(-1), [sensors[1], sensors[1].reading, undefined]);
    assert.deepEqual({ ...agg.reading }, { timestamp: 7, status: 'warn', value: 42 });
  });

  it('reports a removed sensor with (s, undefined, s.reading) and ignores its later updates', () => {
    const { ss, sensors } = fixture();
    const agg = new Recorder(ss);
    void agg.reading;
    ss.remove(sensors[0]);
    assert.deepEqual(agg.calls.at(-1), [sensors[0], undefined, sensors[0].reading]);
    const n = agg.calls.length;
    sensors[0].setValue(5, { status: 'error' });
    assert.equal(agg.calls.length, n);
    assert.equal(sensors[0].observerCount, 0);
  });

  it('reports an update with (s, new, old)', () => {
    const { ss, sensors } = fixture();
    const agg = new Recorder(ss);
    void agg.reading;
    const old = sensors[0].reading;
    sensors[0].setValue(7, { status: 'warn' });
    assert.deepEqual(agg.calls.at(-1), [sensors[0], sensors[0].reading, old]);
  });

  it('returning undefined leaves the reading object untouched and notifies nobody', () => {
    const { ss, sensors } = fixture();
    const agg = new Recorder(ss);
    const before = agg.reading;
    let notified = 0;
    agg.attach(() => notified++);
    agg.next = undefined;
    sensors[0].setValue(7, { status: 'warn' });
    assert.equal(agg.reading, before);
    assert.equal(notified, 0);
  });

  it('never watches itself, even in its own target', () => {
    const { ss, sensors } = fixture();
    const agg = new Recorder(ss);
    void agg.reading;
    ss.add(agg);
    assert.equal(agg.observerCount, 0);
    assert.equal(agg.calls.length, 1);
    ss.remove(agg);
    assert.equal(agg.calls.length, 1);
    sensors[0].setValue(3);
    assert.equal(agg.calls.length, 2);
  });

  it('honours filterAggregate', () => {
    class OnlyX extends Recorder {
      protected override filterAggregate(sensor: Sensor): boolean {
        return sensor.name.startsWith('x');
      }
    }
    const ss = new SensorSet([Sensor.float({ name: 'x1' }), Sensor.float({ name: 'y1' })]);
    const agg = new OnlyX(ss);
    void agg.reading;
    ss.add(Sensor.float({ name: 'y2' }));
    ss.get('y1')!.setValue(1);
    assert.equal(agg.calls.length, 1);
    ss.get('x1')!.setValue(1);
    ss.add(Sensor.float({ name: 'x2' }));
    assert.deepEqual(agg.calls.map((c) => c[0]?.name), [undefined, 'x1', 'x2']);
  });

  it('close() detaches from the target and its sensors', () => {
    const { ss, sensors } = fixture();
    const agg = new Recorder(ss);
    void agg.reading;
    agg.close();
    agg.close();
    assert.equal(sensors[0].observerCount, 0);
    ss.add(sensors[1]);
    sensors[0].setValue(1);
    ss.remove(sensors[0]);
    assert.equal(agg.calls.length, 1);
    assert.equal(agg.value, 7, 'keeps its last reading');
    assert.ok(!agg.isLive);
    const unused = new Recorder(ss);
    unused.close();
    void unused.reading;
    assert.equal(unused.calls.length, 0, 'a closed aggregate never starts');
  });

  it('can be garbage-collected; its callbacks then become no-ops that clean up', async () => {
    const { ss, sensors } = fixture();
    const weak = ((): WeakRef<Recorder> => {
      const agg = new Recorder(ss, { name: 'garbage' });
      void agg.reading;
      ss.add(sensors[1]);
      return new WeakRef(agg);
    })();
    await collectGarbage();
    assert.equal(weak.deref(), undefined);
    sensors[0].value = 12;
    ss.add(Sensor.float({ name: 'later' }));
    ss.remove('later');
    assert.equal(sensors[0].observerCount, 0);
  });

  it('lets removed sensors be garbage-collected', async () => {
    const ss = new SensorSet();
    const agg = new Recorder(ss, { name: 'agg' });
    void agg.reading;
    const weak = ((): WeakRef<Sensor> => {
      const sensor = Sensor.integer({ name: 'rubbish' });
      ss.add(sensor);
      ss.remove(sensor);
      return new WeakRef(sensor);
    })();
    agg.calls.length = 0; // the recorder itself holds the sensor in its call log
    await collectGarbage();
    assert.equal(weak.deref(), undefined);
    assert.ok(agg.isLive);
  });
});

/** The sum of valid readings; warn above 10 (aiokatcp's test aggregate). */
class SumAgg extends SimpleAggregateSensor<number> {
  #total = 0;

  protected override aggregateAdd(_sensor: Sensor, reading: Reading<unknown>): boolean {
    if (!statusIsValid(reading.status)) return false;
    this.#total += reading.value as number;
    return true;
  }

  protected override aggregateRemove(_sensor: Sensor, reading: Reading<unknown>): boolean {
    if (!statusIsValid(reading.status)) return false;
    this.#total -= reading.value as number;
    return true;
  }

  protected override aggregateCompute(): { status: SensorStatus; value: number } {
    return { status: this.#total <= 10 ? 'nominal' : 'warn', value: this.#total };
  }
}

describe('SimpleAggregateSensor', () => {
  function simple() {
    const clock = new VirtualClock(1234567890);
    const { ss, sensors } = fixture();
    sensors[0].setValue(3, { timestamp: 1234512345 });
    const agg = new SumAgg(ss, { type: 'integer', name: 'simple-agg', description: 'Test sensor', clock });
    return { clock, ss, sensors, agg };
  }
  const r = (s: Sensor): object => ({ ...s.reading });

  it('starts from the valid readings, timestamped now', () => {
    const { agg } = simple();
    assert.deepEqual(r(agg), { timestamp: 1234567890, status: 'nominal', value: 3 });
  });

  it('follows updates with the update timestamp, never going backwards; invalid readings drop out', () => {
    const { agg, sensors } = simple();
    void agg.reading;
    sensors[0].setValue(11, { timestamp: 1234512346 });
    assert.deepEqual(r(agg), { timestamp: 1234567890, status: 'warn', value: 11 });
    sensors[0].setValue(12, { timestamp: 1400567891, status: 'unknown' });
    assert.deepEqual(r(agg), { timestamp: 1400567891, status: 'nominal', value: 0 });
    sensors[0].setValue(5, { timestamp: 1400567892 });
    assert.deepEqual(r(agg), { timestamp: 1400567892, status: 'nominal', value: 5 });
  });

  it('adds and removes sensors at the clock time', async () => {
    const { agg, sensors, ss, clock } = simple();
    void agg.reading;
    await clock.advance(1500);
    sensors[1].setValue(8, { timestamp: 1400567890 });
    ss.add(sensors[1]);
    assert.deepEqual(r(agg), { timestamp: 1234567891.5, status: 'warn', value: 11 });
    await clock.advance(500);
    ss.remove(sensors[0]);
    assert.deepEqual(r(agg), { timestamp: 1234567892, status: 'nominal', value: 8 });
  });

  it('an update that changes nothing leaves the reading alone and notifies nobody', () => {
    const { agg, sensors } = simple();
    void agg.reading;
    sensors[0].setValue(5, { timestamp: 1400567890, status: 'unknown' });
    assert.deepEqual(r(agg), { timestamp: 1400567890, status: 'nominal', value: 0 });
    const before = agg.reading;
    let notified = 0;
    agg.attach(() => notified++);
    sensors[0].setValue(6, { timestamp: 1400567891, status: 'unknown' });
    assert.equal(agg.reading, before);
    assert.equal(notified, 0);
  });
});
