import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatMessages } from '../../lib/codec/format.js';
import { Message } from '../../lib/codec/message.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import type { SensorStatus } from '../../lib/sensor/status.js';
import { ServerDialect } from '../../lib/server/dialect.js';
import { listingBytes } from '../../lib/server/sensor-listing.js';

const text = (b: Buffer): string => b.toString('latin1');

/** What the codec formats for the listing: one inform per sensor, then the reply when `total` is given. */
function expected(kind: 'list' | 'value', name: string, mid: number | undefined, sensors: Sensor[], dialect: ServerDialect, total?: number): string {
  const msgs = sensors.map((s) => {
    if (kind === 'list') return new Message('#', name, [s.name, s.description, s.units, s.wireType, ...s.params].map((x) => Buffer.from(x, 'utf8')), mid);
    const r = s.reading;
    const args: Buffer[] = [dialect.timestamp(r.timestamp), '1', s.name, dialect.status(r.status)].map((x) => Buffer.from(x, 'latin1'));
    args.push(s.codec.encode(r.value, dialect.codecContext));
    return new Message('#', name, args, mid);
  });
  if (total !== undefined) msgs.push(new Message('!', name, [Buffer.from('ok'), Buffer.from(String(total))], mid));
  return text(formatMessages(msgs));
}

describe('sensor listing bytes', () => {
  const statuses: SensorStatus[] = ['nominal', 'warn', 'error', 'failure', 'unknown'];
  const value = fc.string({ unit: fc.constantFrom('a', ' ', '\\', '\t', '\n', '\0', 'é', '😀', '@'), maxLength: 300 });

  it('listing - #sensor-value and #sensor-list informs and the reply are the codec formatting, whatever the values, mid and batch (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, fc.constantFrom(...statuses), fc.double({ min: 0, max: 2e9, noNaN: true })), { maxLength: 40 }),
        fc.option(fc.integer({ min: 1, max: 2147483647 }), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (readings, mid, v4, withTotal, list) => {
          const dialect = v4 ? new ServerDialect('4.0') : new ServerDialect();
          const sensors = readings.map(([v, status, timestamp], i): Sensor => {
            if (i % 2 === 0) {
              const s = Sensor.string({ name: `s${i}`, description: v });
              s.setValue(v, { status, timestamp });
              return s;
            }
            const s = Sensor.integer({ name: `i.${i}`, units: v });
            s.setValue(i * 1_000_003, { status, timestamp });
            return s;
          });
          const kind = list ? 'list' : 'value';
          const name = list ? 'sensor-list' : 'sensor-value';
          const total = withTotal ? sensors.length + 7 : undefined;
          const from = sensors.length > 2 ? 1 : 0;
          const got = listingBytes(kind, name, mid, sensors, from, sensors.length, dialect, total);
          assert.equal(text(got), expected(kind, name, mid, sensors.slice(from), dialect, total));
        },
      ),
    );
  });

  it('listing - an empty listing is the reply alone', () => {
    assert.equal(text(listingBytes('value', 'sensor-value', 3, [], 0, 0, new ServerDialect(), 0)), '!sensor-value[3] ok 0\n');
  });

  it('listing - a long sensor array listed again, in batches or in another wire form, gives the same informs as the codec', () => {
    const sensors = Array.from({ length: 2500 }, (_, i) =>
      i % 2 === 0
        ? Sensor.float({ name: `f.${i}`, description: `float ${i}`, units: 'V', range: { nominal: [0, i], warn: [-1, i + 1] } })
        : Sensor.address({ name: `a.${i}`, description: i % 3 === 0 ? '' : 'an address' }),
    );
    for (const dialect of [new ServerDialect(), new ServerDialect('4.0'), new ServerDialect()]) {
      const v4 = dialect.v4;
      const whole = v4 ? undefined : expected('list', 'sensor-list', 7, sensors, dialect, sensors.length);
      for (const [from, to] of [[0, 1000], [1000, 2500], [0, 2500], [0, 2500]] as const) {
        const got = text(listingBytes('list', 'sensor-list', 7, sensors, from, to, dialect, to === 2500 ? sensors.length : undefined));
        if (whole !== undefined && from === 0 && to === 2500) assert.equal(got, whole);
        // The v4 form: no address type (listed as string) and no warn range.
        if (v4) {
          assert.ok(got.includes(' string\n') && !got.includes(' address\n'));
          assert.ok(!got.includes(' -1.0 '));
        } else {
          assert.ok(got.includes(' address\n') && got.includes(' -1.0 '));
        }
      }
    }
  });
});
