import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { Address } from '../../lib/codec/address.js';
import { KatcpError, KatcpTypeError } from '../../lib/errors.js';
import { Sensor, isValidSensorName, setCheckedReading } from '../../lib/sensor/sensor.js';
import type { SensorTypeName } from '../../lib/sensor/sensor.js';
import { SENSOR_STATUSES, SensorStatus, makeReading, statusIsValid } from '../../lib/sensor/status.js';

const START = 1_700_000_000;

function isInvalidSensor(err: unknown): boolean {
  return err instanceof KatcpError && err.code === 'KATCP_ERR_INVALID_SENSOR';
}

describe('SensorStatus', () => {
  it('has the seven statuses, valid only for nominal, warn and error', () => {
    assert.deepEqual([...SENSOR_STATUSES], ['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive']);
    assert.deepEqual(SENSOR_STATUSES.filter(statusIsValid), [SensorStatus.Nominal, SensorStatus.Warn, SensorStatus.Error]);
  });

  it('makeReading gives a frozen reading', () => {
    const r = makeReading(1, 'nominal', 5);
    assert.ok(Object.isFrozen(r));
    assert.throws(() => { (r as { value: number }).value = 6; }, TypeError);
  });
});

describe('Sensor - names', () => {
  it('accepts letters, digits, dot, dash and underscore', () => {
    for (const name of ['a', 'device-status', 'type.float', 'x_1.y-2', 'A9', '0', '...']) {
      assert.equal(Sensor.float({ name }).name, name);
      assert.ok(isValidSensorName(name));
    }
  });

  it('rejects anything else with a clear error', () => {
    for (const name of ['', 'a b', 'a\tb', 'caf\u00e9', 'a#b', 'a/b', 'a,b', 'a\\b', 'a\nb', 'x@y']) {
      assert.throws(() => Sensor.float({ name }), (err: unknown) => isInvalidSensor(err) && /invalid sensor name/.test((err as Error).message), JSON.stringify(name));
    }
    assert.throws(() => new Sensor({ type: 'float', name: 5 as unknown as string }), isInvalidSensor);
  });

  it('matches the spec character set exactly (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 8 }), (name) => {
      assert.equal(isValidSensorName(name), /^[a-zA-Z0-9._-]+$/.test(name));
    }));
  });
});

describe('Sensor - construction', () => {
  it('starts with the type default, unknown status and the clock time', () => {
    const clock = new VirtualClock(START);
    const defaults: [SensorTypeName, unknown][] = [
      ['integer', 0], ['float', 0], ['boolean', false], ['discrete', ''], ['lru', 'nominal'], ['string', ''],
      ['bytes', Buffer.alloc(0)], ['timestamp', 0], ['address', new Address('0.0.0.0')],
    ];
    for (const [type, value] of defaults) {
      const s = new Sensor({ type, name: `t.${type}`, clock });
      assert.deepEqual(s.value, value, type);
      assert.equal(s.status, 'unknown');
      assert.equal(s.timestamp, START);
      assert.equal(s.description, '');
      assert.equal(s.units, '');
      assert.equal(s.type, type);
      assert.ok(Object.isFrozen(s.reading));
    }
  });

  it('reports the wire type and #sensor-list params', () => {
    assert.equal(Sensor.bytes({ name: 'b' }).wireType, 'string');
    assert.equal(Sensor.lru({ name: 'l' }).wireType, 'lru');
    assert.deepEqual(Sensor.lru({ name: 'l' }).params, []);
    const d = Sensor.discrete({ name: 'd', values: ['idle', 'observing', 'maintenance-mode'] });
    assert.equal(d.wireType, 'discrete');
    assert.deepEqual(d.params, ['idle', 'observing', 'maintenance-mode']);
    assert.equal(d.value, 'idle', 'a discrete default is the first value');
    d.params.push('mutated');
    assert.equal(d.params.length, 3, 'params is a copy');
    assert.deepEqual(Sensor.float({ name: 'f' }).params, []);
  });

  it('turns ranges into params formatted in the sensor type', () => {
    const f = Sensor.float({ name: 'f', range: { nominal: [0, 900] } });
    assert.deepEqual(f.params, ['0.0', '900.0']);
    const i = Sensor.integer({ name: 'i', range: { nominal: [-5, 5], warn: [-10, 10] } });
    assert.deepEqual(i.params, ['-5', '5', '-10', '10']);
  });

  it('derives the default status from the range', () => {
    const s = Sensor.float({ name: 'f', range: { nominal: [0, 10], warn: [-5, 20] } });
    const statuses = [5, 0, 10, -1, 15, -6, 21, NaN].map((v) => {
      s.setValue(v);
      return s.status;
    });
    assert.deepEqual(statuses, ['nominal', 'nominal', 'nominal', 'warn', 'warn', 'error', 'error', 'error']);
    const only = Sensor.integer({ name: 'i', range: { nominal: [0, 10] } });
    only.setValue(11);
    assert.equal(only.status, 'warn');
    only.setValue(11, { status: 'error' });
    assert.equal(only.status, 'error', 'an explicit status wins');
  });

  it('rejects bad ranges', () => {
    const bad: [SensorTypeName, unknown][] = [
      ['string', { nominal: [0, 1] }],
      ['float', { nominal: [2, 1] }],
      ['float', { nominal: [0] }],
      ['float', { nominal: [0, NaN] }],
      ['float', { nominal: ['0', 1] }],
      ['float', { warn: [0, 1] }],
      ['float', { nominal: [0, 10], warn: [1, 20] }],
      ['integer', { nominal: [0, 1.5] }],
    ];
    for (const [type, range] of bad) {
      assert.throws(() => new Sensor({ type, name: 'x', range: range as never }), isInvalidSensor, JSON.stringify(range));
    }
  });

  it('rejects unknown types, values on non-discrete sensors, bad statuses and options', () => {
    assert.throws(() => new Sensor({ type: 'complex' as SensorTypeName, name: 'x' }), /unknown sensor type "complex"/);
    assert.throws(() => new Sensor({ type: 'float', name: 'x', values: ['a'] }), /only discrete sensors take values/);
    assert.throws(() => new Sensor({ type: 'float', name: 'x', initialStatus: 'fine' as SensorStatus }), /invalid initial status/);
    assert.throws(() => new Sensor({ type: 'float', name: 'x', description: 5 as unknown as string }), isInvalidSensor);
    assert.throws(() => new Sensor(null as never), isInvalidSensor);
    assert.throws(() => new Sensor({ type: 'float', name: 'x', clock: {} as never }), (err: unknown) => isInvalidSensor(err) && /clock must be a Clock/.test((err as Error).message));
    assert.throws(() => Sensor.discrete({ name: 'd', values: ['a', 'a'] }), KatcpTypeError);
  });

  it('keeps description, units, initial status and default', () => {
    const clock = new VirtualClock(START);
    const s = Sensor.float({ name: 'f', description: 'A float', units: 'V', default: 3.25, initialStatus: 'nominal', clock });
    assert.deepEqual({ ...s.reading }, { timestamp: START, status: 'nominal', value: 3.25 });
    assert.equal(s.description, 'A float');
    assert.equal(s.units, 'V');
  });

  it('checks and freezes the auto strategy', () => {
    assert.equal(Sensor.float({ name: 'f' }).autoStrategy, undefined);
    assert.equal(Sensor.float({ name: 'f', autoStrategy: { strategy: 'auto' } }).autoStrategy, undefined);
    const s = Sensor.float({ name: 'f', autoStrategy: { strategy: 'event-rate', shortest: 1, longest: Infinity } });
    assert.deepEqual(s.autoStrategy, { strategy: 'event-rate', shortest: 1, longest: Infinity });
    assert.ok(Object.isFrozen(s.autoStrategy));
    assert.throws(() => Sensor.float({ name: 'f', autoStrategy: { strategy: 'none' } }), /auto strategy cannot be none/);
    assert.throws(() => Sensor.string({ name: 's', autoStrategy: { strategy: 'differential', difference: 1 } }), /invalid auto strategy: differential strategies/);
    assert.throws(() => Sensor.float({ name: 'f', autoStrategy: { strategy: 'period', period: 0 } }), /period must be positive/);
  });
});

describe('Sensor - values and coercion', () => {
  it('status_func decides the status unless one is given (odd -> warn, even -> error)', () => {
    const s = Sensor.integer({ name: 'i', statusFunc: (v) => (Number(v) % 2 === 1 ? 'warn' : 'error') });
    assert.equal(s.status, 'unknown');
    s.setValue(1);
    assert.equal(s.status, 'warn');
    s.setValue(2);
    assert.equal(s.status, 'error');
    s.setValue(1, { status: 'nominal' });
    assert.equal(s.status, 'nominal');
  });

  it('accepts values of each type, as default and through setValue, normalised by the codec', () => {
    const accepted: [SensorTypeName, unknown, unknown][] = [
      ['boolean', true, true],
      ['integer', 1234, 1234],
      ['integer', 1234n, 1234],
      ['integer', 2n ** 70n, 2n ** 70n],
      ['float', 1234, 1234],
      ['float', 1234.5, 1234.5],
      ['float', 10n, 10],
      ['string', 'caf\u00e9', 'caf\u00e9'],
      ['bytes', Buffer.from([0, 255]), Buffer.from([0, 255])],
      ['address', Address.parse('[::1]:7147'), Address.parse('[::1]:7147')],
      ['timestamp', 12345678, 12345678],
      ['discrete', 'anything', 'anything'],
      ['lru', 'error', 'error'],
    ];
    for (const [type, input, stored] of accepted) {
      const viaDefault = new Sensor({ type, name: 'x', default: input });
      assert.deepEqual(viaDefault.value, stored, `${type} default ${String(input)}`);
      const viaSet = new Sensor({ type, name: 'x' });
      viaSet.setValue(input);
      assert.deepEqual(viaSet.value, stored, `${type} set ${String(input)}`);
    }
    const d = Sensor.discrete({ name: 'd', values: ['a', 'b'] });
    d.setValue('b');
    assert.equal(d.value, 'b');
  });

  it('refuses values of the wrong type with a KatcpTypeError naming the sensor, as default and through setValue', () => {
    const refused: [SensorTypeName, unknown, (readonly string[])?][] = [
      ['boolean', 'True'],
      ['boolean', 1],
      ['integer', '1234'],
      ['integer', 1234.5],
      ['integer', NaN],
      ['float', '1.5'],
      ['float', { re: 1, im: 2 }],
      ['string', { a: 1 }],
      ['string', 5],
      ['bytes', 5],
      ['address', 7147],
      ['address', 'not-an-address'],
      ['timestamp', '12345678'],
      ['discrete', 'c', ['a', 'b']],
      ['lru', 'warn'],
      ['float', null],
      ['float', undefined],
    ];
    for (const [type, input, values] of refused) {
      const what = `${type} ${String(input)}`;
      if (input !== undefined) {
        assert.throws(() => new Sensor({ type, name: 'bad.default', values, default: input }), (err: unknown) => {
          return err instanceof KatcpTypeError && /sensor bad\.default: invalid default value/.test(err.message);
        }, what);
      }
      const s = new Sensor({ type, name: 'bad.value', values });
      const before = s.reading;
      assert.throws(() => s.setValue(input), (err: unknown) => err instanceof KatcpTypeError && /sensor bad\.value: invalid value/.test(err.message), what);
      assert.equal(s.reading, before, 'a refused value leaves the reading alone');
    }
  });

  it('setValue timestamps with the clock unless given one, and validates status and timestamp', () => {
    const clock = new VirtualClock(START);
    const s = Sensor.float({ name: 'f', clock });
    s.setValue(1);
    assert.equal(s.timestamp, START);
    s.setValue(2, { timestamp: 1234567890.5 });
    assert.equal(s.timestamp, 1234567890.5);
    assert.throws(() => s.setValue(3, { timestamp: NaN }), /timestamp must be a finite number/);
    assert.throws(() => s.setValue(3, { timestamp: '1' as unknown as number }), /timestamp must be a finite number/);
    assert.throws(() => s.setValue(3, { status: 'ok' as SensorStatus }), /invalid status "ok"/);
    const bad = Sensor.float({ name: 'g', statusFunc: () => 'fine' as SensorStatus });
    assert.throws(() => bad.setValue(1), /invalid status "fine"/);
    assert.equal(s.value, 2);
  });

  it('every write gives a new frozen reading and keeps old ones intact', () => {
    const s = Sensor.float({ name: 'f' });
    const r1 = s.reading;
    s.setValue(1);
    const r2 = s.reading;
    s.setValue(1);
    assert.notEqual(s.reading, r2);
    assert.equal(r1.value, 0);
    assert.ok(Object.isFrozen(r2) && Object.isFrozen(s.reading));
  });

  it('the value setter is setValue with defaults', () => {
    const s = Sensor.float({ name: 'f' });
    s.value = 2.5;
    assert.deepEqual([s.value, s.status], [2.5, 'nominal']);
    assert.throws(() => { (s as Sensor<unknown>).value = 'x'; }, KatcpTypeError);
  });

  it('the value setter and setValue with empty options take the status from the range or the status function, checked', () => {
    const ranged = Sensor.float({ name: 'r', range: { nominal: [0, 10], warn: [-5, 15] } });
    ranged.value = 12;
    assert.equal(ranged.status, 'warn');
    ranged.setValue(20, {});
    assert.equal(ranged.status, 'error');
    ranged.value = 5;
    assert.equal(ranged.status, 'nominal');
    const odd = Sensor.integer({ name: 'i', statusFunc: (v) => (Number(v) % 2 === 1 ? 'warn' : 'error') });
    odd.value = 3;
    assert.equal(odd.status, 'warn');
    odd.setValue(4, {});
    assert.equal(odd.status, 'error');
    const bad = Sensor.float({ name: 'g', statusFunc: () => 'fine' as SensorStatus });
    assert.throws(() => { bad.value = 1; }, /invalid status "fine"/);
    assert.throws(() => bad.setValue(1, {}), /invalid status "fine"/);
    assert.equal(bad.status, 'unknown');
  });

  it('a bytes sensor copies the buffer it is given, whichever way it is set', () => {
    const s = Sensor.bytes({ name: 'b' });
    const buf = Buffer.from('abc');
    s.value = buf;
    buf[0] = 0x7a;
    assert.equal(s.value.toString(), 'abc');
    s.setValue(buf, { status: 'warn' });
    buf[0] = 0x79;
    assert.equal(s.value.toString(), 'zbc');
  });

  it('setReading keeps a frozen valid reading as is, copies others, and validates', () => {
    const s = Sensor.float({ name: 'f' });
    const frozen = makeReading(5, 'warn', 1.5);
    s.setReading(frozen);
    assert.equal(s.reading, frozen);
    const plain = { timestamp: 6, status: 'error' as const, value: 2 };
    s.setReading(plain);
    assert.notEqual(s.reading, plain);
    assert.deepEqual({ ...s.reading }, plain);
    assert.ok(Object.isFrozen(s.reading));
    const i = Sensor.integer({ name: 'i' });
    const big = makeReading(1, 'nominal', 5n);
    i.setReading(big);
    assert.equal(i.value, 5, 'normalised by the codec, so a new reading');
    assert.throws(() => s.setReading({ timestamp: 1, status: 'nominal', value: 'x' as unknown as number }), KatcpTypeError);
    assert.throws(() => s.setReading({ timestamp: Infinity, status: 'nominal', value: 1 }), /timestamp/);
    assert.throws(() => s.setReading({ timestamp: 1, status: 'bad' as SensorStatus, value: 1 }), /invalid status/);
    assert.throws(() => s.setReading(null as never), /a reading must be an object/);
  });

  it('setCheckedReading (for mirrors) sets the very reading it is given and notifies, checking only the timestamp', () => {
    const s = Sensor.float({ name: 'f' });
    const seen: [number, number][] = [];
    s.attach((_s, r, prev) => seen.push([r.value, prev.value]));
    const r = makeReading(5, 'warn', 1.5);
    setCheckedReading(s, r);
    assert.equal(s.reading, r);
    assert.deepEqual(seen, [[1.5, 0]]);
    assert.throws(() => setCheckedReading(s, makeReading(Infinity, 'nominal', 2)), /timestamp/);
    assert.throws(() => setCheckedReading(s, makeReading(NaN, 'nominal', 2)), /timestamp/);
    assert.equal(s.reading, r);
    assert.equal(seen.length, 1);
    // The caller gives a bytes sensor a Buffer of its own (a decoded copy): it is not copied again.
    const b = Sensor.bytes({ name: 'b' });
    const buf = Buffer.from('abc');
    setCheckedReading(b, makeReading(1, 'nominal', buf));
    assert.equal(b.value, buf);
  });

  it('typed factories infer value types', () => {
    const d = Sensor.discrete({ name: 'd', values: ['on', 'off'] });
    const v: 'on' | 'off' = d.value;
    assert.equal(v, 'on');
    const f: Sensor<number> = Sensor.float({ name: 'f' });
    const b: Sensor<boolean> = Sensor.boolean({ name: 'b' });
    const t: Sensor<number> = Sensor.timestamp({ name: 't' });
    const s: Sensor<string> = Sensor.string({ name: 's' });
    const a: Sensor<Address> = Sensor.address({ name: 'a' });
    const anySensor: Sensor[] = [d, f, b, t, s, a];
    assert.equal(anySensor.length, 6);
  });
});

describe('Sensor - observers', () => {
  it('observers get (sensor, reading, previous) on every write, in attach order', () => {
    const s = Sensor.float({ name: 'f' });
    const calls: unknown[] = [];
    s.attach((sensor, reading, previous) => calls.push(['a', sensor, reading, previous]));
    s.attach((sensor, reading) => calls.push(['b', sensor, reading]));
    const r0 = s.reading;
    s.setValue(1);
    const r1 = s.reading;
    s.setValue(1);
    const r2 = s.reading;
    assert.deepEqual(calls, [['a', s, r1, r0], ['b', s, r1], ['a', s, r2, r1], ['b', s, r2]]);
  });

  it('detach stops notifications; the returned function is idempotent; double attach is single', () => {
    const s = Sensor.float({ name: 'f' });
    let n = 0;
    const obs = (): void => {
      n++;
    };
    const detach = s.attach(obs);
    s.attach(obs);
    assert.equal(s.observerCount, 1);
    s.setValue(1);
    detach();
    detach();
    s.detach(obs);
    s.setValue(2);
    assert.equal(n, 1);
    assert.equal(s.observerCount, 0);
    assert.throws(() => s.attach('x' as never), /observer must be a function/);
  });

  it('observers may attach and detach during a notification without affecting it', () => {
    const s = Sensor.float({ name: 'f' });
    const seen: string[] = [];
    const late = (): void => {
      seen.push('late');
    };
    const b = (): void => {
      seen.push('b');
    };
    s.attach(() => {
      seen.push('a');
      s.detach(b);
      s.attach(late);
    });
    s.attach(b);
    s.setValue(1);
    assert.deepEqual(seen, ['a', 'b']);
    s.setValue(2);
    assert.deepEqual(seen, ['a', 'b', 'a', 'late']);
  });

  it('a throwing observer does not starve the others; its error is rethrown after all ran', () => {
    const s = Sensor.float({ name: 'f' });
    const seen: number[] = [];
    s.attach(() => {
      throw new Error('first');
    });
    s.attach((_s, r) => seen.push(r.value));
    assert.throws(() => s.setValue(1), /first/);
    assert.deepEqual(seen, [1]);
    assert.equal(s.value, 1);
    s.attach(() => {
      throw new Error('second');
    });
    assert.throws(() => s.setValue(2), (err: unknown) => err instanceof AggregateError && err.errors.length === 2);
    assert.deepEqual(seen, [1, 2]);
  });

  it('the error of a lone observer is thrown as it is, after the reading is set', () => {
    const s = Sensor.integer({ name: 'i' });
    const boom = new Error('lone');
    s.attach(() => {
      throw boom;
    });
    assert.throws(
      () => (s.value = 4),
      (err: unknown) => err === boom,
    );
    assert.equal(s.value, 4);
  });

  it('a lone observer may detach itself and attach another: the new one sees the next update only', () => {
    const s = Sensor.integer({ name: 'i' });
    const seen: string[] = [];
    const second = (): void => {
      seen.push('second');
    };
    const first = (): void => {
      seen.push('first');
      s.detach(first);
      s.attach(second);
    };
    s.attach(first);
    s.value = 1;
    s.value = 2;
    assert.deepEqual(seen, ['first', 'second']);
  });

  it('attaching and detaching many observers leaves nothing behind', () => {
    const s = Sensor.float({ name: 'f' });
    const detachers = Array.from({ length: 5000 }, () => s.attach(() => {}));
    assert.equal(s.observerCount, 5000);
    for (const d of detachers) d();
    assert.equal(s.observerCount, 0);
  });
});
