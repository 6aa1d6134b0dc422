import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatMessage } from '../../lib/codec/format.js';
import { Message } from '../../lib/codec/message.js';
import { formatFloat } from '../../lib/codec/types.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { makeReading } from '../../lib/sensor/status.js';
import { Address } from '../../lib/codec/address.js';
import { ServerDialect } from '../../lib/server/dialect.js';
import { listingBytes } from '../../lib/server/sensor-listing.js';
import { sensorListTail, sensorStatusLine, wireLine } from '../../lib/server/wire.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const text = (b: Buffer): string => b.toString('latin1');
/** ` <timestamp> 1 <name> <status> <value>\n`: the `#sensor-value` tail of the sensor's current reading. */
const valueTail = (sensor: Sensor, dialect = new ServerDialect()): string => text(sensorStatusLine(sensor, sensor.reading, dialect)).slice('#sensor-status'.length);

/** What the codec formats for `#name[mid] args...`. */
function formatted(name: string, mid: number | undefined, args: Buffer[]): string {
  return text(formatMessage(new Message('#', name, args, mid)));
}

describe('server wire cache', () => {
  it('wire - a #sensor-list tail is the codec formatting of the description, whatever the text (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', ' ', '\\', '\t', '\n', '\r', '\0', '\x1b', 'é', '€', '😀', '@', '.') });
    fc.assert(
      fc.property(field, field, fc.boolean(), (description, units, discrete) => {
        const sensor = discrete
          ? Sensor.discrete({ name: 'd.x', description, units, values: ['one value', 'two'] })
          : Sensor.integer({ name: 'i-x', description, units, range: { nominal: [0, 10] } });
        const args = [sensor.name, description, units, sensor.wireType, ...sensor.params].map((s) => Buffer.from(s, 'utf8'));
        assert.equal(text(sensorListTail(sensor)), formatted('x', undefined, args).slice(2));
        assert.equal(text(listingBytes('list', 'sensor-list', 7, [sensor], 0, 1, new ServerDialect())), formatted('sensor-list', 7, args));
      }),
    );
  });

  it('wire - a line of fields short or long, plain or not, is the codec formatting of its fields (property)', () => {
    const unit = fc.constantFrom('a', 'Z', '.', ',', '~', '\x01', '\x7f', ' ', '\\', '\t', '\n', '\r', '\0', '\x1b', 'é', '€', '😀', '@');
    // Long fields of plain characters with now and then one to escape or a non-ASCII one.
    const field = fc.oneof(fc.string({ unit }), fc.string({ unit: fc.oneof({ weight: 40, arbitrary: fc.constantFrom('a', '.', ',', '9') }, { weight: 1, arbitrary: unit }), minLength: 60, maxLength: 300 }));
    fc.assert(
      fc.property(fc.array(field, { maxLength: 5 }), (fields) => {
        const expected = formatted('sensor-sampling', 7, fields.map((f) => Buffer.from(f, 'utf8')));
        assert.equal(text(wireLine('#sensor-sampling[7]', [...fields])), expected);
      }),
    );
  });

  it('wire - a #sensor-status line of a float or integer sensor is the codec formatting, in both dialects, whatever the value and timestamp (property)', () => {
    const v4 = new ServerDialect('4.0');
    const status = fc.constantFrom('nominal', 'warn', 'error', 'failure', 'unknown', 'unreachable', 'inactive' as const);
    const timestamp = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1_700_000_000.125));
    const f = Sensor.float({ name: 'f.x' });
    const i = Sensor.integer({ name: 'i_x' });
    const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, 5, 1e16, 1e-5), fc.integer(), fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }));
    fc.assert(
      fc.property(value, status, timestamp, fc.boolean(), (v, st, ts, useV4) => {
        const dialect = useV4 ? v4 : new ServerDialect();
        const sensor = typeof v === 'bigint' || Number.isInteger(v) ? i : f;
        const reading = makeReading(ts, st, sensor === i ? v : Number(v));
        const args: Buffer[] = [dialect.timestamp(ts), '1', sensor.name, dialect.status(st)].map((s) => Buffer.from(s, 'latin1'));
        args.push(sensor.codec.encode(reading.value, dialect.codecContext));
        assert.equal(text(sensorStatusLine(sensor, reading, dialect)), formatted('sensor-status', undefined, args));
      }),
    );
  });

  it('wire - a #sensor-status line is the codec formatting of the reading, and is formatted once per reading', () => {
    const clock = new VirtualClock(1_700_000_000.25);
    const sensor = Sensor.string({ name: 's', clock, default: 'a b\\c é', initialStatus: 'warn' });
    const line = sensorStatusLine(sensor, sensor.reading);
    const args = [formatFloat(1_700_000_000.25), '1', 's', 'warn', 'a b\\c é'].map((s) => Buffer.from(s, 'utf8'));
    assert.equal(text(line), formatted('sensor-status', undefined, args));
    assert.equal(sensorStatusLine(sensor, sensor.reading), line, 'the same reading reuses the same bytes');
    assert.equal(valueTail(sensor), text(line).slice('#sensor-status'.length));
    sensor.setValue('');
    const empty = sensorStatusLine(sensor, sensor.reading);
    assert.notEqual(empty, line);
    assert.match(text(empty), / s nominal \\@\n$/);
    // An older reading (a delayed send) is formatted again, not confused with the cached one.
    const old = makeReading(5, 'error', 'x');
    assert.equal(text(sensorStatusLine(sensor, old)), '#sensor-status 5.0 1 s error x\n');
  });

  it('wire - the v4 forms: min max only, no address type, ms timestamps, five statuses, cached apart from v5', () => {
    const v4 = new ServerDialect('4.0-M');
    const clock = new VirtualClock(1_700_000_000.125);
    const f = Sensor.float({ name: 'f', range: { nominal: [0, 10], warn: [-5, 20] }, default: 1, initialStatus: 'nominal', clock });
    assert.equal(text(sensorListTail(f)), ' f \\@ \\@ float 0.0 10.0 -5.0 20.0\n');
    assert.equal(text(sensorListTail(f, v4)), ' f \\@ \\@ float 0.0 10.0\n');
    const a = Sensor.address({ name: 'a', default: Address.parse('[::1]:7147'), initialStatus: 'nominal', clock });
    assert.equal(text(sensorListTail(a, v4)), ' a \\@ \\@ string\n');
    assert.equal(valueTail(a, v4), ' 1700000000125 1 a nominal [::1]:7147\n');
    const t = Sensor.timestamp({ name: 't', default: 1_600_000_000.5, clock });
    t.setValue(1_600_000_000.5, { status: 'inactive' });
    assert.equal(text(sensorStatusLine(t, t.reading, v4)), '#sensor-status 1700000000125 1 t unknown 1600000000500\n');
    assert.equal(text(sensorStatusLine(t, t.reading)), '#sensor-status 1700000000.125 1 t inactive 1600000000.5\n');
    assert.equal(text(sensorStatusLine(t, t.reading, v4)), '#sensor-status 1700000000125 1 t unknown 1600000000500\n', 'the v5 line did not replace the v4 one');
    f.setValue(2, { status: 'unreachable' });
    assert.match(valueTail(f, v4), / f failure 2\.0\n$/);
  });
});
