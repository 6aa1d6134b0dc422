import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KatcpError } from '../../lib/errors.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { SensorSet } from '../../lib/sensor/sensor-set.js';

function tracked() {
  const set = new SensorSet();
  const events: string[] = [];
  const offAdd = set.onAdd((s) => events.push(`add ${s.name} ${s.description}`));
  const offRemove = set.onRemove((s) => events.push(`remove ${s.name} ${s.description}`));
  return { set, events, offAdd, offRemove };
}

describe('SensorSet', () => {
  it('add fires add callbacks; adding the same object again does nothing', () => {
    const { set, events } = tracked();
    const a = Sensor.float({ name: 'a', description: 'one' });
    assert.equal(set.add(a), set);
    set.add(a);
    assert.deepEqual(events, ['add a one']);
    assert.equal(set.size, 1);
    assert.equal(set.get('a'), a);
  });

  it('adding another sensor with a taken name removes the old one first', () => {
    const { set, events } = tracked();
    const a1 = Sensor.float({ name: 'a', description: 'one' });
    const a2 = Sensor.integer({ name: 'a', description: 'two' });
    set.add(a1).add(a2);
    assert.deepEqual(events, ['add a one', 'remove a one', 'add a two']);
    assert.equal(set.get('a'), a2);
    assert.equal(set.size, 1);
  });

  it('remove by object only removes that very object; remove by name removes whatever has the name', () => {
    const { set, events } = tracked();
    const a = Sensor.float({ name: 'a', description: 'one' });
    const impostor = Sensor.float({ name: 'a', description: 'other' });
    set.add(a);
    assert.equal(set.remove(impostor), false);
    assert.equal(set.remove(Sensor.float({ name: 'missing' })), false);
    assert.equal(set.remove('missing'), false);
    assert.equal(set.remove(a), true);
    assert.equal(set.remove(a), false);
    set.add(a);
    assert.equal(set.remove('a'), true);
    assert.deepEqual(events, ['add a one', 'remove a one', 'add a one', 'remove a one']);
    assert.equal(set.size, 0);
  });

  it('has checks names, and identity for sensors', () => {
    const set = new SensorSet();
    const a = Sensor.float({ name: 'a' });
    set.add(a);
    assert.ok(set.has('a'));
    assert.ok(set.has(a));
    assert.ok(!set.has(Sensor.float({ name: 'a' })));
    assert.ok(!set.has('b'));
    assert.equal(set.get('b'), undefined);
  });

  it('clear fires remove callbacks for every sensor', () => {
    const { set, events } = tracked();
    set.add(Sensor.float({ name: 'a' })).add(Sensor.float({ name: 'b' }));
    events.length = 0;
    set.clear();
    assert.deepEqual(events, ['remove a ', 'remove b ']);
    assert.equal(set.size, 0);
  });

  it('iterates in insertion order, Map-like', () => {
    const a = Sensor.float({ name: 'a' });
    const c = Sensor.float({ name: 'c' });
    const b = Sensor.float({ name: 'b' });
    const set = new SensorSet([a, c, b]);
    assert.deepEqual([...set.names()], ['a', 'c', 'b']);
    assert.deepEqual([...set.keys()], ['a', 'c', 'b']);
    assert.deepEqual([...set.values()], [a, c, b]);
    assert.deepEqual([...set], [a, c, b]);
    assert.deepEqual([...set.entries()], [['a', a], ['c', c], ['b', b]]);
  });

  it('unregistered callbacks no longer fire; unregistering twice is harmless', () => {
    const { set, events, offAdd, offRemove } = tracked();
    const other: string[] = [];
    set.onAdd((s) => other.push(s.name));
    offAdd();
    offAdd();
    offRemove();
    set.add(Sensor.float({ name: 'a' }));
    set.remove('a');
    assert.deepEqual(events, []);
    assert.deepEqual(other, ['a']);
  });

  it('a callback registered twice runs twice, and each unregister removes one registration', () => {
    const set = new SensorSet();
    let n = 0;
    const cb = (): void => {
      n++;
    };
    const off1 = set.onAdd(cb);
    set.onAdd(cb);
    set.add(Sensor.float({ name: 'a' }));
    assert.equal(n, 2);
    off1();
    off1();
    set.add(Sensor.float({ name: 'b' }));
    assert.equal(n, 3);
  });

  it('a throwing callback does not stop the others nor leave the set half-changed', () => {
    const set = new SensorSet();
    const seen: string[] = [];
    set.onRemove(() => {
      throw new Error('remove failed');
    });
    set.onAdd((s) => seen.push(s.name));
    const a1 = Sensor.float({ name: 'a' });
    const a2 = Sensor.float({ name: 'a' });
    set.add(a1);
    assert.throws(() => set.add(a2), /remove failed/);
    assert.equal(set.get('a'), a2, 'the replacement still happened');
    assert.deepEqual(seen, ['a', 'a']);
    set.add(Sensor.float({ name: 'b' }));
    assert.throws(() => set.clear(), (err: unknown) => err instanceof AggregateError && err.errors.length === 2);
    assert.equal(set.size, 0);
  });

  it('refuses things that are not sensors', () => {
    const set = new SensorSet();
    assert.throws(() => set.add({ name: 'x' } as unknown as Sensor), (err: unknown) => err instanceof KatcpError);
  });
});
