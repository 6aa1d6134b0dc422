import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { makeReading } from '../../lib/sensor/status.js';
import { ServerDialect } from '../../lib/server/dialect.js';
import { Outbox } from '../../lib/server/outbox.js';
import { sensorStatusLine } from '../../lib/server/wire.js';

const v5 = new ServerDialect();
const v4 = new ServerDialect('4.0-M');
const text = (b: Buffer | undefined): string => (b === undefined ? '' : b.toString('latin1'));

describe('server outbox', () => {
  it('outbox - messages, bytes and status lines go out in the order queued, lines counted', () => {
    const out = new Outbox(v5);
    const s = Sensor.integer({ name: 'a.b', default: 3 });
    assert.equal(out.isEmpty, true);
    out.message(Message.inform('x', 1), false);
    out.statusLine(s, makeReading(1, 'nominal', 4));
    out.statusLine(s, makeReading(2, 'warn', 5));
    out.bytes(Buffer.from('#y 1\n#y 2\n'), false);
    out.statusLine(s, makeReading(3, 'error', 6));
    assert.equal(out.isEmpty, false);
    assert.equal(out.lines, 6);
    assert.equal(out.async, true);
    assert.equal(
      text(out.take()),
      '#x 1\n#sensor-status 1.0 1 a.b nominal 4\n#sensor-status 2.0 1 a.b warn 5\n#y 1\n#y 2\n#sensor-status 3.0 1 a.b error 6\n',
    );
    assert.equal(out.isEmpty, true);
    assert.equal(out.lines, 0);
    assert.equal(out.async, false);
    assert.equal(out.take(), undefined);
  });

  it('outbox - a status line is what sensorStatusLine formats, in both dialects, for every value type', () => {
    const sensors = [
      Sensor.string({ name: 's', default: 'a b\\c é\n' }),
      Sensor.string({ name: 'e', default: '' }),
      Sensor.float({ name: 'f', default: -1.5e-7 }),
      Sensor.timestamp({ name: 't', default: 1_700_000_000.5 }),
      Sensor.bytes({ name: 'b', default: Buffer.from([0, 255, 32]) }),
    ];
    for (const dialect of [v5, v4]) {
      const out = new Outbox(dialect);
      for (const s of sensors) out.statusLine(s, s.reading);
      assert.equal(text(out.take()), sensors.map((s) => text(sensorStatusLine(s, s.reading, dialect))).join(''));
    }
  });

  it('outbox - a sensor sampled by several clients gives each the same bytes, in its own dialect', () => {
    const s = Sensor.float({ name: 'shared', default: 0 });
    // Observers as the clients' samplers would be: the line is then formatted once per reading.
    const detach = [s.attach(() => undefined), s.attach(() => undefined)];
    const outs = [new Outbox(v5), new Outbox(v5), new Outbox(v4)];
    const readings = Array.from({ length: 2000 }, (_, i) => makeReading(i, 'nominal', i / 3));
    for (const r of readings) for (const o of outs) o.statusLine(s, r);
    const want = (d: ServerDialect): string => readings.map((r) => text(sensorStatusLine(s, r, d))).join('');
    assert.equal(text(outs[0]!.take()), want(v5));
    assert.equal(text(outs[1]!.take()), want(v5));
    assert.equal(text(outs[2]!.take()), want(v4));
    for (const d of detach) d();
  });

  it('outbox - bytes taken earlier are never overwritten by later batches', () => {
    const s = Sensor.integer({ name: 'n', default: 0 });
    const out = new Outbox(v5);
    const taken: [Buffer, string][] = [];
    for (let batch = 0; batch < 50; batch++) {
      let want = '';
      for (let i = 0; i < batch * 7; i++) {
        const r = makeReading(batch, 'nominal', batch * 1000 + i);
        out.statusLine(s, r);
        want += text(sensorStatusLine(s, r, v5));
      }
      const b = out.take();
      if (b !== undefined) taken.push([b, want]);
    }
    for (const [b, want] of taken) assert.equal(text(b), want);
  });

  it('outbox - status lines queued while the exemption is active leave the batch not asynchronous', () => {
    const s = Sensor.integer({ name: 'n', default: 0 });
    const exempt = { active: true };
    const out = new Outbox(v5, exempt);
    out.statusLine(s, makeReading(1, 'nominal', 1));
    out.statusLine(s, makeReading(2, 'nominal', 2));
    assert.equal(out.async, false);
    exempt.active = false;
    out.statusLine(s, makeReading(3, 'nominal', 3));
    assert.equal(out.async, true);
    // Once asynchronous, the batch stays so until taken, whatever the exemption says.
    exempt.active = true;
    out.statusLine(s, makeReading(4, 'nominal', 4));
    assert.equal(out.async, true);
    assert.equal(out.lines, 4);
    out.take();
    assert.equal(out.async, false);
    out.statusLine(s, makeReading(5, 'nominal', 5));
    assert.equal(out.async, false);
    exempt.active = false;
    out.message(Message.inform('x'), false);
    assert.equal(out.async, false);
  });

  it('outbox - without an exemption every status line makes the batch asynchronous', () => {
    const out = new Outbox(v5);
    out.message(Message.inform('x'), false);
    assert.equal(out.async, false);
    out.statusLine(Sensor.integer({ name: 'n', default: 0 }), makeReading(1, 'nominal', 1));
    assert.equal(out.async, true);
  });

  it('outbox - onFirstLine is called for the first status line of each batch, and statusLine works detached', () => {
    const s = Sensor.integer({ name: 'n', default: 0 });
    let calls = 0;
    const out = new Outbox(v5, undefined, () => calls++);
    const send = out.statusLine;
    out.message(Message.inform('x'), true);
    assert.equal(calls, 0);
    send(s, makeReading(1, 'nominal', 1));
    send(s, makeReading(2, 'nominal', 2));
    assert.equal(calls, 1);
    out.take();
    send(s, makeReading(3, 'nominal', 3));
    assert.equal(calls, 2);
    out.clear();
    send(s, makeReading(4, 'nominal', 4));
    assert.equal(calls, 3);
    assert.equal(text(out.take()), '#sensor-status 4.0 1 n nominal 4\n');
  });

  it('outbox - clear drops everything queued', () => {
    const s = Sensor.integer({ name: 'n', default: 0 });
    const out = new Outbox(v5);
    out.message(Message.inform('x'), true);
    out.statusLine(s, s.reading);
    out.clear();
    assert.equal(out.isEmpty, true);
    assert.equal(out.take(), undefined);
    out.statusLine(s, makeReading(7, 'warn', 1));
    assert.equal(text(out.take()), '#sensor-status 7.0 1 n warn 1\n');
  });
});
